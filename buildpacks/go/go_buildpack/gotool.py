"""Running the go command and turning its failures into errors the user can act on."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from funcpacks.errors import UserError

TAIL_LINES = 25


@dataclass(frozen=True)
class Hint:
    """When the go command's output contains `needle`, the failure is `what`, fixed by `fix`."""
    needle: str
    what: str
    fix: str


# Failures whose cause the go command names but whose fix it does not.
VENDOR_HINTS = (
    Hint("inconsistent vendoring", "vendor/ does not match go.mod",
         "run 'go mod vendor' and commit vendor/ (or remove vendor/ to download modules)"),
    Hint("is not in vendor/modules.txt", "vendor/ lacks a package the build imports",
         "run 'go mod vendor' and commit vendor/"),
)


# Whatever the command, a proxy or server that wants credentials it did not get. (Not 403:
# the public proxy answers it for versions it will not serve.)
AUTH_HINTS = (
    Hint("401 Unauthorized", "a module source answered 401 Unauthorized: it needs credentials the build did not "
                             "have (or refused them)",
         "give them in a build-only service binding of type netrc (entry .netrc: 'machine HOST[:PORT] login USER "
         "password TOKEN') or git-credentials; GOPRIVATE / GONOSUMDB for modules the checksum database cannot know"),
)


# Progress lines, not part of any failure.
_PROGRESS = ("go: downloading ", "go: finding module for package ")


class GoFailed(UserError):
    def __init__(self, what: str, output: str, fix: str) -> None:
        lines = [line for line in output.strip().splitlines() if not line.startswith(_PROGRESS)]
        super().__init__(what, detail="\n".join(lines[-TAIL_LINES:]), fix=fix)
        self.output = output


def run(go: Path, args: list[str], cwd: Path, env: dict[str, str], what: str, fix: str,
        hints: tuple[Hint, ...] = ()) -> str:
    proc = subprocess.run([str(go), *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode != 0:
        # Paths in the compiler's messages are relative to the copy: show them as the user's.
        out = proc.stdout.replace(str(cwd) + "/", "")
        for hint in (*hints, *AUTH_HINTS):
            if hint.needle in out:
                raise GoFailed(hint.what, out, hint.fix)
        raise GoFailed(what, out, fix)
    return proc.stdout
