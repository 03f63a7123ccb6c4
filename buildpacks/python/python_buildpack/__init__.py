"""funcpacks/python: Python functions (functions-framework) and apps.

Accepts what gcp-builder users write (GOOGLE_*) and what OpenFunction users write
(FUNC_*); see config.py for every setting.
"""
from __future__ import annotations

from funcpacks import labels, processes, settings
from funcpacks.context import BuildContext, BuildPlan, DetectContext
from funcpacks.errors import DetectFailed, UserError
from funcpacks.launch import Launch, Process
from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

from . import config, dependencies, function_check, package_manager, requirements, runtime

BUILDPACK = "funcpacks/python"
# The default functions-framework pin; funcpacks_dev/images/builder.py writes it from versions.toml.
DEFAULT_FRAMEWORK_FILE = "framework-version"


def detect(ctx: DetectContext) -> None:
    forbidden = config.forbidden(ctx.env)
    if forbidden:
        raise DetectFailed(forbidden)
    if not config.is_python_project(ctx.app_dir, ctx.env):
        raise DetectFailed("not a Python project: no requirements.txt, pyproject.toml or .py file "
                           "at the top of the source directory")
    try:
        cfg = config.resolve(ctx.app_dir, ctx.env)
    except UserError as exc:
        raise DetectFailed(f"{exc.what}; {exc.fix}") from None
    plan = BuildPlan()
    plan.provide("python")
    plan.require("python", mode=cfg.mode)
    plan.write(ctx.plan_path)


def build(ctx: BuildContext) -> None:
    log = Logger(BUILDPACK)
    log.header("Configuration")
    settings.warn_unknown(ctx.env, log)
    cfg = config.resolve(ctx.app_dir, ctx.env, log)
    image_labels = labels.from_env(ctx.env, log)
    processes.check(ctx.app_dir, ctx.env, cfg.mode == "function", log)
    if cfg.mode == "function":
        log.info(f"function {cfg.target!r} ({cfg.signature_type}) in {cfg.source}")
        names = function_check.check(ctx.app_dir, cfg.source, cfg.source_origin, cfg.target)
        log.info(f"checked: {cfg.target} is defined in {cfg.source} "
                 f"({len(names.functions)} module-level function(s)/class(es))")
    else:
        log.info(f"app: runs {cfg.entrypoint!r} (from {cfg.entrypoint_origin})")

    log.header("Python")
    interp = runtime.resolve(cfg.runtime_request, cfg.runtime_request_origin)
    asked = f" (asked for {cfg.runtime_request} in {cfg.runtime_request_origin})" if cfg.runtime_request else ""
    log.info(f"CPython {interp.version} from the {interp.source}{asked}")

    log.header("Dependencies")
    manager = package_manager.choose(ctx.app_dir, cfg.package_manager)
    log.info(f"package manager: {manager.name} ({manager.reason})")
    if cfg.vendor:
        log.info(f"installing only from the vendored directory {cfg.vendor.directory} ({cfg.vendor.origin}): "
                 "no index is asked")
    lock = package_manager.lock_file(ctx.app_dir, manager)
    for unused in package_manager.unused_locks(ctx.app_dir, lock):
        log.warn(f"{unused} is not used: {manager.reason}")
    decl = requirements.read(ctx.app_dir, lock=lock)
    default_pin = (ctx.buildpack_dir / DEFAULT_FRAMEWORK_FILE).read_text().strip()
    extra = dependencies.framework_spec(cfg, decl, default_pin, log)
    layer = dependencies.build_layer(ctx, cfg, interp, decl, extra, manager, log)
    if cfg.mode == "function":
        _check_framework_supports(layer, cfg, decl)

    log.header("Launch")
    launch = Launch(labels=image_labels)
    served = None
    if cfg.mode == "function":
        # The function's launch defaults live in a small layer of their own, so changing
        # the target never touches the cached dependencies layer.
        fn = Layers(ctx.layers_dir).get("function").reset()
        for var, val in (("FUNCTION_TARGET", cfg.target), ("FUNCTION_SIGNATURE_TYPE", cfg.signature_type),
                         ("FUNCTION_SOURCE", str(ctx.app_dir / cfg.source))):
            fn.env_default(var, val, scope="launch")
        fn.set_types(launch=True).write()
        served = Process("web", [str(layer.path / "bin" / "functions-framework")], default=True)
        log.info(f"web: functions-framework serving {cfg.target} on 0.0.0.0:$PORT")
    # Commands run with bash: the Python run image has it, and Procfiles are written for a shell.
    runner = processes.Runner(shell=True, working_dir=ctx.app_dir)
    launch.processes = processes.for_image(ctx.app_dir, ctx.env, log, runner, served, cfg.mode == "function")
    launch.write(ctx.layers_dir)


def _check_framework_supports(layer: Layer, cfg: config.Config, decl: requirements.Declaration) -> None:
    """The framework is installed, and 1.x knows only http and event signatures."""
    versions = {requirements.canonical(d.name): d.version for d in dependencies.installed(layer.path)}
    ff = versions.get(requirements.FRAMEWORK)
    if ff is None and cfg.skip_framework_injection:
        raise UserError(f"{requirements.FRAMEWORK} is not installed, and {cfg.skip_framework_injection} says not "
                        "to add it", where=decl.kind if decl.kind != "none" else "the project",
                        fix=f"add {requirements.FRAMEWORK} to the dependencies, or unset the setting")
    if ff is None:
        raise UserError(f"{requirements.FRAMEWORK} is not installed although the requirements name it",
                        where=decl.kind, fix="check the requirement line for functions-framework")
    if cfg.signature_type == "cloudevent" and int(ff.split(".")[0]) < 2:
        raise UserError(f"signature type cloudevent needs {requirements.FRAMEWORK} >= 2.0; the requirements pin {ff}",
                        fix=f"raise the {requirements.FRAMEWORK} pin or use signature type event")
