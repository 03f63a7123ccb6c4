"""The `node` layer (build + cache): a Node.js release that is not the builder's,
downloaded once, verified against the index's sha256 and unpacked; reused while its
version, wheel and arch match what this build resolves."""
from __future__ import annotations

from pathlib import Path

from funcpacks.download import UrlMapping
from funcpacks.layers import Step

from . import node_release

NAME = "node"
# Bump when what is unpacked changes, so older cached trees are replaced.
LAYOUT = "1"


def provide(step: Step, release: node_release.Release, arch: str, mirrors: UrlMapping, what: str) -> Path:
    layer = step.layers.get(NAME)
    expected = {"version": release.version, "arch": arch, "sha256": release.sha256, "layout": LAYOUT}
    if not layer.reuse_or_reset(expected, step.log, f"{what}; not the builder's"):
        with layer.removed_on_failure():
            with step.log.timed(f"download of {release.filename} (verified against the index's sha256)"):
                node_release.install(release, layer.path, mirrors)
    layer.set_types(build=True, cache=True).write()
    return layer.path
