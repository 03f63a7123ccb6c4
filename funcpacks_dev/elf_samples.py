"""Minimal ELF64 files for tests of the program checks: a header and program headers only,
for any machine, type and interpreter, so the checks are tested for every architecture
and C library on any host."""
from __future__ import annotations

import struct

MACHINES = {"amd64": 62, "arm64": 183, "riscv64": 243}
LOADERS = {"amd64": "/lib64/ld-linux-x86-64.so.2", "arm64": "/lib/ld-linux-aarch64.so.1"}


def elf(arch: str, *, interpreter: str | None = None, elf_type: int = 2) -> bytes:
    """An ELF64 little-endian file for `arch`; with a PT_INTERP naming `interpreter` when
    given ("" means statically linked)."""
    phnum = 1 if interpreter else 0
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", elf_type, MACHINES[arch], 1, 0x401000, 64 if phnum else 0, 0, 0,
                          64, 56, phnum, 64, 0, 0)
    if not interpreter:
        return header
    data = interpreter.encode() + b"\0"
    offset = 64 + 56
    phdr = struct.pack("<IIQQQQQQ", 3, 4, offset, offset, offset, len(data), len(data), 1)
    return header + phdr + data
