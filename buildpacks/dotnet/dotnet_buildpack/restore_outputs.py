"""What NuGet's restore writes into each project's obj/ (the resolved package graph), kept
in the nuget-packages layer beside the packages it names.

`dotnet publish` restores first, and even a restore with nothing to do evaluates every
project again (0.4 s of a 2 s publish of a small app here). A rebuild whose restore would
give the same graph (the layer itself is kept only while the SDK and the project and
NuGet files are unchanged; the key below adds the sources, the publish options and the
buildpack's version) puts the files back and publishes with --no-restore. A graph with a
floating version (1.*) is never reused: a restore may resolve it to a newer package.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

DIR = "restore-outputs"
KEY_FILE = "key"
ASSETS = "project.assets.json"
PATTERNS = (ASSETS, "project.nuget.cache", "*.nuget.g.props", "*.nuget.g.targets", "*.nuget.dgspec.json")


def key(*inputs: object) -> str:
    return hashlib.sha256(json.dumps([str(i) for i in inputs]).encode()).hexdigest()[:24]


def _floating(assets: Path) -> bool:
    """Whether a project asks for a floating version (NuGet writes the range as asked)."""
    try:
        frameworks = json.loads(assets.read_text()).get("project", {}).get("frameworks", {})
    except (OSError, ValueError):
        return True
    return any("*" in str(dep.get("version", "")) for fw in frameworks.values()
               for dep in (fw.get("dependencies") or {}).values())


def put_back(layer_dir: Path, work_dir: Path, wanted: str) -> bool:
    """The kept restore outputs into work_dir's obj/ directories, when they were kept
    under the same key and name no floating version. True when publish may skip restore."""
    kept = layer_dir / DIR
    if not (kept / KEY_FILE).is_file() or (kept / KEY_FILE).read_text() != wanted:
        return False
    assets = list(kept.rglob(ASSETS))
    if not assets or any(_floating(a) for a in assets):
        return False
    for path in sorted(kept.rglob("*")):
        if path.is_file() and path != kept / KEY_FILE:
            target = work_dir / path.relative_to(kept)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return True


def save(layer_dir: Path, work_dir: Path, wanted: str) -> None:
    """After a publish that restored: every project's restore outputs, under wanted."""
    kept = layer_dir / DIR
    if kept.exists():
        shutil.rmtree(kept)
    for assets in sorted(work_dir.rglob(f"obj/{ASSETS}")):
        obj = assets.parent
        dest = kept / obj.relative_to(work_dir)
        dest.mkdir(parents=True, exist_ok=True)
        for pattern in PATTERNS:
            for f in obj.glob(pattern):
                shutil.copy2(f, dest / f.name)
    if kept.exists():
        (kept / KEY_FILE).write_text(wanted)
