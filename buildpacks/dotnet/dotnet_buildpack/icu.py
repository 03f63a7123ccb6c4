"""ICU for framework-dependent apps: the run image carries none (only .NET uses it, and
it is a third of a Python image's size), so the runtime layer brings the build image's.

.NET's globalization code dlopens libicuuc/libicui18n by their versioned names; the
lifecycle puts a launch layer's lib/ on LD_LIBRARY_PATH, where the runtime finds them.
An app published with InvariantGlobalization loads no ICU and gets none.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from funcpacks import sbom
from funcpacks.errors import UserError

# What the runtime loads (uc, i18n) and what they load (data).
LIBRARIES = ("libicudata", "libicuuc", "libicui18n")
INVARIANT_PROPERTY = "System.Globalization.Invariant"


@dataclass(frozen=True)
class Icu:
    package: str  # the Debian package the files come from, e.g. "libicu76"
    version: str  # its Debian version
    files: tuple[Path, ...]  # the shared objects and their version links

    def component(self) -> sbom.Component:
        return sbom.Component(self.package, self.version, "deb", namespace="debian")

    def size_mb(self) -> float:
        return sum(f.stat().st_size for f in self.files if not f.is_symlink()) / 1e6


def needed(runtimeconfig: dict) -> bool:
    props = runtimeconfig.get("runtimeOptions", {}).get("configProperties", {})
    return props.get(INVARIANT_PROPERTY) is not True


def _dpkg_query(*args: str) -> str:
    proc = subprocess.run(["dpkg-query", *args], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def find(lib_root: Path = Path("/usr/lib")) -> Icu:
    """The build image's ICU, with the Debian package that installed it (for the SBOM)."""
    files = tuple(sorted(p for name in LIBRARIES for p in lib_root.glob(f"*-linux-gnu/{name}.so.*")))
    if not any(f.name.startswith("libicuuc.") for f in files):
        raise UserError("the build image carries no ICU (libicuuc), which framework-dependent .NET apps load",
                        fix="build with a funcpacks build image, or publish with "
                            "<InvariantGlobalization>true</InvariantGlobalization> in the project")
    real = next(f for f in files if not f.is_symlink())
    owner = _dpkg_query("--search", str(real)).split(":", 1)[0]
    version = _dpkg_query("--show", "--showformat=${Version}", owner) if owner else ""
    return Icu(owner or "icu", version or real.name.split(".so.", 1)[1], files)


def install(icu: Icu, layer_dir: Path) -> None:
    lib = layer_dir / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    for f in icu.files:
        shutil.copy2(f, lib / f.name, follow_symlinks=False)
