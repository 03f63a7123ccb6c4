"""The user the lifecycle runs the buildpacks as: one the stack was made for, never root.

The platform chooses it. pack, kpack and knative func take the builder's CNB_USER_ID and
CNB_GROUP_ID; build strategies pass their own fixed -uid/-gid and runAsUser (OpenFunction's
`openfunction` strategy and Tekton's catalog tasks 1000:1000, Shipwright's buildpacks-v3
sample 1001:1000). The lifecycle itself only asks the build image for a passwd entry, so it
would build as root, or as a system user of another group, without a word. Both ship an
image that is wrong in a way found only later: a build as root runs the source's own build
code (setup.py, MSBuild targets, cgo) with root's privileges, and files made by a user
outside the stack's group cannot be read by the run image's user, which reads the app
through that group, so the function fails when it starts. Refused here, in detect, before
anything is built.
"""
from __future__ import annotations

import os

from .errors import UserError


def check(uids: tuple[int, ...], gid: int) -> None:
    """Raises UserError unless this process runs as one of `uids` with group `gid`."""
    uid, group = os.getuid(), os.getgid()
    if uid in uids and group == gid:
        return
    supported = " or ".join(f"{u}:{gid}" for u in uids)
    if uid == 0:
        what = f"the lifecycle runs this build as root (uid 0, gid {group}); funcpacks never builds as root"
    else:
        what = (f"the lifecycle runs this build as uid {uid}, gid {group}; this builder builds as "
                f"{supported} (uid:gid)")
        if group != gid:
            what += f": files of group {group} could not be read by the run image's user (group {gid})"
    raise UserError(
        what,
        where="the platform's user for the lifecycle: pack/kpack take the builder's CNB_USER_ID/CNB_GROUP_ID; "
              "a build strategy its USER_ID/GROUP_ID parameters and its create step's runAsUser/runAsGroup",
        fix=f"run the lifecycle as {supported}: for a build strategy, set USER_ID and GROUP_ID (and the step's "
            f"runAsUser/runAsGroup) to one of them")
