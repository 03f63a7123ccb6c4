"""A run image that carries the ASP.NET Core runtime (builder-dotnet's run-dotnet).

Its runtime is the one of the SDK the builder carries, laid out under ROOT as a runtime
layer is (runtime_files), with ICU. An app that resolves there to the frameworks a
runtime layer would bring gets no runtime layer: the runtime is a base layer of its
image, which a rebuild neither re-hashes nor hands to the Docker daemon again, and which
`pack rebase` can update. Any other app gets the runtime layer as on the general run
image.

    python3 -m dotnet_buildpack.run_image SDK_DIR DEST_DIR   # the runtime of SDK_DIR into DEST_DIR
"""
from __future__ import annotations

import sys
from pathlib import Path

from funcpacks.errors import UserError

from . import frameworks, runtime_files
from .frameworks import Framework

# Where run-dotnet keeps the runtime (DOTNET_ROOT there), as Microsoft's images do.
ROOT = Path("/usr/share/dotnet")
def serves(runtime_sdk: Path, runtimeconfig: dict) -> list[Framework] | None:
    """The frameworks the app resolves to in the run image (runtime_sdk: the carried SDK,
    whose runtime the run image holds), or None when it lacks one."""
    try:
        return frameworks.resolve(runtime_sdk, runtimeconfig)
    except UserError:
        return None


def all_frameworks(sdk_root: Path) -> list[Framework]:
    """Every shared framework of an SDK (the ASP.NET Core runtime and the one it builds on)."""
    return [Framework(d.parent.name, d.name, d.name)
            for d in sorted((sdk_root / "shared").glob("*/*")) if d.is_dir()]


def install(dest: Path, sdk_root: Path) -> list[Framework]:
    """The runtime of sdk_root into dest, laid out as DOTNET_ROOT."""
    shared = all_frameworks(sdk_root)
    if not shared:
        raise UserError(f"{sdk_root} has no shared frameworks", fix="use an official SDK archive")
    runtime_files.copy(dest, sdk_root, frameworks.newest_fxr(sdk_root), shared)
    return shared


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dest = Path(argv[1])
    dest.mkdir(parents=True, exist_ok=True)
    for fw in install(dest, Path(argv[0])):
        print(f"{fw.name} {fw.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
