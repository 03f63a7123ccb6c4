"""The `go-build-cache` layer (GOCACHE): compiled packages, cache only, kept while the
toolchain version and arch stay (another toolchain would not use its entries).

The layer is sealed when the build has finished (see funcpacks/seal.py). A damaged build
cache is dangerous, not only slow: the go command checks an output's size against its
action entry (a truncated compiled package is a miss), but not its contents, so a damaged
file of the right size would be linked into the function. The seal catches what stat can
see (files missing, truncated, grown, renamed) before any go command reads the cache.
"""
from __future__ import annotations

from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

NAME = "go-build-cache"


def provide(layers: Layers, go_version: str, arch: str, log: Logger) -> Layer:
    layer = layers.get(NAME)
    layer.reuse_or_reset({"go": go_version, "arch": arch}, log)
    layer.set_types(cache=True).write()
    return layer


def finish(layer: Layer, log: Logger) -> None:
    """After the last go command: seals the cache as the build leaves it."""
    seal = layer.seal()
    log.info(f"build cache: {seal.files} files ({seal.bytes / 1e6:.1f} MB)")
