"""Dispatch of bin/detect and bin/build to the buildpack's module, with the exit-code
conventions of the lifecycle (see errors.py).

detect runs `<module>.detect` (the package: its __init__), build runs `<module>.build.build`.
Every detect of every group runs on every build, and most of them fail: the package
imports only what detect needs, and build.py the rest.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from . import app_dir
from .context import BuildContext, DetectContext
from .errors import run_build, run_detect


def main(bp_id: str, module: str, phase: str, argv: list[str]) -> None:
    """bp_id and module: buildpack.toml's [buildpack] id and [metadata] module."""
    if phase == "detect":
        detect = importlib.import_module(module).detect
        run_detect(bp_id, lambda: detect(DetectContext.from_process(argv)))
    elif phase == "build":
        build = importlib.import_module(f"{module}.build").build

        def run() -> None:
            build(BuildContext.from_process(argv))
            app_dir.seal(Path.cwd())  # the cwd of bin/build is the app directory
        run_build(bp_id, run)
    raise SystemExit(f"{bp_id}: unknown phase {phase!r} (run as bin/detect or bin/build)")
