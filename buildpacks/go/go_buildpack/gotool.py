"""Running the go command and turning its failures into errors the user can act on."""
from __future__ import annotations

from pathlib import Path

from funcpacks import tool_run
from funcpacks.tool_run import Hint

TAIL_LINES = 25
# The go command's failures, as GoFailed: the output they were read from is `output`.
GoFailed = tool_run.ToolFailed

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


def _shown(output: str) -> list[str]:
    return [line for line in output.strip().splitlines() if not line.startswith(_PROGRESS)]


def run(go: Path, args: list[str], cwd: Path, env: dict[str, str], what: str, fix: str,
        hints: tuple[Hint, ...] = ()) -> str:
    # Paths in the compiler's messages are relative to the copy: show them as the user's.
    failure = tool_run.Failure(what, fix, hints=(*hints, *AUTH_HINTS), tail=TAIL_LINES, lines=_shown,
                               text=lambda out: out.stdout.replace(str(cwd) + "/", ""))
    return tool_run.run([str(go), *args], failure, cwd=cwd, env=env).stdout
