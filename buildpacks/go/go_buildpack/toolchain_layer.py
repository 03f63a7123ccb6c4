"""The Go toolchain: the builder's own (the default version, bundled in the buildpack
and used in place), or the `go` layer (build + cache) for any other version, reused while
its version, arch and layout match what this build resolves."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from funcpacks import bundled
from funcpacks.layers import Step

from . import toolchain
from .config import Config
from .credentials import Credentials
from .module_source import Source

NAME = "go"
BUNDLED_KIND = "go-toolchain"


@dataclass(frozen=True)
class Go:
    executable: Path
    version: str


def provide(step: Step, cfg: Config, src: Source, default: str, creds: Credentials) -> Go:
    layers, buildpack_dir, arch, log = step.layers, step.ctx.buildpack_dir, step.ctx.target.arch, step.log
    version, hint = cfg.version, cfg.version_hint
    req = toolchain.resolve(version.value if version else "", version.source if version else "", src.mod,
                            default, (hint.value, hint.source) if hint else ("", ""))
    if toolchain.is_minor(req.version):
        newest = toolchain.newest_patch(req.version, default, arch, cfg.goenv, creds.authorization)
        req = toolchain.Request(newest, f"{req.why}: its newest release")
    layer = layers.get(NAME)
    own = bundled.use_in_place(buildpack_dir, BUNDLED_KIND, req.version, arch, layer)
    if own is not None:
        log.info(f"Go {req.version} ({req.why}): the builder's toolchain, used in place (nothing downloaded or "
                 "cached)")
        return Go(own.path / "bin" / "go", req.version)
    expected = {"version": req.version, "arch": arch, "layout": toolchain.LAYOUT}
    if not layer.reuse_or_reset(expected, log, f"Go {req.version} ({req.why}; not the builder's)"):
        with layer.removed_on_failure():
            toolchain.install(layer.path, req, arch, cfg.goenv, log, creds.authorization)
    layer.set_types(build=True, cache=True).write()
    return Go(layer.path / "bin" / "go", req.version)
