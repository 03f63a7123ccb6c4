"""Dispatch of bin/detect and bin/build to the buildpack's module, with the exit-code
conventions of the lifecycle (see errors.py)."""
from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

from . import app_dir
from .context import BuildContext, DetectContext
from .errors import run_build, run_detect


def main(buildpack_dir: Path, phase: str, argv: list[str]) -> None:
    with (buildpack_dir / "buildpack.toml").open("rb") as f:
        descriptor = tomllib.load(f)
    bp_id = descriptor["buildpack"]["id"]
    module = importlib.import_module(descriptor["metadata"]["module"])
    if phase == "detect":
        run_detect(bp_id, lambda: module.detect(DetectContext.from_process(argv)))
    elif phase == "build":
        def build() -> None:
            module.build(BuildContext.from_process(argv))
            app_dir.seal(Path.cwd())  # the cwd of bin/build is the app directory
        run_build(bp_id, build)
    raise SystemExit(f"{bp_id}: unknown phase {phase!r} (run as bin/detect or bin/build)")
