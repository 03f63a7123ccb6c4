"""The `go-mod-cache` layer (GOMODCACHE): downloaded modules, cache only. Modules do not
depend on the toolchain that fetched them, so the layer is kept across Go versions.

The layer is sealed when the build has finished (see funcpacks/seal.py): a module file
deleted or truncated since would otherwise be compiled as it is found (the go command checks
a module's zip against go.sum when it downloads it, not the extracted tree it builds from).

The builder's seed (seed.py) is linked in while the build runs and unlinked before the seal:
the layer holds only the modules the seed lacks.

Nothing is dropped from it. The module zips (cache/download/<module>/@v/<version>.zip) sit
beside the extracted trees the builds read, and are a sizeable part of the layer (for
samples/hello-world-go, 35.6 of 234.9 MB: 26 zips beside 198.2 MB of extracted trees), but
the go command still reads them: `go get` fetches the zip of a module whose version it
changes (the buildpack runs it to add the functions framework), `go mod download` and
`go mod verify` read them, and a missing zip is fetched again from GOPROXY, which fails
where the cache is what makes the build work (GOPROXY=off, an unreachable private proxy).
"""
from __future__ import annotations

from pathlib import Path

from funcpacks.bundled import Bundled
from funcpacks.layers import Layer, Step

from . import seed

NAME = "go-mod-cache"
# Bump when what the layer holds changes, so older caches are dropped.
LAYOUT = "1"


class ModuleCache(Layer):
    """The layer, and the seed's links in it while the build runs."""

    def __init__(self, layers_dir: Path) -> None:
        super().__init__(layers_dir, NAME)
        self.links = seed.Links()


def provide(step: Step, own_seed: Bundled | None) -> ModuleCache:
    layers, log = step.layers, step.log
    layer = ModuleCache(layers.dir)
    layer.reuse_or_reset({"layout": LAYOUT, "seed": seed.identity(own_seed)}, log)
    layer.set_types(cache=True).write()
    layer.ensure()
    layer.links = seed.link_modules(own_seed, layer.path)
    if layer.links.made:
        log.info(f"module cache: the builder's seed linked in ({len(layer.links.made)} modules and files; "
                 "read in place, never cached)")
    step.when_done(lambda: finish(step, layer))
    return layer


def finish(step: Step, layer: ModuleCache) -> None:
    """After the last go command: unlinks the seed, seals the modules the build left."""
    log = step.log
    layer.links.remove()
    seal = layer.seal()
    log.info(f"module cache sealed: {seal}")
