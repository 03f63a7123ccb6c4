"""The `function` layer: the launch defaults of the functions framework (which function,
its signature type, where its code is). A small layer of its own, so changing the target
never touches the dependencies layer."""
from __future__ import annotations

from pathlib import Path

from funcpacks.launch import Process
from funcpacks.layers import Step

from .config import Config
from .framework_layer import PACKAGE, Framework

NAME = "function"


def provide(step: Step, cfg: Config, node: Path, framework: Framework, location: Path) -> Process:
    """Writes the layer; returns the web process that serves the function."""
    fn = step.layers.get(NAME).reset()
    values = [("FUNCTION_TARGET", cfg.target), ("FUNCTION_SIGNATURE_TYPE", cfg.signature_type)]
    if cfg.source is not None:
        values.append(("FUNCTION_SOURCE", str(location)))
    for var, val in values:
        fn.env_default(var, val, scope="launch")
    fn.set_types(launch=True).write()
    step.log.info(f"web: {PACKAGE} {framework.version} serving {cfg.target} on "
                  "0.0.0.0:$PORT (default 8080)")
    return Process("web", [str(node), str(framework.main)], default=True)
