"""Running a build tool (go, dotnet, pip, uv, Poetry) and turning its failure into a
UserError: what failed, where, the tool's own lines that say why, and the fix.

Each tool says why differently, so the caller picks: which part of the output is read
(stdout, stderr, both), which of its lines are worth showing, how many of the last ones,
hints for failures whose fix the tool does not name, and its own explanation for causes
it recognises. The helper only runs, collects and applies them in that one order.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .errors import UserError


@dataclass(frozen=True)
class Output:
    returncode: int
    stdout: str  # with stderr in it when the two were merged
    stderr: str = ""


def merged(out: Output) -> str:
    return out.stdout + out.stderr


def nonblank(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Hint:
    """When the tool's output contains `needle`, the failure is `what`, fixed by `fix`."""
    needle: str
    what: str
    fix: str


class ToolFailed(UserError):
    """A tool's failure; `output` is the output it was read from."""

    def __init__(self, what: str, *, output: str, where: str = "", fix: str = "", detail: str = "") -> None:
        super().__init__(what, where=where, fix=fix, detail=detail)
        self.output = output


@dataclass(frozen=True)
class Failure:
    """The usual failure: `what` and `fix` (or those of the first hint whose needle is in
    the output), `where`, and the last `tail` of the chosen lines as the detail."""
    what: str
    fix: str
    where: str = ""
    hints: tuple[Hint, ...] = ()
    tail: int = 25
    text: Callable[[Output], str] = merged  # the output the failure is read from
    lines: Callable[[str], list[str]] = nonblank  # the lines of that text worth showing
    # A cause the caller recognises in the text (e.g. a missing vendored wheel), which
    # wins over everything else.
    explain: Callable[[str], UserError | None] | None = None

    def __call__(self, out: Output) -> UserError:
        text = self.text(out)
        explained = self.explain(text) if self.explain else None
        if explained is not None:
            return explained
        what, fix = self.what, self.fix
        hint = next((h for h in self.hints if h.needle in text), None)
        if hint is not None:
            what, fix = hint.what, hint.fix
        return ToolFailed(what, where=self.where, fix=fix, detail="\n".join(self.lines(text)[-self.tail:]),
                          output=text)


def run(cmd: Sequence[str], failure: Callable[[Output], Exception], *, cwd: Path | None = None,
        env: dict[str, str] | None = None, merge_stderr: bool = True, echo: Callable[[str], None] | None = None,
        show: Callable[[Output], None] | None = None) -> Output:
    """Runs `cmd`; when it exits non-zero, raises what `failure` makes of its output.
    echo: each line as it comes (stderr is always merged then, whatever merge_stderr says;
    the lines are kept without their ends).
    show: the whole output once the tool ended, before a failure is raised."""
    if echo is not None:
        out = _streamed(cmd, cwd, env, echo)
    else:
        proc = subprocess.run(list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE, text=True)
        out = Output(proc.returncode, proc.stdout, proc.stderr or "")
    if show is not None:
        show(out)
    if out.returncode != 0:
        raise failure(out)
    return out


def _streamed(cmd: Sequence[str], cwd: Path | None, env: dict[str, str] | None, echo: Callable[[str], None]) -> Output:
    lines: list[str] = []
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        lines.append(line)
        echo(line)
    return Output(proc.wait(), "\n".join(lines))
