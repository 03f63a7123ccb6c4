"""funcpacks/dotnet: ASP.NET apps and functions, compatible with gcp-builder's settings
(GOOGLE_RUNTIME_VERSION, GOOGLE_BUILDABLE, GOOGLE_BUILD_ARGS, GOOGLE_FUNCTION_TARGET)
and their FUNC_* spellings."""
from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from funcpacks import labels, processes, sbom, settings, source
from funcpacks.context import BuildContext, BuildPlan, DetectContext
from funcpacks.errors import DetectFailed, UserError
from funcpacks.launch import Launch, Process
from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

from . import choice_cache, function_check, icu, nuget, project, publish, runtime_layer, sdk_choice, sdk_layer
from .feed import Feed, RIDS

BUILDPACK = "funcpacks/dotnet"
# The source is published from a copy: bin/ and obj/ never land in the user's directory.
WORK_DIR = Path("/tmp/funcpacks-dotnet/src")
HOME_DIR = Path("/tmp/funcpacks-dotnet/home")
PORT_ENV = "libexec/port-env"  # built by funcpacks_dev/images/builder.py from port-env/main.go


def _project_setting(env, log: Logger | None = None) -> settings.Setting | None:
    """GOOGLE_BUILDABLE / FUNC_BUILDABLE, or Paketo's BP_DOTNET_PROJECT_PATH."""
    return settings.first_of(env, ("buildable", "dotnet_project_path"), log)


def detect(ctx: DetectContext) -> None:
    forbidden = settings.runtime_forbids(ctx.env, settings.DOTNET)
    if forbidden:
        raise DetectFailed(forbidden)
    buildable = _project_setting(ctx.env)
    target = ctx.app_dir / buildable.value if buildable else None
    names_project = target is not None and (
        (target.is_file() and target.name.lower().endswith(project.PROJECT_SUFFIXES))
        or (target.is_dir() and bool(project.project_files(target))))
    if not project.looks_like_dotnet(ctx.app_dir) and not names_project:
        raise DetectFailed("not a .NET project: no .csproj/.fsproj/.vbproj, .cs/.fs/.vb or global.json at the top "
                           "of the source directory")
    plan = BuildPlan()
    plan.provide("dotnet")
    plan.require("dotnet")
    plan.write(ctx.plan_path)


def _choose_sdk(ctx: BuildContext, proj: project.Project, explicit: settings.Setting | None,
                gj: project.GlobalJson | None, feed: Feed, layers: Layers, log: Logger) -> sdk_choice.Choice:
    arch = ctx.target.arch
    if explicit:
        key = f"explicit {explicit.value}"
    elif gj:
        key = f"global.json {gj.version} {gj.roll_forward}"
    else:
        key = f"framework {proj.target_framework}"
    key = f"{key} | {feed.describe()} | {arch}"
    memory = layers.get("sdk-choice")
    memory.reuse_or_reset({"layout": "1"}, log)
    memory.set_types(cache=True).write()
    remembered = choice_cache.recall(memory, key)
    if remembered:
        log.info(f"SDK {remembered.sdk.version} ({remembered.why}); chosen from the feed's metadata less than a day "
                 "ago, not read again")
        return remembered
    with log.timed(f"release metadata from {feed.describe()}"):
        if explicit:
            choice = sdk_choice.explicit(explicit.value, explicit.source, feed, arch)
        elif gj:
            choice = sdk_choice.from_global_json(gj, feed, arch)
        else:
            choice = sdk_choice.from_target_framework(proj.target_framework, feed, arch)
    choice_cache.remember(memory, key, choice)
    log.info(f"SDK {choice.sdk.version} ({choice.why})")
    return choice


def _copy_source(app: Path) -> None:
    """Copies the source without build output next to project files, nor .git."""
    def ignore(directory: str, names: list[str]) -> set[str]:
        skip = {".git"} & set(names)
        if any(n.lower().endswith(project.PROJECT_SUFFIXES) for n in names):
            skip |= {"bin", "obj"} & set(names)
        return skip
    if WORK_DIR.exists():
        shutil.rmtree(WORK_DIR)
    shutil.copytree(app, WORK_DIR, ignore=ignore, symlinks=True)


