"""The settings every buildpack shares, resolved once per build by the buildpack's Config
(so each spelling conflict is reported once): what the image runs (the entrypoint, and
the Procfile, read once), whether the source ships (clear source, kept files), the image's
labels, and which run image the builder names (its [[build.env]] FUNCPACKS_RUN_IMAGE).

The library's processes.py and source.py take these values; they never read the
environment."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from . import labels, settings
from .log import Logger
from .processes import Procfile, read_procfile

# Set by a builder in [[build.env]]: the run image it names, when it is not the general one.
RUN_IMAGE_VARIABLE = "FUNCPACKS_RUN_IMAGE"
STATIC = "static"  # builder-go's run-static: no shell, no C library
DOTNET = "dotnet"  # builder-dotnet's run-dotnet: the ASP.NET Core runtime


@dataclass(frozen=True)
class LaunchSettings:
    entrypoint: settings.Setting | None = None
    procfile: Procfile = field(default_factory=Procfile)  # as read before the source could be cleared
    clear_source: settings.Setting | None = None  # set only when it asks to clear
    keep_files: settings.Setting | None = None
    image_labels: dict[str, str] = field(default_factory=dict)
    run_image: str = ""  # "" for the general run image, STATIC or DOTNET

    @property
    def static_run_image(self) -> bool:
        return self.run_image == STATIC


def run_image(env: Mapping[str, str]) -> str:
    return env.get(RUN_IMAGE_VARIABLE, "").strip()


def resolve(app_dir: Path, env: Mapping[str, str], log: Logger | None, *, clears_source: bool = True) -> LaunchSettings:
    """With a log (the build), spelling conflicts and invalid labels are reported; detect
    passes none. clears_source: whether the language reads the clear-source settings."""
    clear = settings.lookup(env, "clear_source", log) if clears_source else None
    procfile = read_procfile(app_dir)
    entrypoint = settings.lookup(env, "entrypoint", log)
    if entrypoint is None and "web" not in procfile.processes:
        # Paketo's procfile buildpack: a `web` command the Procfile's own `web` overrides.
        entrypoint = settings.lookup(env, "procfile_default_process", log)
    return LaunchSettings(
        entrypoint=entrypoint,
        procfile=procfile,
        clear_source=clear if clear is not None and settings.truthy(clear.value) else None,
        keep_files=settings.lookup(env, "keep_files", log) if clear is not None else None,
        image_labels=labels.from_env(env, log) if log is not None else {},
        run_image=run_image(env))
