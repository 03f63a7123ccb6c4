"""The `function` layer: the launch defaults of functions-framework (which function,
its signature type, its source file). A small layer of its own, so changing the target
never touches the dependencies layer."""
from __future__ import annotations

from funcpacks.launch import Process
from funcpacks.layers import Layer, Step

from .config import Config

NAME = "function"


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
