"""The architectures funcpacks makes images for, and how one machine makes them all.

Every stack image and builder exists for linux/amd64 and linux/arm64, from the same
package lists and the same pins. Locally each architecture is a tag of its own: the
machine's own architecture keeps the name versions.toml gives (funcpacks/builder:trixie),
another one gets the architecture appended (funcpacks/builder:trixie-arm64), since the
Docker engine holds one image per name. Published, each name is one image index holding
both (publish.py).

A foreign architecture is made and run here through Debian's qemu-user-static: its
binfmt_misc entry (with the F flag, so the interpreter also serves containers) lets the
kernel run that architecture's programs. Without it, that architecture is skipped with the
reason printed (emulator_missing).
"""
from __future__ import annotations

from pathlib import Path

from funcpacks.context import machine_arch

# Every buildpack.toml lists these as its [[targets]] (builder.check_descriptor).
ARCHES = ("amd64", "arm64")
# binfmt_misc entry names of Debian's qemu-user-static, by architecture.
_QEMU_ENTRIES = {"amd64": "qemu-x86_64", "arm64": "qemu-aarch64"}
BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")
# Debian's multiarch directory of each (usr/lib/<triplet>/).
TRIPLETS = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}


def host() -> str:
    return machine_arch()


def named(names: list[str] | None) -> list[str] | None:
    """Architectures as a command line names them: "host" is this machine's."""
    return None if not names else list(dict.fromkeys(host() if n == "host" else n for n in names))


def local(image: str, arch: str) -> str:
    """The local name of an image (versions.toml's name) for arch."""
    return image if arch == host() else f"{image}-{arch}"


def platform_of(arch: str) -> str:
    return f"linux/{arch}"


def emulator_missing(arch: str, binfmt_dir: Path = BINFMT_DIR) -> str | None:
    """Why this machine cannot run arch's programs (None when it can)."""
    if arch == host():
        return None
    if arch not in _QEMU_ENTRIES:
        return f"{arch} is not an architecture funcpacks makes images for ({', '.join(ARCHES)})"
    entry = binfmt_dir / _QEMU_ENTRIES[arch]
    if not (binfmt_dir / "status").exists():
        return (f"binfmt_misc is not mounted at {binfmt_dir}, so {arch} programs cannot run here: "
                "run 'make tools' as root (it mounts it and registers qemu-user-static)")
    if not entry.exists():
        return (f"no emulator for {arch} is registered in {binfmt_dir}: run 'make tools' "
                "(it installs qemu-user-static and binfmt-support)")
    lines = entry.read_text().splitlines()
    if "enabled" not in lines:
        return f"{entry} is disabled: run 'update-binfmts --enable {entry.name}' as root (or 'make tools')"
    flags = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("flags:")), "")
    if "F" not in flags:
        return (f"{entry} lacks the F (fix-binary) flag, so containers cannot use it: "
                "install Debian's qemu-user-static, whose entries carry it")
    return None


def runnable(wanted: tuple[str, ...] | list[str] = ARCHES) -> tuple[list[str], dict[str, str]]:
    """(the architectures of wanted this machine can make, {skipped arch: reason})."""
    skipped = {arch: why for arch in wanted if (why := emulator_missing(arch))}
    return [a for a in wanted if a not in skipped], skipped
