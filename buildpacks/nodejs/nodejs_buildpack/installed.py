"""The packages an install left in a node_modules tree (nested trees included, and pnpm's
store of real packages under node_modules/.pnpm), read from each package's own
package.json: what the SBOM lists and what checks compare."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


PNPM_STORE = ".pnpm"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    path: str  # relative to the tree's parent: node_modules/a/node_modules/b


def _read(pkg_dir: Path, base: Path) -> list[Package]:
    meta = pkg_dir / "package.json"
    if pkg_dir.is_symlink() or not meta.is_file():
        return []  # a link (a workspace or file: dependency) is the project's own code
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return []
    name, version = data.get("name"), data.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        return []
    return [Package(name, version, pkg_dir.relative_to(base).as_posix())]


def packages(node_modules: Path) -> list[Package]:
    found: list[Package] = []
    if not node_modules.is_dir():
        return found
    base = node_modules.parent
    for directory, dirs, _ in os.walk(node_modules):
        here = Path(directory)
        if here.name.startswith("@") and here.parent.name == "node_modules":
            continue  # a scope: its packages were read with its node_modules; walk into them
        if here.name == PNPM_STORE and here.parent.name == "node_modules":
            dirs[:] = [d for d in dirs if d != "node_modules"]  # name@version/node_modules/<the package>
            continue
        if here.name != "node_modules":
            dirs[:] = [d for d in dirs if d == "node_modules"]  # a package: only its nested tree
            continue
        # pnpm's top-level entries are links into its store, which is walked instead.
        dirs[:] = [d for d in dirs if not d.startswith(".") or d == PNPM_STORE]
        for d in dirs:
            if d == PNPM_STORE:
                continue
            scope = here / d
            for pkg_dir in sorted(scope.iterdir()) if d.startswith("@") else [scope]:
                found.extend(_read(pkg_dir, base))
    return sorted(found, key=lambda p: p.path)
