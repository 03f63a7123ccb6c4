"""The `npm-cache` layer (cache only): npm's own cache of registry metadata and package
tarballs, so that a dependencies layer built again (a changed lock, build scripts)
downloads only what is new. npm checks every tarball against its integrity hash, so the
restored cache is reused as it is."""
from __future__ import annotations

from pathlib import Path

from funcpacks.layers import Step

NAME = "npm-cache"
LAYOUT = "1"


def provide(step: Step) -> Path:
    layer = step.layers.get(NAME)
    layer.reuse_or_reset({"layout": LAYOUT}, step.log)
    layer.set_types(cache=True).write()
    return layer.path
