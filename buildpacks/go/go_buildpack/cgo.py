"""cgo: off unless the user turns it on (CGO_ENABLED=1), as OpenFunction's builder and
gcp-builder let them. A cgo binary links the build image's C library (glibc), so it needs a
run image that has one: the general builder's, or run-cc; not builder-go's static one."""
from __future__ import annotations

from funcpacks.errors import UserError
from funcpacks.log import Logger


def enabled(value: str, static_run_image: bool) -> bool:
    """CGO_ENABLED's value, checked against the run image."""
    value = value.strip()
    if value in ("", "0"):
        return False
    if value != "1":
        raise UserError(f"CGO_ENABLED={value!r} is neither 0 nor 1", where="the build's environment",
                        fix="set CGO_ENABLED=1 to build with cgo, or leave it unset")
    if static_run_image:
        raise UserError("CGO_ENABLED=1 makes a binary that needs the C library, and this builder's run image "
                        "(static: no C library) has none", where="CGO_ENABLED in the build's environment",
                        fix="build with the general builder (funcpacks/builder, whose run image has glibc; "
                            "add --run-image funcpacks/run-cc:<tag> for a smaller one), or build without cgo")
    return True


def report(enabled: bool, log: Logger) -> None:
    if enabled:
        log.info("cgo enabled (CGO_ENABLED=1): the binary links the build image's C library (glibc); "
                 "the run image must have it")
