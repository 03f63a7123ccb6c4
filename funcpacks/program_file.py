"""What a file a process starts is, read from its first bytes, without running it: an ELF
program (for which machine, linked how), a script (with which interpreter), or neither.

A build that succeeds must produce an image that starts. The kernel only starts an ELF
program for its own machine, whose interpreter (the C library's dynamic loader, for a
dynamically linked program) exists in the image, or a `#!` script whose interpreter does;
anything else, a Go package archive, an object file, a program built for musl or for the
other architecture, passes every other check and fails at every start of the image.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

_ELF_MAGIC = b"\x7fELF"
_HEAD = 4096  # the ELF header and, for every program a compiler writes, its program headers
_PT_INTERP = 3
_ET_EXEC, _ET_DYN = 2, 3
# e_machine of the architectures the CNB targets name (by their GOARCH-style names), and
# of others a user might bring, named in messages.
MACHINES = {62: "amd64", 183: "arm64", 243: "riscv64", 21: "ppc64le", 22: "s390x"}
# The glibc dynamic loader of each architecture: the Debian run images hold it.
GLIBC_LOADERS = {"amd64": "/lib64/ld-linux-x86-64.so.2", "arm64": "/lib/ld-linux-aarch64.so.1"}
_ARCHIVE_MAGIC = b"!<arch>\n"


@dataclass(frozen=True)
class ProgramFile:
    kind: str  # "elf", "script", "archive" (ar: a Go package or C library), "binary" or "text"
    arch: str = ""  # elf: the CNB arch name, or "machine <n>" for one no target names
    elf_type: int = 0  # elf: e_type (2 a program, 3 a position-independent program or library)
    interpreter: str = ""  # elf: PT_INTERP ("" when statically linked); script: the #! program

    def describe(self) -> str:
        if self.kind == "elf":
            linked = f"dynamically linked ({self.interpreter})" if self.interpreter else "statically linked"
            return f"an ELF program for {self.arch}, {linked}"
        return {"script": f"a script for {self.interpreter or 'no interpreter'}",
                "archive": "an ar archive (a compiled package or library, not a program)",
                "binary": "a binary file that is not an ELF program",
                "text": "a text file without a #! line"}[self.kind]


def read(path: Path) -> ProgramFile:
    with path.open("rb") as f:
        head = f.read(_HEAD)
    if head.startswith(_ELF_MAGIC):
        return _elf(path, head)
    if head.startswith(b"#!"):
        words = head[2:].split(b"\n", 1)[0].decode("utf-8", errors="replace").split()
        return ProgramFile("script", interpreter=words[0] if words else "")
    if head.startswith(_ARCHIVE_MAGIC):
        return ProgramFile("archive")
    return ProgramFile("binary" if b"\0" in head else "text")


def _elf(path: Path, head: bytes) -> ProgramFile:
    if len(head) < 64 or head[4] != 2 or head[5] != 1:
        # 32-bit or big-endian: no target of these images runs either.
        return ProgramFile("elf", arch="a 32-bit or big-endian machine")
    e_type, e_machine = struct.unpack_from("<HH", head, 16)
    e_phoff, = struct.unpack_from("<Q", head, 32)
    e_phentsize, e_phnum = struct.unpack_from("<HH", head, 54)
    arch = MACHINES.get(e_machine, f"machine {e_machine}")
    interpreter = ""
    with path.open("rb") as f:
        for i in range(min(e_phnum, 256)):
            f.seek(e_phoff + i * e_phentsize)
            entry = f.read(56)
            if len(entry) < 56:
                break
            p_type, = struct.unpack_from("<I", entry, 0)
            if p_type == _PT_INTERP:
                p_offset, = struct.unpack_from("<Q", entry, 8)
                p_filesz, = struct.unpack_from("<Q", entry, 32)
                f.seek(p_offset)
                interpreter = f.read(min(p_filesz, 4096)).split(b"\0", 1)[0].decode("utf-8", errors="replace")
                break
    return ProgramFile("elf", arch=arch, elf_type=e_type, interpreter=interpreter)


def why_not_runnable(found: ProgramFile, arch: str, has_libc: bool) -> str | None:
    """Why an ELF file cannot start on an image of `arch` (with or without glibc); None
    when it can. Scripts and other kinds are judged by the caller, which knows the shell."""
    if found.kind != "elf":
        return None
    if found.arch != arch:
        return f"it is built for {found.arch}, and the image is {arch}"
    if found.elf_type not in (_ET_EXEC, _ET_DYN):
        return "it is an ELF object file, not a program"
    if not found.interpreter:
        return None
    if not has_libc:
        return (f"it is dynamically linked ({found.interpreter}), and this run image has no C library: "
                "it would not start")
    if found.interpreter != GLIBC_LOADERS.get(arch):
        return (f"it needs the loader {found.interpreter} (another C library, such as musl), and the run image "
                f"has glibc's ({GLIBC_LOADERS.get(arch, 'none for this architecture')})")
    return None
