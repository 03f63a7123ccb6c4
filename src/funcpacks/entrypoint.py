#!/usr/bin/env python3
"""Entry point of every funcpacks buildpack: packaged as its bin/detect and bin/build.

The phase is the name this file was run as; the buildpack's own module is named in
buildpack.toml ([metadata] module) and provides detect(ctx) and build(ctx).
"""
import sys

sys.dont_write_bytecode = True  # /cnb is read-only at build time

from pathlib import Path  # noqa: E402

BUILDPACK_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(BUILDPACK_DIR / "lib"), str(BUILDPACK_DIR)]

from funcpacks import phase  # noqa: E402

phase.main(BUILDPACK_DIR, Path(sys.argv[0]).name, sys.argv)
