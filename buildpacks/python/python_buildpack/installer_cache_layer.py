"""The installers' own caches, `pip-cache` and `uv-cache`: build only, so nothing of them is
in the image, and kept as the last build left them whatever changed, since the installer
checks every file it takes from its cache against the lock's hashes or the index's."""
from __future__ import annotations

import os

from funcpacks.layers import Layer, Step

PIP = "pip-cache"
UV = "uv-cache"


def provide(step: Step, name: str, tool: str) -> Layer:
    """An installer's own cache (build only): kept as the last build left it, whatever
    changed, since the installer checks every file it takes from it against the lock's
    hashes or the index's; the log says which."""
    layers, log = step.layers, step.log
    layer = layers.get(name)
    if layer.path.is_dir():
        files = sum(len(names) for _, _, names in os.walk(layer.path))
        log.reused(name, f"{tool}'s cache as the previous build left it ({files} files; {tool} checks what it "
                         "takes from it)")
    else:
        log.rebuilding(name, f"no cached copy: {tool} downloads what it needs and keeps it for the next build")
    layer.ensure().set_types(build=True, cache=True).write()
    return layer
