"""The `go-build-cache` layer (GOCACHE): compiled packages, cache only, kept while the
toolchain version and arch stay (another toolchain would not use its entries)."""
from __future__ import annotations

from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

NAME = "go-build-cache"


def provide(layers: Layers, go_version: str, arch: str, log: Logger) -> Layer:
    layer = layers.get(NAME)
    layer.reuse_or_reset({"go": go_version, "arch": arch}, log)
    layer.set_types(cache=True).write()
    return layer
