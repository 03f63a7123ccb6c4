"""Dependencies the builder carries in a buildpack's own directory: the default Go
toolchain and the default .NET SDK.

`make builder` puts each one in <buildpack>/bundled/<name>/ and describes it in
<buildpack>/bundled/<name>.toml (kind, version, arch and how it was verified). In the
builder image the buildpack's directory belongs to root, so a build reads a bundled
dependency in place and can never write to it; it lies outside every layer, so a build
that uses one restores, exports and downloads nothing for it, and works offline.
"""
from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import tomli_w

from .errors import UserError
from .layers import Layer

DIR = "bundled"


@dataclass(frozen=True)
class Bundled:
    kind: str  # "go-toolchain", "dotnet-sdk"
    version: str
    arch: str
    path: Path
    facts: dict[str, str] = field(default_factory=dict)  # e.g. the checksum it was verified against


def all_of(buildpack_dir: Path, kind: str) -> list[Bundled]:
    """What the buildpack carries of a kind (an unpackaged buildpack carries nothing)."""
    found = []
    for description in sorted((buildpack_dir / DIR).glob("*.toml")):
        with description.open("rb") as f:
            data = tomllib.load(f)
        path = description.parent / description.stem
        if data.get("kind") != kind or not path.is_dir():
            continue
        facts = {k: str(v) for k, v in data.items() if k not in ("kind", "version", "arch")}
        found.append(Bundled(kind, str(data["version"]), str(data["arch"]), path, facts))
    return found


def find(buildpack_dir: Path, kind: str, version: str, arch: str,
         facts: dict[str, str] | None = None) -> Bundled | None:
    """The bundled dependency of that version and arch whose description also states
    `facts` (e.g. the digest of the requirement it was installed from), or None."""
    return next((b for b in all_of(buildpack_dir, kind) if b.version == version and b.arch == arch
                 and all(b.facts.get(k) == v for k, v in (facts or {}).items())), None)


def use_in_place(buildpack_dir: Path, kind: str, version: str, arch: str, cache_layer: Layer,
                 facts: dict[str, str] | None = None) -> Bundled | None:
    """The bundled dependency (as find() matches it), or None. When there is one, the layer
    an earlier build cached that dependency in is removed: it would only travel."""
    own = find(buildpack_dir, kind, version, arch, facts)
    if own is not None:
        cache_layer.remove()
    return own


def code_digest(*packages: Path) -> str:
    """A digest of the Python sources of packages: what made a bundle that a build makes
    (the Go seed), so that other code makes it again."""
    import hashlib
    h = hashlib.sha256()
    for package in packages:
        for source in sorted(package.rglob("*.py")):
            h.update(f"{package.name}/{source.relative_to(package)}\0".encode() + source.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def describe(dest_dir: Path, kind: str, version: str, arch: str, facts: dict[str, str]) -> None:
    """Writes <dest_dir>.toml next to the unpacked dependency in dest_dir."""
    (dest_dir.parent / f"{dest_dir.name}.toml").write_text(
        tomli_w.dumps({"kind": kind, "version": version, "arch": arch, **facts}))


def command(argv: list[str], usage: str, who: str, bundle: Callable[..., Path]) -> int:
    """A buildpack's bundle command line: `bundle(<bundled dir>, *the other arguments)`,
    with usage on a wrong argument count and a UserError rendered as in a build."""
    if len(argv) != bundle.__code__.co_argcount:
        print(usage, file=sys.stderr)
        return 2
    try:
        bundle(Path(argv[0]), *argv[1:])
    except UserError as exc:
        print(exc.render(who), file=sys.stderr)
        return 1
    return 0
