"""The app directory as it ships: the build user's, writable by nobody else.

The image runs as another user of the same group, so group write access would let the
function rewrite its own code. Sources arrive as pack or a git checkout left them (pack
makes /workspace itself 0777; a checkout under umask 002 is group-writable).

The lifecycle exports the app directory with its parents: a strategy that builds a
subdirectory of its source volume (`-app=/workspace/source/<sourceSubPath>`) ships
/workspace/source and what lies between, with the modes they have at export. A volume is
world-writable when the pod starts (an emptyDir) and not every strategy tightens it
(OpenFunction's own does not), so the parents the build user owns are sealed too.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path


def seal(app: Path) -> None:
    """Removes group and other write access from app, everything in it and its parents,
    where the build user owns them (symbolic links have no mode of their own). Root's
    parents are left alone: a builder never builds as root (build_user.py), and a host run
    as root must not change its /tmp."""
    me = os.getuid()
    parents = app.absolute().parents if me != 0 else ()
    for path in (*parents, app, *app.rglob("*")):
        try:
            st = path.lstat()
        except FileNotFoundError:  # gone while walking (a tool's temporary file)
            continue
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o022 and st.st_uid == me:
            os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o022)
