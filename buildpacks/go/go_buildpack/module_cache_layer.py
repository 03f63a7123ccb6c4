"""The `go-mod-cache` layer (GOMODCACHE): downloaded modules, cache only. Modules do not
depend on the toolchain that fetched them, so the layer is kept across Go versions."""
from __future__ import annotations

from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

NAME = "go-mod-cache"
# Bump when what the layer holds changes, so older caches are dropped.
LAYOUT = "1"


def provide(layers: Layers, log: Logger) -> Layer:
    layer = layers.get(NAME)
    layer.reuse_or_reset({"layout": LAYOUT}, log)
    layer.set_types(cache=True).write()
    return layer
