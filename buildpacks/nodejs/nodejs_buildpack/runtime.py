"""Which Node.js builds and runs the function: the builder's own (the default version,
bundled in the buildpack and used in place, offline), or any other release of the index,
downloaded, verified and cached in the `node` layer (node_layer.py). A request the
default satisfies takes the default: `>=20` builds offline."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from funcpacks import bundled
from funcpacks.download import UrlMapping
from funcpacks.errors import UserError
from funcpacks.layers import Step

from . import node_layer, node_release, node_versions
from .config import Config

BUNDLED_KIND = "nodejs"


@dataclass(frozen=True)
class Node:
    version: str
    home: Path  # bin/node, lib/node_modules/npm, include/node

    @property
    def executable(self) -> Path:
        return self.home / "bin" / "node"

    @property
    def npm_cli(self) -> Path:
        return self.home / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"

    @property
    def npm_version(self) -> str:
        return str(json.loads((self.npm_cli.parent.parent / "package.json").read_text()).get("version", "?"))


def provide(step: Step, cfg: Config, default: str, index: str, mirrors: UrlMapping) -> Node:
    ctx, log = step.ctx, step.log
    arch = ctx.target.arch
    request = node_versions.alias(cfg.node_request, default) if cfg.node_request else ""
    asked = f" (asked for {cfg.node_request} in {cfg.node_request_origin})" if request else ""
    layer = step.layers.get(node_layer.NAME)
    if not request or node_versions.satisfies(default, request):
        own = bundled.use_in_place(ctx.buildpack_dir, BUNDLED_KIND, default, arch, layer)
        if own is not None:
            log.info(f"Node.js {default}{asked}: the builder's, used in place (nothing downloaded or cached)")
            return Node(default, own.path)
    releases = node_release.listing(index, arch, mirrors)
    version = node_versions.newest([r.version for r in releases], request or default)
    if version is None:
        raise UserError(f"no Node.js release matches {cfg.node_request!r} for linux/{arch}",
                        where=cfg.node_request_origin or "the builder's default",
                        fix=f"ask for a version the index has (newest of each line: {node_release.lines(releases)}); "
                            f"the builder carries {default}")
    release = next(r for r in releases if r.version == version)
    home = node_layer.provide(step, release, arch, mirrors, f"Node.js {version}{asked}")
    return Node(version, home)
