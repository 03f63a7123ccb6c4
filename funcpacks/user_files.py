"""The user's paths and files, read the one way every buildpack reads them.

Paths: a setting or a file field that names a path (GOOGLE_FUNCTION_SOURCE, GOOGLE_BUILDABLE,
a requirements file's -r include, ...) is resolved here against the app directory, once.
Anything that lands outside it, by `..`, an absolute path or a symbolic link that leaves the
tree, is refused: a build must not read (and then quote in its log, which platforms keep
and show) a file of the build container or a mounted credential. The error names the
setting and the value, never what the target holds.

Files: a user file is text the build parses. Before any parser sees it, it is checked to be
a regular file of sane size, without NUL bytes, in UTF-8: each failure is a UserError that
names the file and the byte offset (line and column) and says what to do, so no parser
meets bytes it would fail on with a traceback.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import UserError

# Larger user files are refused rather than parsed: no dependency or project file comes
# near it, and a parser given gigabytes would hold the build's memory.
MAX_BYTES = 16 * 1024 * 1024


def inside(app_dir: Path, value: str, setting: str, *, what: str = "path", where: str | None = None,
           fix: str | None = None) -> Path:
    """The path `value` names, relative to app_dir; refused when it leaves app_dir.

    setting: where the value comes from, as the user wrote it (`GOOGLE_FUNCTION_SOURCE`,
    `requirements.txt line 3 (-r)`). The path need not exist; when it (or a parent) is a
    symbolic link, where the link leads is what is checked. where and fix, when given,
    replace the error's (the file that holds the path; what to do in that file's terms)."""
    where = where or setting
    if "\0" in value:
        raise UserError(f"{setting} holds a NUL character, which no {what} can contain", where=where,
                        fix=fix or f"set {setting} to a {what} inside the source, relative to its root")
    if os.path.isabs(value):
        raise UserError(f"{setting}={value!r} is an absolute path; a {what} must be inside the source", where=where,
                        fix=fix or f"name the {what} relative to the root of the source (the directory that is built)")
    root = app_dir.resolve()
    target = (root / value).resolve()
    if not target.is_relative_to(root):
        lexical = os.path.normpath(value)
        how = "through a symbolic link" if not lexical.startswith("..") else "with '..'"
        raise UserError(f"{setting}={value!r} leads outside the source ({how}); a build reads only the source",
                        where=where,
                        fix=fix or f"name a {what} inside the source, relative to its root; copy what it needs into "
                                   "the source")
    return target


def refuse_links_out(app_dir: Path, skip: frozenset[str] = frozenset({".git"})) -> None:
    """Every symbolic link in the source must lead inside it. The build reads the source
    through its links (a compiler, an installer packing a project, a copy of the source),
    so a link to /platform/bindings/<name>/password or the build image's files would carry
    them into the image or its log; in the image itself such a link leads nowhere useful.
    The error names the link and what it says, never what is at its target."""
    root = app_dir.resolve()
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in dirs + files:
            path = Path(directory) / name
            if not path.is_symlink() or Path(os.path.realpath(path)).is_relative_to(root):
                continue
            rel = path.relative_to(root).as_posix()
            raise UserError(f"{rel} is a symbolic link to {os.readlink(path)!r}, outside the source; a build reads "
                            "only the source", where=rel,
                            fix="replace the link with the file or directory itself, or point it at a path inside "
                                "the source (relative, e.g. ../shared/config)")


def read_source_file(app_dir: Path, rel: str, *, max_bytes: int = MAX_BYTES) -> str:
    """The text of the file `rel` of the source (a project or dependency file at a fixed
    place): refused when it is a link out of the source, else as read_text."""
    return read_text(inside(app_dir, rel, rel, what="file"), rel, max_bytes=max_bytes)


def read_text(path: Path, shown: str, *, max_bytes: int = MAX_BYTES) -> str:
    """The text of a user file the build parses. shown: the file as the user knows it
    (relative to the source root). Refuses what read_bytes refuses and bytes that are not
    UTF-8 (a UTF-8 byte order mark is dropped)."""
    data = read_bytes(path, shown, max_bytes=max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{shown} is not UTF-8: byte 0x{data[exc.start]:02x} cannot start or continue a character",
                        where=_position(shown, data, exc.start),
                        fix=f"save {shown} as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)") from None
    return text.removeprefix("\ufeff")


def read_bytes(path: Path, shown: str, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a user file the build parses (Python source, whose encoding its own
    coding line may name). Refuses a directory or other non-file, a file over max_bytes
    and NUL bytes."""
    if path.is_dir():
        raise UserError(f"{shown} is a directory; a file is expected there", where=shown,
                        fix=f"rename the directory, or make {shown} a file")
    if not path.is_file():
        raise UserError(f"{shown} is not a regular file", where=shown,
                        fix=f"make {shown} a regular file of the source (a link must lead to a file inside it)")
    size = path.stat().st_size
    if size > max_bytes:
        raise UserError(f"{shown} is {size} bytes; a file the build reads may hold at most {max_bytes}", where=shown,
                        fix=f"check that {shown} is the file you meant (not data or a build output)")
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"{shown} is UTF-16 text (it starts with a UTF-16 byte order mark); the build reads UTF-8",
                        where=shown, fix=f"save {shown} as UTF-8 (e.g. `iconv -f utf-16 -t utf-8`)")
    nul = data.find(b"\0")
    if nul >= 0:
        raise UserError(f"{shown} holds a NUL byte, so it is not a text file", where=_position(shown, data, nul),
                        fix=f"save {shown} as UTF-8 text (a UTF-16 editor setting writes NUL bytes)")
    return data


def _position(shown: str, data: bytes, offset: int) -> str:
    """`file: byte N (line L, column C)`, lines and columns counted from 1."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"{shown}: byte {offset} (line {line}, column {column})"
