"""Everything the user can set for a .NET build, resolved once from the platform env:
the rest of the buildpack reads its settings only from here. The settings every buildpack
shares (entrypoint, Procfile, clear source, labels, run image) are the library's
LaunchSettings, resolved here with the rest."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from funcpacks import launch_settings, settings
from funcpacks.log import Logger

if TYPE_CHECKING:  # detect reads this module; the feed's downloader is build only
    from .feed import Feed


@dataclass(frozen=True)
class Config:
    feed: Feed
    project: settings.Setting | None = None  # the project (file or directory) to build
    trimmed: settings.Setting | None = None  # set only when it asks for a trimmed app
    target: settings.Setting | None = None
    signature: settings.Setting | None = None
    sdk_request: settings.Setting | None = None  # an SDK or runtime version setting
    version_hint: settings.Setting | None = None  # GOOGLE_RUNTIME's version, below global.json
    publish_args: tuple[str, ...] = ()  # extra `dotnet publish` words
    launch: launch_settings.LaunchSettings = field(default_factory=launch_settings.LaunchSettings)

    @property
    def run_image_carries_runtime(self) -> bool:
        """builder-dotnet's run image holds the ASP.NET Core runtime (run_image.py)."""
        return self.launch.run_image == launch_settings.DOTNET


def forbidden(env: Mapping[str, str], app_dir: Path | None = None) -> str:
    """Why a forced runtime rules .NET out ('' when it does not)."""
    return settings.runtime_forbids(env, settings.DOTNET, app_dir)


def project_setting(env: Mapping[str, str], log: Logger | None = None) -> settings.Setting | None:
    """GOOGLE_BUILDABLE / FUNC_BUILDABLE, or Paketo's BP_DOTNET_PROJECT_PATH."""
    return settings.first_of(env, ("buildable", "dotnet_project_path"), log)


def resolve(app_dir: Path, env: Mapping[str, str], platform_dir: Path, log: Logger) -> Config:
    from .feed import Feed
    launch = launch_settings.resolve(app_dir, env, log)
    project = project_setting(env, log)
    trimmed = settings.lookup(env, "dotnet_trimmed", log)
    return Config(
        feed=Feed.from_env(env, platform_dir), project=project,
        trimmed=trimmed if trimmed and settings.truthy(trimmed.value) else None,
        target=settings.lookup(env, "function_target", log), signature=settings.lookup(env, "signature_type", log),
        sdk_request=settings.version_request(env, "dotnet_sdk_version", log, after=("dotnet_framework_version",)),
        version_hint=settings.runtime_version_hint(env),
        publish_args=tuple(w for key in ("build_args", "dotnet_publish_flags") for w in settings.words(env, key, log)),
        launch=launch)
