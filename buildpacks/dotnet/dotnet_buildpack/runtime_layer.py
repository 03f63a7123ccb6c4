"""The `runtime` launch layer: the `dotnet` host, host/fxr and only the shared frameworks
the published app resolves to (frameworks.py), taken from the SDK that built it, plus
the build image's ICU when the app uses globalization. Launch only (not cached): when its
metadata matches, the previous image's layer is reused as it is, without being restored
or exported again."""
from __future__ import annotations

import shutil
from pathlib import Path

from funcpacks import sbom
from funcpacks.errors import UserError
from funcpacks.launch import Process
from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

from . import frameworks, icu, sdk_layer
from .app_layer import Served
from .frameworks import Framework
from .project import Project
from .sdk_layer import Sdk
from .sdk_choice import Choice

NAME = "runtime"
BUILDPACK = "funcpacks/dotnet"


def provide(layers: Layers, sdk: Sdk, choice: Choice, app: Layer, proj: Project, proj_path: Path,
            log: Logger) -> Served:
    """The runtime a framework-dependent app needs, and the process that runs the app on it."""
    entry = app.path / f"{proj.assembly_name}.dll"
    config = app.path / f"{proj.assembly_name}.runtimeconfig.json"
    if not entry.is_file() or not config.is_file():
        raise UserError(f"the publish output has no {entry.name} with a runtimeconfig.json: "
                        f"{proj_path.name} does not build an app",
                        fix="publish an app project (OutputType Exe); for a class library, add an app that uses it")
    runtimeconfig = frameworks.read_runtimeconfig(config)
    needed = frameworks.resolve(sdk.path, runtimeconfig)
    globalization = icu.find() if icu.needed(runtimeconfig) else None
    runtime = _layer(layers, sdk, choice, needed, globalization, log)
    _log_sizes(sdk.path, needed, globalization, log)
    if any(f.major_roll for f in needed):
        asked = ", ".join(f"{f.name} {f.requested}" for f in needed if f.major_roll)
        log.info(f"the app asks for {asked}: it runs on a newer major version (DOTNET_ROLL_FORWARD=Major)")
        app.env_default("DOTNET_ROLL_FORWARD", "Major", scope="launch")
    process = Process("web", [str(runtime.path / "dotnet"), str(entry)], default=True, working_dir=str(app.path))
    return Served(process, [runtime.path / "bin"])


def _layer(layers: Layers, sdk: Sdk, choice: Choice, needed: list[Framework], globalization: icu.Icu | None,
           log: Logger) -> Layer:
    runtime = layers.get(NAME)
    expected = {"sdk": choice.sdk.version, "sdk-sha512": choice.sdk.sha512[:32],
                "frameworks": ", ".join(f"{f.name} {f.version}" for f in needed),
                "fxr": frameworks.newest_fxr(sdk.path),
                "icu": f"{globalization.package} {globalization.version}" if globalization else "none",
                "bin": "dotnet"}
    if not runtime.reuse_or_reset(expected, log, contents_needed=False):
        install(runtime.path, sdk.path, expected["fxr"], needed)
        if globalization:
            icu.install(globalization, runtime.path)
        # bin/ is on the launch PATH: Procfile commands can say `dotnet App.dll`. The host
        # finds its root through the link's target.
        (runtime.path / "bin").mkdir()
        (runtime.path / "bin" / "dotnet").symlink_to("../dotnet")
        runtime.env_override("DOTNET_ROOT", str(runtime.path), scope="launch")
        runtime.env_override("DOTNET_CLI_TELEMETRY_OPTOUT", "1", scope="launch")
    runtime.set_types(launch=True).write()
    sbom.write_layer_sbom(layers.dir, NAME, [sbom.Component(f.name, f.version, "generic", "framework")
                                             for f in needed] +
                          [sbom.Component("Microsoft.NETCore.DotNetHostResolver", expected["fxr"], "generic")] +
                          ([globalization.component()] if globalization else []),
                          BUILDPACK)
    return runtime


def _log_sizes(sdk: Path, needed: list[Framework], globalization: icu.Icu | None, log: Logger) -> None:
    """What the image carries instead of the SDK."""
    sdk_mb = sdk_layer.size_mb(sdk)
    runtime_mb = sum(sdk_layer.size_mb(sdk / "shared" / f.name / f.version) for f in needed) + \
        sdk_layer.size_mb(sdk / "host") + (sdk / "dotnet").stat().st_size / 1e6
    with_icu = (f" + ICU {globalization.size_mb():.0f} MB ({globalization.package} {globalization.version} "
                "from the build image; the run image has none)") if globalization else \
        " (invariant globalization: no ICU)"
    log.info(f"runtime layer {runtime_mb:.0f} MB ({', '.join(f'{f.name} {f.version}' for f in needed)})"
             f"{with_icu}; SDK {sdk_mb:.0f} MB, build only: {sdk_mb / runtime_mb:.1f}x the runtime")


def install(dest: Path, sdk_root: Path, fxr: str, needed: list[Framework]) -> None:
    shutil.copy2(sdk_root / "dotnet", dest / "dotnet")
    shutil.copytree(sdk_root / "host" / "fxr" / fxr, dest / "host" / "fxr" / fxr, symlinks=True)
    for fw in needed:
        shutil.copytree(sdk_root / "shared" / fw.name / fw.version, dest / "shared" / fw.name / fw.version, symlinks=True)
    for notice in ("LICENSE.txt", "ThirdPartyNotices.txt"):
        if (sdk_root / notice).is_file():
            shutil.copy2(sdk_root / notice, dest / notice)
