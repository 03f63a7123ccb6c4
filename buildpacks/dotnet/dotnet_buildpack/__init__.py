"""funcpacks/dotnet: ASP.NET apps and functions, compatible with gcp-builder's settings
(GOOGLE_RUNTIME_VERSION, GOOGLE_BUILDABLE, GOOGLE_BUILD_ARGS, GOOGLE_FUNCTION_TARGET)
and their FUNC_* spellings. bin/detect imports this package only; bin/build runs build.py."""
from __future__ import annotations

from funcpacks.context import BuildPlan, DetectContext
from funcpacks.errors import DetectFailed

from . import config, project


def detect(ctx: DetectContext) -> None:
    forbidden = config.forbidden(ctx.env, ctx.app_dir)
    if forbidden:
        raise DetectFailed(forbidden)
    buildable = config.project_setting(ctx.env)
    target = ctx.app_dir / buildable.value if buildable else None
    names_project = target is not None and (
        (target.is_file() and target.name.lower().endswith(project.PROJECT_SUFFIXES))
        or (target.is_dir() and bool(project.project_files(target))))
    if not project.looks_like_dotnet(ctx.app_dir) and not names_project:
        raise DetectFailed("not a .NET project: no .csproj/.fsproj/.vbproj, .cs/.fs/.vb or global.json at the top "
                           "of the source directory")
    BuildPlan.of_own("dotnet").write(ctx.plan_path)
