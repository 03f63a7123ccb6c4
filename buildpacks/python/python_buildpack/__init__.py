"""funcpacks/python: Python functions (functions-framework) and apps.

Accepts what gcp-builder users write (GOOGLE_*) and what OpenFunction users write
(FUNC_*); see config.py for every setting. bin/detect imports this package only;
bin/build runs build.py.
"""
from __future__ import annotations

from funcpacks.context import BuildPlan, DetectContext
from funcpacks.errors import DetectFailed, UserError

from . import config


def detect(ctx: DetectContext) -> None:
    forbidden = config.forbidden(ctx.env, ctx.app_dir)
    if forbidden:
        raise DetectFailed(forbidden)
    if not config.is_python_project(ctx.app_dir, ctx.env):
        raise DetectFailed("not a Python project: no requirements.txt, pyproject.toml or .py file "
                           "at the top of the source directory")
    try:
        config.resolve(ctx.app_dir, ctx.env)  # a function or a command to run: else the build could not start
    except UserError as exc:
        raise DetectFailed(f"{exc.what}; {exc.fix}") from None
    BuildPlan.of_own("python").write(ctx.plan_path)
