"""cgo: off unless the user turns it on (CGO_ENABLED=1), as OpenFunction's builder and
gcp-builder let them. A cgo binary links the build image's C library (glibc), so it needs a
run image that has one: the general builder's, or run-cc; not builder-go's static one."""
from __future__ import annotations

from typing import Mapping

from funcpacks import processes
from funcpacks.errors import UserError
from funcpacks.log import Logger


def enabled(env: Mapping[str, str], log: Logger) -> bool:
    value = env.get("CGO_ENABLED", "").strip()
    if value in ("", "0"):
        return False
    if value != "1":
        raise UserError(f"CGO_ENABLED={value!r} is neither 0 nor 1", where="the build's environment",
                        fix="set CGO_ENABLED=1 to build with cgo, or leave it unset")
    if processes.static_run_image(env):
        raise UserError("CGO_ENABLED=1 makes a binary that needs the C library, and this builder's run image "
                        "(static: no C library) has none", where="CGO_ENABLED in the build's environment",
                        fix="build with the general builder (funcpacks/builder, whose run image has glibc; "
                            "add --run-image funcpacks/run-cc:<tag> for a smaller one), or build without cgo")
    log.info("cgo enabled (CGO_ENABLED=1): the binary links the build image's C library (glibc); "
             "the run image must have it")
    return True
