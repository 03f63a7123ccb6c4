"""func.yaml, the project file of Knative Functions (`func`): its `runtime` names the
language and its `invoke` whether the function takes HTTP requests or CloudEvents.

Only those two top-level scalars are read. The build image's python3 has no YAML parser
(the buildpacks use the standard library and the Debian packages the stack pins), and func
writes both as plain `key: value` lines at the top level, so a line reader is exact for
them; anything else in the file (build envs, volumes, deploy settings) is the CLI's, not
the builder's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

NAME = "func.yaml"
# func's runtimes -> the language that builds them here; None: a runtime funcpacks lacks.
RUNTIMES: dict[str, str | None] = {
    "go": "go", "python": "python", "node": "nodejs", "typescript": "nodejs",
    "quarkus": None, "springboot": None, "rust": None,
}
INVOKES = ("http", "cloudevent")
_TOP_SCALAR = re.compile(r"^([A-Za-z][\w-]*):[ \t]*(.*?)[ \t]*$")
# The largest func.yaml read: func writes a few hundred bytes; more is not a func.yaml.
_MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class FuncYaml:
    runtime: str  # '' when the file names none
    invoke: str  # 'http' (func's default) or 'cloudevent'
    invoke_given: bool  # whether the file says it (else the signature decides)


def _scalar(raw: str) -> str:
    """A plain or quoted YAML scalar without a trailing comment."""
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        return raw[1:end] if end > 0 else raw[1:]
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def read(app_dir: Path) -> FuncYaml | None:
    path = app_dir / NAME
    if not path.is_file() or path.is_symlink():
        return None
    data = path.read_bytes()[:_MAX_BYTES].decode("utf-8", errors="replace")
    found: dict[str, str] = {}
    for line in data.splitlines():
        m = _TOP_SCALAR.match(line)
        if m and m.group(1) in ("runtime", "invoke") and m.group(1) not in found:
            found[m.group(1)] = _scalar(m.group(2))
    invoke = found.get("invoke", "").lower()
    if invoke and invoke not in INVOKES:
        raise UserError(f"func.yaml says invoke: {found['invoke']!r}, which is neither of func's invocation hints",
                        where=NAME, fix=f"set invoke to {' or '.join(INVOKES)} (or remove it: http is the default)")
    return FuncYaml(runtime=found.get("runtime", "").lower(), invoke=invoke or "http", invoke_given=bool(invoke))


def language(app_dir: Path) -> tuple[str, str] | None:
    """(language, why) func.yaml's runtime names, or None without a func.yaml naming one; a
    runtime funcpacks does not build is an error, not a detect miss: the user asked for it."""
    f = read(app_dir)
    if f is None or not f.runtime:
        return None
    if f.runtime not in RUNTIMES:
        raise UserError(f"func.yaml says runtime: {f.runtime!r}, which is not one of func's runtimes",
                        where=NAME, fix=f"use one of: {', '.join(RUNTIMES)}")
    lang = RUNTIMES[f.runtime]
    if lang is None:
        built = sorted(r for r, lng in RUNTIMES.items() if lng)
        raise UserError(f"func.yaml says runtime: {f.runtime}, which funcpacks does not build",
                        where=NAME,
                        fix=f"build it with func's own builder for {f.runtime}; funcpacks builds the func runtimes "
                            f"{', '.join(built)}")
    return lang, f"func.yaml's runtime: {f.runtime}"
