"""Bundles a Go toolchain into a packaged buildpack (`make builder` runs this with the
buildpack's own package on the import path): fetched from the module proxy and verified
against the checksum database exactly as a build fetches one.

    python3 -m go_buildpack.bundle <bundled dir> <version> <arch> <GOPROXY> <GOSUMDB>
"""
from __future__ import annotations

import sys
from pathlib import Path

from funcpacks import bundled
from funcpacks.log import Logger

from . import toolchain
from .proxy import GoEnv
from .toolchain_layer import BUNDLED_KIND


def bundle(bundled_dir: Path, version: str, arch: str, goproxy: str, gosumdb: str) -> Path:
    dest = bundled_dir / f"go{version}.linux-{arch}"
    dest.mkdir(parents=True)
    h1 = toolchain.install(dest, toolchain.Request(version, "the builder's default"), arch, GoEnv(goproxy, gosumdb),
                           Logger("funcpacks/go bundle"), require_verified=True)
    bundled.describe(dest, BUNDLED_KIND, version, arch, {"h1": h1, "module": toolchain.MODULE,
                                                         "layout": toolchain.LAYOUT})
    return dest


if __name__ == "__main__":
    sys.exit(bundled.command(sys.argv[1:], __doc__, "funcpacks/go bundle", bundle))
