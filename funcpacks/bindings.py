"""Service bindings (the Kubernetes service binding spec, as CNB platforms mount them).

$SERVICE_BINDING_ROOT/<name>/type holds the binding's type; every other file is an entry.
Older platforms use $CNB_BINDINGS, and the lifecycle's default is <platform>/bindings.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class Binding:
    name: str
    type: str
    path: Path

    def entries(self) -> dict[str, Path]:
        return {p.name: p for p in sorted(self.path.iterdir())
                if p.is_file() and p.name not in ("type", "provider") and not p.name.startswith(".")}


def binding_root(env: Mapping[str, str], platform_dir: Path | None = None) -> Path | None:
    for var in ("SERVICE_BINDING_ROOT", "CNB_BINDINGS"):
        if env.get(var):
            return Path(env[var])
    if platform_dir is not None:
        return platform_dir / "bindings"
    return None


def find(env: Mapping[str, str], binding_type: str, platform_dir: Path | None = None) -> list[Binding]:
    """All bindings of `binding_type` (case-insensitive), sorted by name."""
    root = binding_root(env, platform_dir)
    if root is None or not root.is_dir():
        return []
    found = []
    for d in sorted(root.iterdir()):
        type_file = d / "type"
        if d.is_dir() and type_file.is_file():
            # the platform writes it; a type that is not text matches no type this asks for
            t = type_file.read_bytes().decode("utf-8", errors="replace").strip()
            if t.lower() == binding_type.lower():
                found.append(Binding(d.name, t, d))
    return found
