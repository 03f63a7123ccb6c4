"""The copy of the source that is published: bin/ and obj/ never land in the user's
directory, and the user's global.json is never changed."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from funcpacks import settings
from funcpacks.log import Logger

from . import project

# Under the build's temporary directory, like publish.HOME_DIR.
WORK_DIR = Path(tempfile.gettempdir()) / "funcpacks-dotnet" / "src"


def _build_output(directory: str, names: list[str]) -> set[str]:
    """bin/ and obj/ next to a project file: what MSBuild writes, never the user's."""
    if any(n.lower().endswith(project.PROJECT_SUFFIXES) for n in names):
        return {"bin", "obj"} & set(names)
    return set()


def make(app: Path, proj_path: Path, overrides_global_json: settings.Setting | None, log: Logger) -> Path:
    """Copies the source without build output next to project files, nor .git; returns
    the project's path in the copy. `overrides_global_json`: the setting that chose the
    SDK over global.json's (the dotnet host would insist on global.json's)."""
    def ignore(directory: str, names: list[str]) -> set[str]:
        return ({".git"} & set(names)) | _build_output(directory, names)
    if WORK_DIR.exists():
        shutil.rmtree(WORK_DIR)
    shutil.copytree(app, WORK_DIR, ignore=ignore, symlinks=True)
    if overrides_global_json:
        (WORK_DIR / "global.json").unlink()
        log.info(f"global.json's sdk.version is overridden by {overrides_global_json.source}="
                 f"{overrides_global_json.value}")
    return WORK_DIR / proj_path.relative_to(app)


def remove_build_output() -> None:
    """The copy as it was made: what a publish wrote into bin/ and obj/ goes."""
    for directory, dirs, files in list(os.walk(WORK_DIR)):
        for name in _build_output(directory, dirs + files):
            shutil.rmtree(Path(directory) / name, ignore_errors=True)


def remove() -> None:
    shutil.rmtree(WORK_DIR, ignore_errors=True)
