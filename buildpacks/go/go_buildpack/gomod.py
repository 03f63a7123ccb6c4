"""What the buildpack reads from go.mod (never rewritten in place)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks import user_files
from funcpacks.errors import UserError

_DIRECTIVE = re.compile(r"^\s*(module|go|toolchain)\s+(\S+)")
_REQUIRE_LINE = re.compile(r"^\s*(?:require\s+)?([^\s()]+)\s+(v\S+)")
# `old [version] => new [version]`, in a replace line or block; a new path that starts with
# ./ ../ or / is a directory (the go command's rule), anything else a module.
_REPLACE_LINE = re.compile(r"^\s*(?:replace\s+)?(\S+)(?:\s+\S+)?\s*=>\s*(\S+)")


@dataclass
class GoMod:
    module: str = ""
    go: str = ""  # the go line: a minimum version since Go 1.21
    toolchain: str = ""  # "go1.22.3" style, without the prefix here
    requires: dict[str, str] = field(default_factory=dict)
    # replace directives whose replacement is a directory: module -> the path as written
    local_replaces: dict[str, str] = field(default_factory=dict)

    def _replace(self, line: str) -> None:
        m = _REPLACE_LINE.match(line)
        new = m.group(2).strip('"') if m else ""
        if new in (".", "..") or new.startswith(("./", "../", "/")):
            self.local_replaces[m.group(1).strip('"')] = new


def parse(path: Path) -> GoMod:
    mod = GoMod()
    block = ""  # "require" or "replace" inside a ( ) block
    for raw in user_files.read_text(path, path.name).splitlines():
        line = raw.split("//", 1)[0].rstrip()
        if not line.strip():
            continue
        if block:
            if line.strip() == ")":
                block = ""
            elif block == "replace":
                mod._replace(line)
            elif m := _REQUIRE_LINE.match(line):
                mod.requires[m.group(1)] = m.group(2)
            continue
        if b := re.match(r"^\s*(require|replace)\s*\($", line):
            block = b.group(1)
            continue
        if line.lstrip().startswith("replace "):
            mod._replace(line)
            continue
        d = _DIRECTIVE.match(line)
        if d:
            value = d.group(2).strip('"')
            if d.group(1) == "module":
                mod.module = value
            elif d.group(1) == "go":
                mod.go = value
            else:
                mod.toolchain = value.removeprefix("go")
            continue
        if line.lstrip().startswith("require "):
            m = _REQUIRE_LINE.match(line)
            if m:
                mod.requires[m.group(1)] = m.group(2)
    if not mod.module:
        raise UserError("go.mod has no module line", where=path.name, fix="add 'module example.com/yourmodule'")
    return mod


def version_key(v: str) -> tuple[int, ...]:
    """'1.22' / '1.22.3' / '1.21rc2' -> comparable tuple (pre-releases sort before)."""
    m = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(rc|beta)(\d+))?$", v)
    if not m:
        raise ValueError(v)
    major, minor, patch = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    pre = (0 if m.group(4) == "beta" else 1, int(m.group(5))) if m.group(4) else (2, 0)
    return (major, minor, patch, *pre)
