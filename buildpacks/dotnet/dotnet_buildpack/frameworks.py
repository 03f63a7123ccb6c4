"""Which of the SDK's shared frameworks a published app resolves to.

Resolution follows the host's rules: the same major version, lowest minor at or above the
requested one, newest patch of it. When the SDK carries only a newer major (an app for an
out-of-support framework), that one is used and DOTNET_ROLL_FORWARD=Major must be set at
launch, which the runtime layer does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from funcpacks.errors import UserError

from .feed import version_key


@dataclass(frozen=True)
class Framework:
    name: str
    version: str  # the version resolved in the SDK
    requested: str

    @property
    def major_roll(self) -> bool:
        return self.version.split(".")[0] != self.requested.split(".")[0]


def requested_frameworks(runtimeconfig: dict) -> list[tuple[str, str]]:
    """(name, version) pairs; netcoreapp3.1 writes `framework`, newer SDKs `frameworks`."""
    opts = runtimeconfig.get("runtimeOptions", {})
    entries = list(opts.get("frameworks") or []) + ([opts["framework"]] if opts.get("framework") else [])
    return [(e["name"], e.get("version", "0.0.0")) for e in entries if e.get("name")]


def read_runtimeconfig(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path.name}: {exc}", where=str(path)) from None


def pick(requested: str, available: list[str]) -> str | None:
    want = version_key(requested)
    same_major = [v for v in available if version_key(v)[0] == want[0] and version_key(v)[:2] >= want[:2]]
    if same_major:
        minor = min(version_key(v)[:2] for v in same_major)
        return max((v for v in same_major if version_key(v)[:2] == minor), key=version_key)
    higher = [v for v in available if version_key(v)[0] > want[0]]
    if higher:
        major = min(version_key(v)[:2] for v in higher)
        return max((v for v in higher if version_key(v)[:2] == major), key=version_key)
    return None


def resolve(sdk_root: Path, runtimeconfig: dict) -> list[Framework]:
    """The frameworks the app needs, the ones they build on included, as found in sdk_root."""
    todo = requested_frameworks(runtimeconfig)
    if not todo:
        raise UserError("the published app's runtimeconfig.json names no framework",
                        fix="publish framework-dependent (the default), or set FUNC_DOTNET_TRIMMED=true for self-contained")
    resolved: dict[str, Framework] = {}
    while todo:
        name, version = todo.pop(0)
        if name in resolved:
            continue
        shared = sdk_root / "shared" / name
        available = sorted((p.name for p in shared.iterdir() if p.is_dir()), key=version_key) if shared.is_dir() else []
        chosen = pick(version, available)
        if chosen is None:
            raise UserError(f"the app needs {name} {version}; the SDK carries {', '.join(available) or 'none of it'}",
                            fix="build with an SDK whose runtime is at least that version (GOOGLE_RUNTIME_VERSION / "
                                "FUNC_RUNTIME_VERSION or global.json)")
        resolved[name] = Framework(name, chosen, version)
        own = shared / chosen / f"{name}.runtimeconfig.json"
        if own.is_file():  # Microsoft.AspNetCore.App builds on Microsoft.NETCore.App
            todo.extend(requested_frameworks(read_runtimeconfig(own)))
    return sorted(resolved.values(), key=lambda f: f.name)


def newest_fxr(sdk_root: Path) -> str:
    versions = sorted((p.name for p in (sdk_root / "host" / "fxr").iterdir()), key=version_key)
    if not versions:
        raise UserError("the SDK has no host/fxr", fix="the feed must carry the official archive layout")
    return versions[-1]
