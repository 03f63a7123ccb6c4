"""The `go-mod-cache` layer (GOMODCACHE): downloaded modules, cache only. Modules do not
depend on the toolchain that fetched them, so the layer is kept across Go versions.

The layer is sealed when the build has finished (see funcpacks/seal.py): a module file
deleted or truncated since would otherwise be compiled as it is found (the go command checks
a module's zip against go.sum when it downloads it, not the extracted tree it builds from).

Nothing is dropped from it. The module zips (cache/download/<module>/@v/<version>.zip) sit
beside the extracted trees the builds read, and are a sizeable part of the layer (for
samples/hello-world-go, 35.6 of 234.9 MB: 26 zips beside 198.2 MB of extracted trees), but
the go command still reads them: `go get` fetches the zip of a module whose version it
changes (the buildpack runs it to add the functions framework), `go mod download` and
`go mod verify` read them, and a missing zip is fetched again from GOPROXY, which fails
where the cache is what makes the build work (GOPROXY=off, an unreachable private proxy).
"""
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


def finish(layer: Layer, log: Logger) -> None:
    """After the last go command: seals the modules as the build leaves them."""
    seal = layer.seal()
    log.info(f"module cache sealed: {seal}")
