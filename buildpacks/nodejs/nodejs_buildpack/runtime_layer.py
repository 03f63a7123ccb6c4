"""The `runtime` layer (launch only): the node program the image runs, and nothing else
of the installation (npm, corepack and the C headers serve builds only). Reused from the
previous image while the version and arch are unchanged: its ~120 MB are then neither
copied nor exported again."""
from __future__ import annotations

import shutil
from pathlib import Path

from funcpacks.layers import Step

from .runtime import Node

NAME = "runtime"
LAYOUT = "1"


def provide(step: Step, node: Node) -> Path:
    """Writes the layer; returns the path of node in the image."""
    layer = step.layers.get(NAME)
    expected = {"version": node.version, "arch": step.ctx.target.arch, "layout": LAYOUT}
    if not layer.reuse_or_reset(expected, step.log, contents_needed=False):
        with layer.removed_on_failure():
            (layer.path / "bin").mkdir()
            shutil.copy2(node.executable, layer.path / "bin" / "node")
            # Express and most frameworks run their production paths only with it.
            layer.env_default("NODE_ENV", "production", scope="launch")
    layer.set_types(launch=True).write()
    return layer.path / "bin" / "node"
