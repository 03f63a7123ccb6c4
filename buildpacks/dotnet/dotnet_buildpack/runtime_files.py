"""The files of a .NET runtime, taken from an SDK: the `dotnet` host, one host/fxr and the
shared frameworks asked for. A runtime layer and run-dotnet's runtime are laid out alike."""
from __future__ import annotations

import shutil
from pathlib import Path

from .frameworks import Framework


def copy(dest: Path, sdk_root: Path, fxr: str, needed: list[Framework]) -> None:
    shutil.copy2(sdk_root / "dotnet", dest / "dotnet")
    shutil.copytree(sdk_root / "host" / "fxr" / fxr, dest / "host" / "fxr" / fxr, symlinks=True)
    for fw in needed:
        shutil.copytree(sdk_root / "shared" / fw.name / fw.version, dest / "shared" / fw.name / fw.version, symlinks=True)
    for notice in ("LICENSE.txt", "ThirdPartyNotices.txt"):
        if (sdk_root / notice).is_file():
            shutil.copy2(sdk_root / notice, dest / notice)
