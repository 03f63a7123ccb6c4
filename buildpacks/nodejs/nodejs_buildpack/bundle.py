"""Bundles Node.js into a packaged buildpack (`make builder` runs this with the buildpack's
own package on the import path): the wheel of the pinned version for the arch, found in
the index and verified against both the index's sha256 and the one pinned in versions.toml,
unpacked exactly as a build unpacks another version into its `node` layer.

    python3 -m nodejs_buildpack.bundle <bundled dir> <version> <arch> <sha256> <index>
"""
from __future__ import annotations

import sys
from pathlib import Path

from funcpacks import bundled
from funcpacks.errors import UserError

from . import node_release
from .runtime import BUNDLED_KIND


def name(version: str, arch: str) -> str:
    return f"node-v{version}-linux-{arch}"


def bundle(bundled_dir: Path, version: str, arch: str, sha256: str, index: str) -> Path:
    releases = [r for r in node_release.listing(index, arch) if r.version == version]
    if not releases:
        raise UserError(f"the index has no Node.js {version} wheel for linux/{arch}", where=index,
                        fix="pin a version the index has in versions.toml [nodejs]")
    release = releases[0]
    if release.sha256 != sha256:
        raise UserError(f"the index's sha256 of {release.filename} is {release.sha256}, versions.toml pins {sha256}",
                        where=index, fix="check the index (or its mirror); change the pin only for a new version")
    dest = bundled_dir / name(version, arch)
    dest.mkdir(parents=True)
    node_release.install(release, dest)
    bundled.describe(dest, BUNDLED_KIND, version, arch, {"sha256": sha256, "wheel": release.filename})
    return dest


if __name__ == "__main__":
    sys.exit(bundled.command(sys.argv[1:], __doc__, "funcpacks/nodejs bundle", bundle))
