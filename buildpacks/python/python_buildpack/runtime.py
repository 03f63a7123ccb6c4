"""Which CPython runs the function.

Today the only source of interpreters is the stack (the build and run images carry the
same Debian python3). Sources are pluggable: a source that downloads interpreters into a
layer can be added to SOURCES without touching the resolution rules.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from funcpacks.errors import UserError
from funcpacks.log import Logger


@dataclass(frozen=True)
class Interpreter:
    version: str  # "3.11.2"
    executable: Path
    source: str


class InterpreterSource(Protocol):
    name: str

    def available(self) -> list[Interpreter]: ...


class StackInterpreter:
    """The python3 of the stack images (identical in build and run image)."""

    name = "stack"

    def __init__(self, executable: Path = Path("/usr/bin/python3")) -> None:
        self.executable = executable

    def available(self) -> list[Interpreter]:
        if not self.executable.exists():
            return []
        out = subprocess.run([str(self.executable), "-c",
                              "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return [Interpreter(out, self.executable, self.name)]


SOURCES: list[InterpreterSource] = [StackInterpreter()]

_PREFIXES = re.compile(r"^(c?python)[-_ ]?", re.IGNORECASE)


def normalize(request: str) -> str:
    """'python-3.11.2' / 'python311' / '3.11.*' / '3.11.x' -> a dotted version prefix."""
    r = _PREFIXES.sub("", request.strip())
    if re.fullmatch(r"3\d{1,2}", r):  # gcp's runtime ids: python311
        r = f"{r[0]}.{r[1:]}"
    r = re.sub(r"\.(\*|x)$", "", r)
    if not re.fullmatch(r"\d+(\.\d+){0,2}", r):
        raise ValueError(request)
    return r


def matches(version: str, prefix: str) -> bool:
    return version == prefix or version.startswith(prefix + ".")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def resolve(request: str, origin: str, sources: list[InterpreterSource] | None = None) -> Interpreter:
    found = [i for s in (SOURCES if sources is None else sources) for i in s.available()]
    if not found:
        raise UserError("no Python interpreter is available on this stack",
                        fix="use a funcpacks build image (it carries python3)")
    found.sort(key=lambda i: _key(i.version), reverse=True)
    if not request:
        return found[0]
    have = ", ".join(f"{i.version} ({i.source})" for i in found)
    try:
        prefix = normalize(request)
    except ValueError:
        raise UserError(f"cannot read the requested Python version {request!r}", where=origin,
                        fix=f"give a version such as 3.11 or 3.11.2; available: {have}") from None
    for interp in found:
        if matches(interp.version, prefix):
            return interp
    raise UserError(f"Python {request} is not available", where=origin,
                    fix=f"ask for one of the available versions: {have} (or remove the request)")


def choose(request: str, origin: str, log: Logger) -> Interpreter:
    """The interpreter for this build, with the log line that says which and why."""
    interp = resolve(request, origin)
    asked = f" (asked for {request} in {origin})" if request else ""
    log.info(f"CPython {interp.version} from the {interp.source}{asked}")
    return interp
