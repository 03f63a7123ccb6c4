"""bin/build of funcpacks/python: the configuration, the interpreter, the dependencies
layer, the function layer and the processes, in that order."""
from __future__ import annotations

from funcpacks import defaults, processes
from funcpacks.context import BuildContext
from funcpacks.launch import Launch
from funcpacks.layers import Step
from funcpacks.log import Logger

from . import config, dependencies_layer, function_check, function_layer, knative, module_check, runtime

BUILDPACK = "funcpacks/python"


def build(ctx: BuildContext) -> None:
    step = Step.begin(ctx, BUILDPACK)
    log = step.log
    cfg = config.resolve(ctx.app_dir, ctx.env, log)
    processes.check(cfg.launch.entrypoint, cfg.launch.procfile, cfg.mode == "function", log)
    shape = _check_what_runs(ctx, cfg, log)
    log.header("Python")
    interp = runtime.choose(cfg.runtime_request, cfg.runtime_request_origin, log)
    log.header("Dependencies")
    # The framework added when the dependencies name none: func-python serves a func function.
    default_pin = defaults.value(ctx.buildpack_dir, "func-python" if cfg.mode == "knative" else "functions-framework")
    dependencies = dependencies_layer.provide(step, cfg, interp, default_pin)
    log.header("Launch")
    if cfg.mode == "knative":
        served = function_layer.provide_knative(step, cfg, shape, dependencies)
    else:
        served = function_layer.provide(step, cfg, dependencies) if cfg.mode == "function" else None
    # Commands run with bash: the Python run image has it, and Procfiles are written for a shell.
    runner = processes.Runner(shell=True, working_dir=ctx.app_dir,
                              reused=dependencies_layer.kept_programs(dependencies), arch=ctx.target.arch,
                              module_check=module_check.checker(dependencies.path, ctx.app_dir))
    Launch(processes.for_image(cfg.launch.entrypoint, cfg.launch.procfile, log, runner, served,
                               cfg.mode == "function"),
           labels=cfg.launch.image_labels).write(ctx.layers_dir)


def _check_what_runs(ctx: BuildContext, cfg: config.Config, log: Logger) -> knative.Shape | None:
    """A function must be defined in its source file; an app names its command; a
    Knative Functions function exports what func-python serves."""
    if cfg.mode == "knative":
        shape = knative.shape(ctx.app_dir)
        log.info(f"Knative Functions: {shape.why}; {shape.describe()}, served by {knative.FRAMEWORK}")
        return shape
    if cfg.mode == "function":
        log.info(f"function {cfg.target!r} ({cfg.signature_type}) in {cfg.source}")
        names = function_check.check(ctx.app_dir, cfg.source, cfg.source_origin, cfg.target)
        log.info(f"checked: {cfg.target} is defined in {cfg.source} "
                 f"({len(names.functions)} module-level function(s)/class(es))")
    else:
        log.info(f"app: runs {cfg.entrypoint!r} (from {cfg.entrypoint_origin})")
    return None
