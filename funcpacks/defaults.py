"""The defaults a builder gives each of its buildpacks (the functions framework pin, the
tool versions, the Go module proxy, ...): `defaults.toml` at the top of the packaged
buildpack, written from versions.toml when the buildpack is packaged
(funcpacks_dev/images/builder.py). One file and one format for every language, read here."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

FILE = "defaults.toml"


def load(buildpack_dir: Path) -> dict[str, Any]:
    path = buildpack_dir / FILE
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise RuntimeError(f"{path} is missing: the buildpack was not packaged by funcpacks_dev/images/builder.py") from None


def value(buildpack_dir: Path, key: str) -> Any:
    found = load(buildpack_dir)
    if key not in found:
        raise RuntimeError(f"{buildpack_dir / FILE} has no {key!r}: the buildpack was packaged by another version")
    return found[key]
