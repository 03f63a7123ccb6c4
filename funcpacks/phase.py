"""Dispatch of bin/detect and bin/build to the buildpack's module, with the exit-code
conventions of the lifecycle (see errors.py).

detect runs `<module>.detect` (the package: its __init__), build runs `<module>.build.build`.
Every detect of every group runs on every build, and most of them fail: the package
imports only what detect needs, and build.py the rest.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from . import app_dir, build_user
from .context import BuildContext, DetectContext
from .errors import run_build, run_detect


def main(bp_id: str, module: str, phase: str, argv: list[str],
         build_users: tuple[tuple[int, ...], int] | None = None) -> None:
    """bp_id and module: buildpack.toml's [buildpack] id and [metadata] module;
    build_users: the uids and the gid the lifecycle may run the buildpack as (see
    build_user.py), None to accept any (the unit tier runs buildpacks as root on a host)."""
    if phase == "detect":
        def run_checked() -> None:
            if build_users is not None:
                build_user.check(*build_users)
            detect = importlib.import_module(module).detect
            detect(DetectContext.from_process(argv))
        run_detect(bp_id, run_checked)
    elif phase == "build":
        build = importlib.import_module(f"{module}.build").build

        def run() -> None:
            if build_users is not None:
                build_user.check(*build_users)
            build(BuildContext.from_process(argv))
            app_dir.seal(Path.cwd())  # the cwd of bin/build is the app directory
        run_build(bp_id, run)
    raise SystemExit(f"{bp_id}: unknown phase {phase!r} (run as bin/detect or bin/build)")
