"""funcpacks/go: Go functions and apps, compatible with OpenFunction's builder-go
(FUNC_NAME, FUNC_CLEAR_SOURCE, FUNC_GOPROXY) and gcp-builder (GOOGLE_*). bin/detect
imports this package only; bin/build runs build.py."""
from __future__ import annotations

from funcpacks.context import BuildPlan, DetectContext
from funcpacks.errors import DetectFailed

from . import config


def detect(ctx: DetectContext) -> None:
    forbidden = config.forbidden(ctx.env, ctx.app_dir)
    if forbidden:
        raise DetectFailed(forbidden)
    if not (ctx.app_dir / "go.mod").is_file() and not any(ctx.app_dir.glob("*.go")):
        raise DetectFailed("not a Go project: no go.mod and no .go files at the top of the source directory")
    BuildPlan.of_own("go").write(ctx.plan_path)
