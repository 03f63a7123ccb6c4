"""funcpacks/nodejs: Node.js functions, served by Google's functions framework as
gcp-builder serves them, and Node.js apps. The settings (gcp-builder's GOOGLE_* and
OpenFunction's FUNC_* spellings) are read in config.py. Detect needs a package.json, or
JavaScript at the top of a source that is not Python's, and a function or a command to
run; every other mistake passes detect, for the build to explain.
"""
from __future__ import annotations

from funcpacks.context import BuildPlan, DetectContext
from funcpacks.errors import DetectFailed, UserError

from . import config


def detect(ctx: DetectContext) -> None:
    forbidden = config.forbidden(ctx.env, ctx.app_dir)
    if forbidden:
        raise DetectFailed(forbidden)
    if not config.is_node_project(ctx.app_dir, ctx.env):
        raise DetectFailed("not a Node.js project: no package.json, and no .js, .mjs or .cjs file at the top of "
                           "the source directory (or those of a Python project beside them)")
    try:
        config.resolve(ctx.app_dir, ctx.env)  # a function or a command to run: else the build could not start
    except config.NothingToRun as exc:
        raise DetectFailed(f"{exc.what}; {exc.fix}") from None
    except UserError:
        pass  # a Node.js project with a mistake: the build says what and where
    BuildPlan.of_own("node").write(ctx.plan_path)
