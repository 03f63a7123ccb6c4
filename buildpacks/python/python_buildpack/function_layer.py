"""The `function` layer: the launch defaults of functions-framework (which function,
its signature type, its source file). A small layer of its own, so changing the target
never touches the dependencies layer."""
from __future__ import annotations

import subprocess
from pathlib import Path

from funcpacks.errors import UserError
from funcpacks.launch import Process
from funcpacks.layers import Layer, Step
from funcpacks.log import Logger

from . import knative
from .config import Config

NAME = "function"
# How long the build waits for the function package to import and new() to return.
CHECK_TIMEOUT = 60


def provide(step: Step, cfg: Config, dependencies: Layer) -> Process:
    """Writes the layer; returns the web process that serves the function."""
    layers, app_dir, log = step.layers, step.ctx.app_dir, step.log
    fn = layers.get(NAME).reset()
    for var, val in (("FUNCTION_TARGET", cfg.target), ("FUNCTION_SIGNATURE_TYPE", cfg.signature_type),
                     ("FUNCTION_SOURCE", str(app_dir / cfg.source))):
        fn.env_default(var, val, scope="launch")
    fn.set_types(launch=True).write()
    log.info(f"web: functions-framework serving {cfg.target} on 0.0.0.0:$PORT")
    return Process("web", [str(dependencies.path / "bin" / "functions-framework")], default=True)


def provide_knative(step: Step, cfg: Config, shape: knative.Shape, dependencies: Layer) -> Process:
    """A Knative Functions function: func-python's launcher in the layer, after new() (or
    the import of handle) was tried once in the environment the image runs."""
    layers, app_dir, log = step.layers, step.ctx.app_dir, step.log
    _check_instance(dependencies, app_dir, shape, log)
    fn = layers.get(NAME).reset()
    listen = cfg.default_listen_address
    if listen is not None:
        fn.env_default("LISTEN_ADDRESS", listen.value, scope="launch")
        log.info(f"{listen.source}: LISTEN_ADDRESS defaults to {listen.value} at launch")
    serve = fn.path / "serve.py"
    serve.write_text(knative.launcher(app_dir, shape))
    fn.set_types(launch=True).write()
    address = listen.value if listen is not None else "[::]:$PORT and 0.0.0.0:$PORT"
    log.info(f"web: {knative.FRAMEWORK} serving function.{shape.entry} on {address} "
             "(LISTEN_ADDRESS at run time wins)")
    return Process("web", [str(dependencies.path / "bin" / "python"), str(serve)], default=True)


def _check_instance(dependencies: Layer, app_dir: Path, shape: knative.Shape, log: Logger) -> None:
    python = dependencies.path / "bin" / "python"
    if not python.exists():
        log.info(f"function.{shape.entry} not tried this build: the dependencies are kept from the previous image, "
                 "so they are not here to import the function with (changed dependencies install them and try it)")
        return
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        proc = subprocess.run([str(python), "-c", knative.CHECK, str(app_dir), shape.entry], cwd=app_dir, env=env,
                              capture_output=True, text=True, timeout=CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise UserError(f"importing the function package (and calling new()) did not finish within {CHECK_TIMEOUT} s",
                        where=f"{knative.PACKAGE}/", fix="do slow or networked set-up in start(cfg), not at import "
                                                          "time or in new()") from None
    if proc.returncode != 0:
        what = "calling new()" if shape.entry == "new" else "importing the function package"
        raise UserError(f"{what} failed at build time, so the image could not start", where=f"{knative.PACKAGE}/",
                        detail=(proc.stderr or proc.stdout)[-3000:],
                        fix="fix the error above; the check runs without the run-time environment (no settings, "
                            "no services), so set-up that needs them belongs in start(cfg)")
    log.info(f"checked: function.{shape.entry} " + ("returns an instance with handle" if shape.entry == "new"
                                                   else "imports"))
