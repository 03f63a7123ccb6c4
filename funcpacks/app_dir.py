"""The app directory as it ships: the build user's, writable by nobody else.

The image runs as another user of the same group, so group write access would let the
function rewrite its own code. Sources arrive as pack or a git checkout left them (pack
makes /workspace itself 0777; a checkout under umask 002 is group-writable).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path


def seal(app: Path) -> None:
    """Removes group and other write access from app and everything in it that the
    build user owns (symbolic links have no mode of their own)."""
    me = os.getuid()
    for path in (app, *app.rglob("*")):
        try:
            st = path.lstat()
        except FileNotFoundError:  # gone while walking (a tool's temporary file)
            continue
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o022 and st.st_uid == me:
            os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o022)
