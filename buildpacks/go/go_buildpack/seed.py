"""The seed the builder carries (bundled kind "go-seed", made by seed_bundle.py when the
builder is made): the module cache and the build cache that builds of a function served by
each default functions framework left behind.

A build reads the seed's build cache in place through cacheprog.py (GOCACHEPROG), which
answers from the layer, else from the seed. The module cache has no such hook: before its
first go command, a build links the seed into its module cache layer, a symbolic link for
each module tree and each file of the download cache the layer does not hold itself. To the
go command the caches then hold what an earlier build of such a function would have left
there, so it downloads and compiles only what the seed lacks (the function's own packages;
modules or versions the frameworks do not use). The seed, root's in the builder, cannot be
written through either path.

When the build has finished, before the layer is sealed, the links are removed: a layer
keeps only what its builds added, and that is all the lifecycle restores and exports, and
all a cluster's cache image carries. A layer filled before the builder had this seed holds
copies of what the seed has, so each cache layer's metadata names the seed it was used with,
and a layer used with another seed (or none) starts empty.

Build-cache entries are linked only for the toolchain that compiled them (another
compiler's action IDs never match them); modules do not depend on the toolchain.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks import bundled
from funcpacks.bundled import Bundled

KIND = "go-seed"
MODULES = "modules"  # GOMODCACHE's layout
BUILD = "build"  # GOCACHE's layout: entries only
_DOWNLOAD_CACHE = "cache"  # GOMODCACHE/cache/download/...: files the go command reads one by one


def seeded(rel: Path) -> bool:
    """Whether a file of a module cache belongs in a seed: every file of a module tree; of
    the download cache, not a lock or a half-written file, and not a version list (the
    answer of a proxy on one day, not a fact)."""
    if rel.parts[:1] != (_DOWNLOAD_CACHE,):
        return True
    return not rel.name.endswith((".lock", ".partial", ".tmp")) and rel.name not in ("list", "lock") \
        and rel.parts[:2] != ("cache", "vcs")


def find(buildpack_dir: Path, arch: str) -> Bundled | None:
    return next((b for b in bundled.all_of(buildpack_dir, KIND) if b.arch == arch), None)


def identity(own: Bundled | None) -> str:
    """What a cache layer records of the seed it was used with ("" for none): which one,
    and the code that made it."""
    return f"{own.path.name} {own.facts.get('made-by', '')}" if own else ""


@dataclass
class Links:
    """The links one build made into a layer, and the directories it made for them."""

    made: list[Path] = field(default_factory=list)
    dirs: list[Path] = field(default_factory=list)

    def remove(self) -> None:
        """Removes the links (whatever the build did around them), then the directories
        that were made for them and hold nothing else."""
        for link in self.made:
            if link.is_symlink():
                link.unlink()
        for d in reversed(self.dirs):
            try:
                d.rmdir()
            except OSError:  # the go command put something of its own there
                pass

    def add(self, target: Path, link: Path) -> None:
        """A link to target at link, unless the layer holds something there itself."""
        if os.path.lexists(link):
            return
        missing = []
        parent = link.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for d in reversed(missing):
            d.mkdir()
            self.dirs.append(d)
        link.symlink_to(target)
        self.made.append(link)


def link_modules(own: Bundled | None, layer_dir: Path) -> Links:
    """Each module tree (<path>@<version>) as one link, each download-cache file as its
    own: the go command writes beside them (another version, a lock file, the checksum
    database's answers for modules the seed lacks), so the directories it writes in must
    be the layer's own."""
    links = Links()
    root = own.path / MODULES if own else None
    if root is None or not root.is_dir():
        return links
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel = here.relative_to(root)
        if rel.parts[:1] == (_DOWNLOAD_CACHE,):
            for name in filenames:
                if seeded(rel / name):
                    links.add(here / name, layer_dir / rel / name)
            continue
        for name in list(dirnames):
            if "@" in name:
                dirnames.remove(name)
                links.add(here / name, layer_dir / rel / name)
    return links


def build_cache(own: Bundled | None, go_version: str) -> Path | None:
    """The seed's build cache, when the toolchain the build uses made it (another
    compiler's action IDs never match its entries)."""
    if own is None or own.version != go_version or not (own.path / BUILD).is_dir():
        return None
    return own.path / BUILD
