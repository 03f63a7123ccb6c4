"""The `app` launch layer (made anew each build): the `dotnet publish` output, the launch
defaults for the function, the exec.d helper that turns PORT into ASP.NET's setting, and
the SBOM of the NuGet packages it was published with."""
from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from funcpacks import sbom
from funcpacks.errors import UserError
from funcpacks.launch import Process
from funcpacks.layers import Layer, Step
from funcpacks.log import Logger

from . import project, publish
from .config import Config
from .project import Project
from .sdk_layer import Sdk
from .work_copy import WORK_DIR

NAME = "app"
BUILDPACK = "funcpacks/dotnet"
PORT_ENV = "libexec/port-env"  # built by funcpacks_dev/images/builder.py from port-env/main.go
# Native files of a self-contained publish that the runtime only loads on request: the
# LTTng trace provider (needs liblttng, which no funcpacks run image has) and the
# standalone garbage collectors (only with DOTNET_GCName).
OPTIONAL_NATIVE = ("libcoreclrtraceptprovider.so", "libclrgc.so", "libclrgcexp.so")


@dataclass(frozen=True)
class Served:
    """What runs the app: the web process, and the directories its Procfile peers find
    programs in."""
    process: Process
    search_path: list[Path]


def provide(step: Step, sdk: Sdk, work_project: Path, opts: publish.Options, env: dict[str, str]) -> Layer:
    layers, log = step.layers, step.log
    app = layers.get(NAME).reset()
    cmd = publish.command(sdk.path / "dotnet", work_project, app.path, opts)
    log.info("dotnet " + " ".join(shlex.quote(c) for c in cmd[1:]).replace(str(WORK_DIR) + "/", ""))
    with log.timed("dotnet publish"):
        with app.removed_on_failure():
            out = publish.run(cmd, WORK_DIR, env)
    for warning in publish.warnings(out, {str(WORK_DIR) + "/": "", str(sdk.path) + "/": "<sdk>/"}):
        log.detail(warning)
    return app


def trimmed(app: Layer, proj: Project, log: Logger) -> Served:
    """A self-contained, trimmed app runs as its own executable."""
    _drop_unloadable(app.path, log)
    entry = app.path / proj.assembly_name
    if not entry.is_file():
        raise UserError(f"the publish output has no executable {proj.assembly_name}",
                        fix="only an app (OutputType Exe, the default of Microsoft.NET.Sdk.Web) can be launched")
    return Served(Process("web", [str(entry)], default=True, working_dir=str(app.path)), [])


def finish(step: Step, app: Layer, cfg: Config, proj: Project, proj_path: Path, served: Served,
           components: list[sbom.Component]) -> None:
    buildpack_dir, log = step.ctx.buildpack_dir, step.log
    if cfg.target:
        app.env_default("FUNCTION_TARGET", cfg.target.value, scope="launch")
        if cfg.signature:
            app.env_default("FUNCTION_SIGNATURE_TYPE", cfg.signature.value, scope="launch")
        if not proj.references(project.GOOGLE_HOSTING):  # else checked and logged before the build
            log.info(f"function target {cfg.target.value!r} ({cfg.target.source}) is informational: {proj_path.name} "
                     f"does not reference {project.GOOGLE_HOSTING}, so the app serves requests itself")
    exec_d = app.path / "exec.d"
    exec_d.mkdir()
    shutil.copy2(buildpack_dir / PORT_ENV, exec_d / "port-env")
    os.chmod(exec_d / "port-env", 0o755)
    app.set_types(launch=True).write()
    sbom.write_layer_sbom(app.path.parent, NAME, components, BUILDPACK)
    log.info(f"the app: {' '.join(served.process.command)} (in {app.path}); PORT sets ASPNETCORE_HTTP_PORTS unless "
             "ASPNETCORE_URLS is given")


def _drop_unloadable(app_dir: Path, log: Logger) -> None:
    dropped = [name for name in OPTIONAL_NATIVE if (app_dir / name).is_file()]
    for name in dropped:
        (app_dir / name).unlink()
    if dropped:
        log.info(f"left out of the image (loaded only on request): {', '.join(dropped)}")
