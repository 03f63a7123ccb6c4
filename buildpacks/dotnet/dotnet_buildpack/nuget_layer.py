"""The `nuget-packages` layer (NUGET_PACKAGES, cache only): the packages restore
downloads, kept while the SDK and the project and NuGet files stay the same.

The layer is sealed after publish (see funcpacks/seal.py): restore takes a package folder
with its .nupkg.metadata as installed and does not check its files again, so a truncated
assembly would be compiled against or published into the app."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from funcpacks.layers import Layer, Step

from . import nuget, restore_outputs

NAME = "nuget-packages"


@dataclass(frozen=True)
class Packages:
    layer: Layer
    sources: nuget.Sources  # where restore gets what the layer lacks


def provide(step: Step, project_dir: Path, sdk_version: str) -> Packages:
    layers, app, env, platform_dir, log = step.layers, step.ctx.app_dir, step.ctx.env, step.ctx.platform_dir, step.log
    srcs = nuget.sources(app, project_dir, env, platform_dir)
    log.info(f"sources: {srcs.description}")
    layer = layers.get(NAME)
    layer.reuse_or_reset({"sdk": sdk_version, "projects": nuget.inputs_hash(app)}, log)
    layer.set_types(cache=True).write()
    packages = Packages(layer, srcs)
    step.when_done(lambda: finish(step, packages))
    return packages


def restore_key(packages: Packages, app: Path, env: Mapping[str, str], sdk_version: str,
                publish_command: list[str]) -> str:
    """What else decides the restore's outputs (restore_outputs.py). The sources count by
    what their config says, not where it is mounted (a Secret's path changes per pod)."""
    config = packages.sources.config_file
    text = nuget.without_credentials(config) if config is not None and config.is_file() else ""
    return restore_outputs.key(app, env, packages.sources.description, text, sdk_version, str(packages.layer.path),
                               publish_command)


def finish(step: Step, packages: Packages) -> None:
    """After publish: seals the packages as restore left them."""
    log = step.log
    seal = packages.layer.seal()
    log.info(f"NuGet packages sealed: {seal}")