def _dotnet_env(ctx: BuildContext, sdk: Path, packages: Path) -> dict[str, str]:
    env = dict(ctx.env)
    HOME_DIR.mkdir(parents=True, exist_ok=True)
    env.update({
        "DOTNET_ROOT": str(sdk), "PATH": f"{sdk}:{env.get('PATH', '/usr/bin:/bin')}",
        "NUGET_PACKAGES": str(packages), "HOME": str(HOME_DIR), "DOTNET_CLI_HOME": str(HOME_DIR),
        "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1",
        "DOTNET_GENERATE_ASPNET_CERTIFICATE": "false", "DOTNET_ADD_GLOBAL_TOOLS_TO_PATH": "false",
        # No build servers: they would outlive the build step and hold its container.
        "MSBUILDDISABLENODEREUSE": "1", "DOTNET_CLI_USE_MSBUILD_SERVER": "0", "UseSharedCompilation": "false",
    })
    return env


def build(ctx: BuildContext) -> None:
    log = Logger(BUILDPACK)
    layers = Layers(ctx.layers_dir)
    log.header("Configuration")
    settings.warn_unknown(ctx.env, log)
    image_labels = labels.from_env(ctx.env, log)
    buildable = _project_setting(ctx.env, log)
    proj_path = project.find_project(ctx.app_dir, buildable.value if buildable else "",
                                     buildable.source if buildable else "")
    proj = project.parse_project(proj_path)
    trimmed_setting = settings.lookup(ctx.env, "dotnet_trimmed", log)
    trimmed = trimmed_setting is not None and settings.truthy(trimmed_setting.value)
    rid = RIDS.get(ctx.target.arch, f"linux-{ctx.target.arch}")
    log.info(f"project {proj_path.relative_to(ctx.app_dir)} ({proj.target_framework}, assembly {proj.assembly_name})"
             + (f"; {trimmed_setting.source}: self-contained, trimmed for {rid}" if trimmed_setting and trimmed else ""))
    target = settings.lookup(ctx.env, "function_target", log)
    signature = settings.lookup(ctx.env, "signature_type", log)
    # A function hosted by Google.Cloud.Functions.Hosting is the web process, as in Go and Python.
    function_mode = target is not None and proj.references(project.GOOGLE_HOSTING)
    processes.check(ctx.app_dir, ctx.env, function_mode, log)
    if function_mode:
        found = function_check.check(target.value, target.source, proj_path, proj_path.parent)
        log.info(f"function {target.value!r} ({target.source}): {found}; FUNCTION_TARGET for {project.GOOGLE_HOSTING}")
    feed = Feed.from_env(ctx.env, ctx.platform_dir)

    log.header(".NET SDK")
    explicit = settings.version_request(ctx.env, "dotnet_sdk_version", log, after=("dotnet_framework_version",))
    gj = project.read_global_json(ctx.app_dir)
    if explicit is None and gj is None:
        # GOOGLE_RUNTIME=dotnet10: above the project's TargetFramework, below global.json.
        explicit = settings.runtime_version_hint(ctx.env)
    choice = _choose_sdk(ctx, proj, explicit, gj, feed, layers, log)
    if choice.eol_framework:
        log.warn(f"{choice.eol_framework} is out of support and its runtime is unpatched: building with SDK "
                 f"{choice.sdk.version} and running on its runtime {choice.sdk.runtime_version} "
                 "(DOTNET_ROLL_FORWARD=Major); move the project to a supported TargetFramework")
    sdk = layers.get("sdk")
    if not sdk.reuse_or_reset(sdk_layer.expected_metadata(choice.sdk, ctx.target.arch), log,
                              f"SDK {choice.sdk.version}"):
        sdk_layer.install(sdk, choice.sdk, feed, log)
    sdk.set_types(build=True, cache=True).write()
    sdk.env_default("DOTNET_ROOT", str(sdk.path), scope="build")
    sdk.env_prepend_path("PATH", str(sdk.path), scope="build")
    sdk_mb = sdk_layer.size_mb(sdk.path)

    log.header("NuGet packages")
    srcs = nuget.sources(ctx.app_dir, proj_path.parent, ctx.env, ctx.platform_dir)
    log.info(f"sources: {srcs.description}")
    packages = layers.get("nuget-packages")
    packages.reuse_or_reset({"sdk": choice.sdk.version, "projects": nuget.inputs_hash(ctx.app_dir)}, log)
    packages.set_types(cache=True).write()

    log.header("Publish")
    _copy_source(ctx.app_dir)
    if explicit and gj:
        # The dotnet host would insist on global.json's SDK; the explicit setting wins.
        (WORK_DIR / "global.json").unlink()
        log.info(f"global.json's sdk.version is overridden by {explicit.source}={explicit.value}")
    work_project = WORK_DIR / proj_path.relative_to(ctx.app_dir)
    app = layers.get("app").reset()
    extra = [w for key in ("build_args", "dotnet_publish_flags") for w in settings.words(ctx.env, key, log)]
    opts = publish.Options(trimmed, rid, proj.target_framework, srcs.config_file, extra)
    cmd = publish.command(sdk.path / "dotnet", work_project, app.path, opts)
    log.info("dotnet " + " ".join(shlex.quote(c) for c in cmd[1:]).replace(str(WORK_DIR) + "/", ""))
    with log.timed("dotnet publish"):
        with app.removed_on_failure():
            out = publish.run(cmd, WORK_DIR, _dotnet_env(ctx, sdk.path, packages.path))
    for warning in publish.warnings(out, {str(WORK_DIR) + "/": "", str(sdk.path) + "/": "<sdk>/"}):
        log.detail(warning)

    components = nuget.packages(work_project.parent / "obj" / "project.assets.json")
    if trimmed:
        _drop_unloadable(app.path, log)
        entry = app.path / proj.assembly_name
        if not entry.is_file():
            raise UserError(f"the publish output has no executable {proj.assembly_name}",
                            fix="only an app (OutputType Exe, the default of Microsoft.NET.Sdk.Web) can be launched")
        process = Process("web", [str(entry)], default=True, working_dir=str(app.path))
        runtime_bin = None
    else:
        entry = app.path / f"{proj.assembly_name}.dll"
        config = app.path / f"{proj.assembly_name}.runtimeconfig.json"
        if not entry.is_file() or not config.is_file():
            raise UserError(f"the publish output has no {entry.name} with a runtimeconfig.json: "
                            f"{proj_path.name} does not build an app",
                            fix="publish an app project (OutputType Exe); for a class library, add an app that uses it")
        runtimeconfig = runtime_layer.read_runtimeconfig(config)
        frameworks = runtime_layer.resolve(sdk.path, runtimeconfig)
        globalization = icu.find() if icu.needed(runtimeconfig) else None
        runtime = _runtime_layer(layers, sdk, choice, frameworks, globalization, log)
        runtime_mb = sum(sdk_layer.size_mb(sdk.path / "shared" / f.name / f.version) for f in frameworks) + \
            sdk_layer.size_mb(sdk.path / "host") + (sdk.path / "dotnet").stat().st_size / 1e6
        with_icu = (f" + ICU {globalization.size_mb():.0f} MB ({globalization.package} {globalization.version} "
                    "from the build image; the run image has none)") if globalization else \
            " (invariant globalization: no ICU)"
        log.info(f"runtime layer {runtime_mb:.0f} MB ({', '.join(f'{f.name} {f.version}' for f in frameworks)})"
                 f"{with_icu}; SDK layer {sdk_mb:.0f} MB, build only: {sdk_mb / runtime_mb:.1f}x the runtime")
        if any(f.major_roll for f in frameworks):
            asked = ", ".join(f"{f.name} {f.requested}" for f in frameworks if f.major_roll)
            log.info(f"the app asks for {asked}: it runs on a newer major version (DOTNET_ROLL_FORWARD=Major)")
            app.env_default("DOTNET_ROLL_FORWARD", "Major", scope="launch")
        process = Process("web", [str(runtime.path / "dotnet"), str(entry)], default=True, working_dir=str(app.path))
        runtime_bin = runtime.path / "bin"

    if target:
        app.env_default("FUNCTION_TARGET", target.value, scope="launch")
        if signature:
            app.env_default("FUNCTION_SIGNATURE_TYPE", signature.value, scope="launch")
        if not proj.references(project.GOOGLE_HOSTING):  # else checked and logged above
            log.info(f"function target {target.value!r} ({target.source}) is informational: {proj_path.name} does not "
                     f"reference {project.GOOGLE_HOSTING}, so the app serves requests itself")
    exec_d = app.path / "exec.d"
    exec_d.mkdir()
    shutil.copy2(ctx.buildpack_dir / PORT_ENV, exec_d / "port-env")
    os.chmod(exec_d / "port-env", 0o755)
    app.set_types(launch=True).write()
    sbom.write_layer_sbom(ctx.layers_dir, "app", components, BUILDPACK)
    log.info(f"the app: {' '.join(process.command)} (in {app.path}); PORT sets ASPNETCORE_HTTP_PORTS unless "
             "ASPNETCORE_URLS is given")
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    procfile = processes.read_procfile(ctx.app_dir)
    source.clear_if_asked(ctx.app_dir, ctx.env, log)
    # Procfile commands run through bash on the general run image (as gcp-builder runs
    # them); a trimmed app is for run-cc, which has no shell, so they run directly there.
    search = [runtime_bin] if runtime_bin else []
    runner = processes.Runner(shell=not (trimmed or processes.static_run_image(ctx.env)), working_dir=app.path,
                              search_path=search, set_working_dir=True)
    Launch(processes.for_image(ctx.app_dir, ctx.env, log, runner, process, function_mode, procfile),
           labels=image_labels).write(ctx.layers_dir)


