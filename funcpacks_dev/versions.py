"""Read the pinned versions and image names from versions.toml (the one source of truth).

Usable as a module (``load()``) and from shell scripts and the Makefile (from the
repository root):

    python3 -m funcpacks_dev.versions get lifecycle.version
    python3 -m funcpacks_dev.versions host-python-missing   # [host-python] pins not installed
    python3 -m funcpacks_dev.versions lifecycle-archive [amd64|arm64]
"""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERSIONS_FILE = ROOT / "versions.toml"


def load(path: Path = VERSIONS_FILE) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def get(key: str, data: dict[str, Any] | None = None) -> Any:
    node: Any = load() if data is None else data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"versions.toml has no key {key!r}")
        node = node[part]
    return node


# The lifecycle's release archives name architectures their own way.
LIFECYCLE_ARCH = {"amd64": "x86-64", "arm64": "arm64"}


def lifecycle_archive_name(data: dict[str, Any] | None = None, arch: str = "amd64") -> str:
    """File name of the lifecycle tarball for arch, as upstream names its releases."""
    version = get("lifecycle.version", data)
    return f"lifecycle-v{version}+linux.{LIFECYCLE_ARCH[arch]}.tgz"


def uv_requirement(data: dict[str, Any] | None = None) -> str:
    """The pinned uv as a pip requirement line with its wheels' hashes."""
    py = get("python", data)
    return f"uv=={py['uv']} " + " ".join(f"--hash=sha256:{h}" for h in py["uv-sha256"]) + "\n"


def host_python_missing(data: dict[str, Any] | None = None) -> list[str]:
    """Requirement lines (name==version) of the [host-python] pins this interpreter lacks
    or has at another version."""
    from importlib import metadata
    missing = []
    for name, version in get("host-python", data).items():
        try:
            present = metadata.version(name)
        except metadata.PackageNotFoundError:
            present = None
        if present != version:
            missing.append(f"{name}=={version}")
    return missing


def main(argv: list[str]) -> int:
    if argv == ["host-python-missing"]:
        print("\n".join(host_python_missing()))
        return 0
    if argv[:1] == ["lifecycle-archive"] and len(argv) <= 2 and (argv[1:] or ["amd64"])[0] in LIFECYCLE_ARCH:
        print(lifecycle_archive_name(None, *argv[1:]))
        return 0
    if len(argv) == 2 and argv[0] == "get":
        try:
            print(get(argv[1]))
        except KeyError as exc:
            print(f"funcpacks_dev.versions: {exc.args[0]}", file=sys.stderr)
            return 2
        return 0
    print("usage: python3 -m funcpacks_dev.versions get <section.key> | host-python-missing | lifecycle-archive [arch]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
