"""What NuGet's restore writes into each project's obj/ (the resolved package graph), kept
in the nuget-packages layer beside the packages it names.

`dotnet publish` restores first, and even a restore with nothing to do evaluates every
project again (0.4 s of a 2 s publish of a small app here). A rebuild whose restore would
give the same graph puts the files back and publishes with --no-restore. The layer itself
is kept only while the SDK and the project and NuGet files are unchanged; the key below
adds everything else MSBuild reads while restoring: imported .props/.targets and the like,
the environment, the sources (without their credentials), the publish command and this
buildpack's code. A graph with a floating version (1.*) is never reused: a restore may
resolve it to a newer package. A publish that fails without restoring is run again with
a restore (build.py), so a graph that no longer fits costs time, never a wrong build.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path

from funcpacks import bundled

from . import project

# In NUGET_PACKAGES, whose top-level names are package ids: none starts with a dot.
DIR = ".restore-outputs"
KEY_FILE = "key"
TREE = "tree"
ASSETS = "project.assets.json"
PATTERNS = (ASSETS, "project.nuget.cache", "*.nuget.g.props", "*.nuget.g.targets", "*.nuget.dgspec.json")
# Files MSBuild may import while restoring, beyond those that key the layer itself.
IMPORTS = ("*.props", "*.targets", "*.proj", "*.projitems", "*.rsp", "paket.*")
# Set per container or per build (the lifecycle's CNB_BP_PLAN_PATH is a new temporary
# file each time), read by no MSBuild project.
VOLATILE_ENV = frozenset({"HOSTNAME"})
VOLATILE_PREFIX = "CNB_"


def key(app: Path, env: Mapping[str, str], *inputs: object) -> str:
    h = hashlib.sha256()
    for rel in sorted({f for pattern in IMPORTS for f in project.source_files(app, pattern)}):
        h.update(str(rel).encode() + b"\0" + (app / rel).read_bytes() + b"\0")
    h.update(json.dumps(sorted((k, v) for k, v in env.items()
                               if k not in VOLATILE_ENV and not k.startswith(VOLATILE_PREFIX))).encode())
    h.update(json.dumps([str(i) for i in inputs]).encode())
    h.update(bundled.code_digest(Path(__file__).parent, Path(bundled.__file__).parent).encode())
    return h.hexdigest()[:32]


def _floating(assets: Path) -> bool:
    """Whether a project asks for a floating version (NuGet writes the range as asked),
    directly or through central package management."""
    try:
        frameworks = json.loads(assets.read_text()).get("project", {}).get("frameworks", {})
    except (OSError, ValueError):
        return True
    for fw in frameworks.values():
        ranges = [str(dep.get("version", "")) for dep in (fw.get("dependencies") or {}).values()]
        ranges += [str(v) for v in (fw.get("centralPackageVersions") or {}).values()]
        if any("*" in r for r in ranges):
            return True
    return False


def put_back(layer_dir: Path, work_dir: Path, wanted: str) -> bool:
    """The kept restore outputs into work_dir's obj/ directories, when they were kept
    under the same key and name no floating version. True when publish may skip restore."""
    kept = layer_dir / DIR
    if not (kept / KEY_FILE).is_file() or (kept / KEY_FILE).read_text() != wanted:
        return False
    tree = kept / TREE
    assets = list(tree.rglob(ASSETS))
    if not assets or any(_floating(a) for a in assets):
        return False
    for path in sorted(tree.rglob("*")):
        if path.is_file():
            target = work_dir / path.relative_to(tree)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return True


def forget(layer_dir: Path) -> None:
    shutil.rmtree(layer_dir / DIR, ignore_errors=True)


def save(layer_dir: Path, work_dir: Path, wanted: str) -> None:
    """After a publish that restored: every project's restore outputs, under wanted."""
    forget(layer_dir)
    tree = layer_dir / DIR / TREE
    for assets in sorted(work_dir.rglob(f"obj/{ASSETS}")):
        obj = assets.parent
        dest = tree / obj.relative_to(work_dir)
        dest.mkdir(parents=True, exist_ok=True)
        for pattern in PATTERNS:
            for f in obj.glob(pattern):
                shutil.copy2(f, dest / f.name)
    if tree.exists():
        (layer_dir / DIR / KEY_FILE).write_text(wanted)
