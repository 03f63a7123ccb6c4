"""A cheap seal of a cache layer's contents, so that a damaged restore is never reused.

A cache layer is reused when its recorded metadata matches what the build expects; that says
the inputs are the same, not that the files came back whole. A cache volume that filled up
or that something else cleaned, or a storage fault, can leave files truncated or missing,
and the tools that read these caches do not all check what they read (the go command checks
the size of a build-cache output but not its contents, and the extracted module trees not at
all; NuGet trusts an installed package folder): the damage then surfaces as compiler errors
that blame the user's code, or not at all.

The seal is what a stat of every entry gives, never what reading a file would: how many files,
their total size, and a digest of the sorted list of (relative path, size) (symbolic links
with their targets, directories by name). Sealing or checking a cache of gigabytes costs one
walk of its directory tree, not a re-hash of its contents (re-hashing is what caching them is
meant to save). It catches files deleted, added, truncated or grown, and renamed; it does not
catch a file changed in place to the same size.

Use: once the build has finished writing a cache layer (after set_types), call
layer.seal(); it records the seal in the layer's metadata under SEAL and writes the toml.
Nothing else is needed: Layer.compare() (so reuse_or_reset()) checks a restored layer whose
metadata otherwise matches against its seal, and rebuilds it when the contents differ. The
seal takes no part in the comparison of metadata; a layer never sealed is reused unchecked.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEAL = "seal"  # the metadata key


@dataclass(frozen=True)
class Seal:
    files: int  # regular files and symbolic links
    bytes: int  # the regular files' sizes, summed
    digest: str  # sha256 of the sorted entry records (see _entries)

    @classmethod
    def of(cls, directory: Path) -> "Seal":
        """The seal of what is in `directory` now (an empty seal when it does not exist)."""
        lines, files, size = [], 0, 0
        for kind, rel, value in _entries(directory):
            lines.append(b"%s\0%s\0%s\0" % (kind, rel, value))
            if kind in (b"f", b"l"):
                files += 1
            if kind == b"f":
                size += int(value)
        lines.sort()
        return cls(files, size, "sha256:" + hashlib.sha256(b"".join(lines)).hexdigest())

    def __str__(self) -> str:
        return f"{self.files} files / {_size(self.bytes)}"

    def to_metadata(self) -> dict[str, Any]:
        return {"files": self.files, "bytes": self.bytes, "digest": self.digest}

    @classmethod
    def from_metadata(cls, data: Any) -> "Seal | None":
        """The recorded seal, or None when the record is not one."""
        try:
            files, size, digest = data["files"], data["bytes"], data["digest"]
        except (TypeError, KeyError):
            return None
        files, size = _count(files), _count(size)
        if files is None or size is None or not isinstance(digest, str):
            return None
        return cls(files, size, digest)


def _count(value: Any) -> int | None:
    """A recorded count. The lifecycle keeps layer metadata as JSON between builds, so a
    number written as an integer comes back as a float (226473283 as 226473283.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def damage(recorded: Any, directory: Path) -> str | None:
    """None when the contents of `directory` are as `recorded` (a SEAL metadata value);
    else why not, in words for the build log."""
    want = Seal.from_metadata(recorded)
    if want is None:
        return f"contents cannot be checked: the recorded seal is unreadable ({str(recorded):.60})"
    found = Seal.of(directory)
    if found == want:
        return None
    if (found.files, found.bytes) == (want.files, want.bytes):
        return f"contents damaged: {want} recorded, as many found, but under other names or with other sizes"
    recorded_size, found_size = _size(want.bytes), _size(found.bytes)
    if recorded_size == found_size and want.bytes != found.bytes:
        recorded_size, found_size = f"{want.bytes:,} bytes", f"{found.bytes:,} bytes"
    return (f"contents damaged: {want.files} files / {recorded_size} recorded, "
            f"{found.files} files / {found_size} found")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _entries(top: Path):
    """(kind, relative path, size or link target) of everything below `top`, from lstat
    alone: b"f" regular file, b"l" symbolic link, b"d" directory, b"o" anything else."""
    stack = [b""]
    root = os.fsencode(top)
    while stack:
        rel_dir = stack.pop()
        try:
            it = os.scandir(os.path.join(root, rel_dir) if rel_dir else root)
        except FileNotFoundError:
            continue
        with it:
            for entry in it:
                rel = os.path.join(rel_dir, entry.name) if rel_dir else entry.name
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    yield b"f", rel, b"%d" % st.st_size
                elif stat.S_ISLNK(st.st_mode):
                    yield b"l", rel, os.readlink(entry.path)
                elif stat.S_ISDIR(st.st_mode):
                    yield b"d", rel, b""
                    stack.append(rel)
                else:
                    yield b"o", rel, b""
