"""The `runtime` launch layer: the `dotnet` host, host/fxr and only the shared frameworks
the published app resolves to (frameworks.py), taken from the SDK that built it, plus
the build image's ICU when the app uses globalization. Launch only (not cached): when its
metadata matches, the previous image's layer is reused as it is, without being restored
or exported again. On a run image that carries the runtime the app needs (run_image.py)
there is no runtime layer at all."""
from __future__ import annotations

from pathlib import Path

from funcpacks import launch_settings, sbom
from funcpacks.errors import UserError
from funcpacks.launch import Process
from funcpacks.layers import Layer, Layers, Step
from funcpacks.log import Logger

from . import frameworks, icu, run_image, runtime_files, sdk_layer
from .app_layer import Served
from .frameworks import Framework
from .project import Project
from .sdk_layer import Sdk
from .sdk_choice import Choice

NAME = "runtime"
BUILDPACK = "funcpacks/dotnet"


def provide(step: Step, sdk: Sdk, choice: Choice, app: Layer, proj: Project, proj_path: Path,
            run_image_carries_runtime: bool) -> Served:
    """The runtime a framework-dependent app needs, and the process that runs the app on
    it. carried_sdk: the SDK the builder carries, whose runtime a run-dotnet image holds
    (run_image_carries_runtime: the builder names such a run image)."""
    layers, log = step.layers, step.log
    carried_sdk = sdk_layer.carried_root(step.ctx.buildpack_dir, step.ctx.target.arch)
    entry = app.path / f"{proj.assembly_name}.dll"
    config = app.path / f"{proj.assembly_name}.runtimeconfig.json"
    if not entry.is_file() or not config.is_file():
        raise UserError(f"the publish output has no {entry.name} with a runtimeconfig.json: "
                        f"{proj_path.name} does not build an app",
                        fix="publish an app project (OutputType Exe); for a class library, add an app that uses it")
    runtimeconfig = frameworks.read_runtimeconfig(config)
    needed = frameworks.resolve(sdk.path, runtimeconfig)
    if any(f.major_roll for f in needed):
        asked = ", ".join(f"{f.name} {f.requested}" for f in needed if f.major_roll)
        log.info(f"the app asks for {asked}: it runs on a newer major version (DOTNET_ROLL_FORWARD=Major)")
        app.env_default("DOTNET_ROLL_FORWARD", "Major", scope="launch")
    if run_image_carries_runtime and _run_image_serves(runtimeconfig, needed, carried_sdk, log):
        layers.get(NAME).remove()  # a runtime layer of an earlier build must not stay in the image
        log.info(f"runtime: the run image's, in {run_image.ROOT} ({_names(needed)}, with ICU); no runtime layer")
        process = Process("web", [str(run_image.ROOT / "dotnet"), str(entry)], default=True, working_dir=str(app.path))
        return Served(process, [run_image.ROOT])
    globalization = icu.find() if icu.needed(runtimeconfig) else None
    runtime = _layer(layers, sdk, choice, needed, globalization, log)
    _log_sizes(sdk.path, needed, globalization, log)
    process = Process("web", [str(runtime.path / "dotnet"), str(entry)], default=True, working_dir=str(app.path))
    return Served(process, [runtime.path / "bin"])


def _run_image_serves(runtimeconfig: dict, needed: list[Framework], carried_sdk: Path | None, log: Logger) -> bool:
    """Whether the run image's runtime runs the app exactly as a runtime layer would: the
    same frameworks (the layer's come from the SDK that built the app). Says why not."""
    if carried_sdk is None:
        log.warn(f"{launch_settings.RUN_IMAGE_VARIABLE}={launch_settings.DOTNET} says the run image carries the builder's .NET "
                 "runtime, but this builder carries no SDK to say which: the app gets a runtime layer")
        return False
    if run_image.serves(carried_sdk, runtimeconfig) == needed:
        return True
    carried = _names(run_image.all_frameworks(carried_sdk)) or "no shared framework"
    log.info(f"the app runs on {_names(needed)} (from the SDK that built it); the run image carries "
             f"{carried}: the runtime layer brings the app's")
    return False


def _names(found: list[Framework]) -> str:
    return ", ".join(f"{f.name} {f.version}" for f in found)


def _layer(layers: Layers, sdk: Sdk, choice: Choice, needed: list[Framework], globalization: icu.Icu | None,
           log: Logger) -> Layer:
    runtime = layers.get(NAME)
    expected = {"sdk": choice.sdk.version, "sdk-sha512": choice.sdk.sha512[:32],
                "frameworks": ", ".join(f"{f.name} {f.version}" for f in needed),
                "fxr": frameworks.newest_fxr(sdk.path),
                "icu": f"{globalization.package} {globalization.version}" if globalization else "none",
                "bin": "dotnet"}
    if not runtime.reuse_or_reset(expected, log, contents_needed=False):
        runtime_files.copy(runtime.path, sdk.path, expected["fxr"], needed)
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
    log.info(f"runtime layer {runtime_mb:.0f} MB ({_names(needed)})"
             f"{with_icu}; SDK {sdk_mb:.0f} MB, build only: {sdk_mb / runtime_mb:.1f}x the runtime")
