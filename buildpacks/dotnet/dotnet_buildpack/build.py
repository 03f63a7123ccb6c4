"""bin/build of funcpacks/dotnet: the project, the SDK, the NuGet packages, the publish
output, the runtime (or a trimmed app), and the processes."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from funcpacks import processes, source
from funcpacks.context import BuildContext
from funcpacks.launch import Launch
from funcpacks.errors import UserError
from funcpacks.layers import Layer, Step
from funcpacks.log import Logger

from . import (app_layer, config, function_check, nuget, nuget_layer, project, publish, restore_outputs,
               runtime_layer, sdk_choice_layer, sdk_layer, work_copy)
from .app_layer import Served
from .config import Config
from .feed import RIDS

BUILDPACK = "funcpacks/dotnet"


def build(ctx: BuildContext) -> None:
    step = Step.begin(ctx, BUILDPACK)
    log = step.log
    cfg = config.resolve(ctx.app_dir, ctx.env, ctx.platform_dir, log)
    rid = RIDS.get(ctx.target.arch, f"linux-{ctx.target.arch}")
    proj_path, proj = _project(ctx.app_dir, cfg, rid, log)
    function_mode = _check_function(ctx, cfg, proj, proj_path, log)

    log.header(".NET SDK")
    gj = project.read_global_json(ctx.app_dir)
    # GOOGLE_RUNTIME=dotnet10: above the project's TargetFramework, below global.json.
    explicit = cfg.sdk_request or (cfg.version_hint if gj is None else None)
    own = sdk_layer.bundled_sdks(ctx.buildpack_dir, ctx.target.arch)
    choice = sdk_choice_layer.provide(step, proj, explicit, gj, cfg.feed, own)
    sdk = sdk_layer.provide(step, choice.sdk, cfg.feed)

    log.header("NuGet packages")
    packages = nuget_layer.provide(step, proj_path.parent, choice.sdk.version)

    log.header("Publish")
    work_project = work_copy.make(ctx.app_dir, proj_path, explicit if gj else None, log)
    opts = publish.Options(cfg.trimmed is not None, rid, proj.target_framework, packages.sources.config_file,
                           list(cfg.publish_args))
    app = _publish(step, sdk, work_project, opts, choice.sdk.version, packages)
    step.done()  # seals the NuGet packages
    components = nuget.packages(work_project.parent / "obj" / "project.assets.json")
    if cfg.trimmed:
        served = app_layer.trimmed(app, proj, log)
    else:
        served = runtime_layer.provide(step, sdk, choice, app, proj, proj_path, cfg.run_image_carries_runtime)
    app_layer.finish(step, app, cfg, proj, proj_path, served, components)
    work_copy.remove()
    _launch(ctx, cfg, app.path, served, function_mode, log)


def _publish(step: Step, sdk: sdk_layer.Sdk, work_project: Path, opts: publish.Options, sdk_version: str,
             packages: nuget_layer.Packages) -> Layer:
    """dotnet publish into the app layer, without restoring when the previous build's
    package graph still applies (restore_outputs.py); a publish that fails without
    restoring is run again with a restore, in case the kept graph is why."""
    ctx, layers, log = step.ctx, step.layers, step.log
    env = publish.env(ctx.env, sdk.path, packages.layer.path)
    keyed = publish.command(sdk.path / "dotnet", work_project, layers.get(app_layer.NAME).path,
                            dataclasses.replace(opts, config_file=None))
    restore_key = nuget_layer.restore_key(packages, ctx.app_dir, env, sdk_version, keyed)
    if restore_outputs.put_back(packages.layer.path, work_copy.WORK_DIR, restore_key):
        log.info("restore: the same projects, imports, NuGet sources, SDK, environment and options as the previous "
                 "build, whose package graph is kept: publishing with --no-restore")
        try:
            return app_layer.provide(step, sdk, work_project, dataclasses.replace(opts, restore=False), env)
        except UserError as exc:
            log.warn(f"publishing without a restore failed ({exc.what}): restoring and publishing again")
            restore_outputs.forget(packages.layer.path)
            work_copy.remove_build_output()
    app = app_layer.provide(step, sdk, work_project, opts, env)
    restore_outputs.save(packages.layer.path, work_copy.WORK_DIR, restore_key)
    return app


def _project(app_dir: Path, cfg: Config, rid: str, log: Logger) -> tuple[Path, project.Project]:
    proj_path = project.find_project(app_dir, cfg.project.value if cfg.project else "",
                                     cfg.project.source if cfg.project else "")
    proj = project.parse_project(proj_path)
    project.check_project_references(app_dir, proj)
    log.info(f"project {proj_path.relative_to(app_dir)} ({proj.target_framework}, assembly {proj.assembly_name})"
             + (f"; {cfg.trimmed.source}: self-contained, trimmed for {rid}" if cfg.trimmed else ""))
    return proj_path, proj


def _check_function(ctx: BuildContext, cfg: Config, proj: project.Project, proj_path: Path, log: Logger) -> bool:
    """Whether the function is the web process: a function hosted by
    Google.Cloud.Functions.Hosting is, as in Go and Python; its target is checked now."""
    function_mode = cfg.target is not None and proj.references(project.GOOGLE_HOSTING)
    processes.check(cfg.launch.entrypoint, cfg.launch.procfile, function_mode, log)
    if cfg.target and function_mode:
        found = function_check.check(cfg.target.value, cfg.target.source, proj_path, proj_path.parent)
        log.info(f"function {cfg.target.value!r} ({cfg.target.source}): {found}; FUNCTION_TARGET for "
                 f"{project.GOOGLE_HOSTING}")
    return function_mode


def _launch(ctx: BuildContext, cfg: Config, app_dir: Path, served: Served, function_mode: bool, log: Logger) -> None:
    source.clear_if_asked(ctx.app_dir, cfg.launch, log)
    # Procfile commands run through bash on the general run image (as gcp-builder runs
    # them); a trimmed app is for run-cc, which has no shell, so they run directly there.
    static = cfg.launch.static_run_image
    runner = processes.Runner(shell=not (cfg.trimmed or static), working_dir=app_dir,
                              search_path=served.search_path, set_working_dir=True, arch=ctx.target.arch,
                              has_libc=not static)
    Launch(processes.for_image(cfg.launch.entrypoint, cfg.launch.procfile, log, runner, served.process, function_mode),
           labels=cfg.launch.image_labels).write(ctx.layers_dir)