# Native files of a self-contained publish that the runtime only loads on request: the
# LTTng trace provider (needs liblttng, which no funcpacks run image has) and the
# standalone garbage collectors (only with DOTNET_GCName).
OPTIONAL_NATIVE = ("libcoreclrtraceptprovider.so", "libclrgc.so", "libclrgcexp.so")


def _drop_unloadable(app_dir: Path, log: Logger) -> None:
    dropped = [name for name in OPTIONAL_NATIVE if (app_dir / name).is_file()]
    for name in dropped:
        (app_dir / name).unlink()
    if dropped:
        log.info(f"left out of the image (loaded only on request): {', '.join(dropped)}")


def _runtime_layer(layers: Layers, sdk: Layer, choice: sdk_choice.Choice, frameworks: list[runtime_layer.Framework],
                   globalization: icu.Icu | None, log: Logger) -> Layer:
    """Launch only (not cached): when its metadata matches, the previous image's layer is
    reused as it is, without being restored or exported again."""
    runtime = layers.get("runtime")
    expected = {"sdk": choice.sdk.version, "sdk-sha512": choice.sdk.sha512[:32],
                "frameworks": ", ".join(f"{f.name} {f.version}" for f in frameworks),
                "fxr": runtime_layer.newest_fxr(sdk.path),
                "icu": f"{globalization.package} {globalization.version}" if globalization else "none",
                "bin": "dotnet"}
    if not runtime.reuse_or_reset(expected, log, contents_needed=False):
        runtime_layer.install(runtime.path, sdk.path, expected["fxr"], frameworks)
        if globalization:
            icu.install(globalization, runtime.path)
        # bin/ is on the launch PATH: Procfile commands can say `dotnet App.dll`. The host
        # finds its root through the link's target.
        (runtime.path / "bin").mkdir()
        (runtime.path / "bin" / "dotnet").symlink_to("../dotnet")
        runtime.env_override("DOTNET_ROOT", str(runtime.path), scope="launch")
        runtime.env_override("DOTNET_CLI_TELEMETRY_OPTOUT", "1", scope="launch")
    runtime.set_types(launch=True).write()
    sbom.write_layer_sbom(layers.dir, "runtime", [sbom.Component(f.name, f.version, "generic", "framework")
                                                  for f in frameworks] +
                          [sbom.Component("Microsoft.NETCore.DotNetHostResolver", expected["fxr"], "generic")] +
                          ([globalization.component()] if globalization else []),
                          BUILDPACK)
    return runtime
