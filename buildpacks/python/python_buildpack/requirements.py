"""The project's dependency declaration: requirements.txt (with its -r/-c includes) or
the [project] dependencies of pyproject.toml."""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks.errors import UserError

FRAMEWORK = "functions-framework"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_INCLUDE = re.compile(r"^\s*(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str | None:
    """The distribution a requirement line names, or None for options and comments."""
    line = line.split(" #", 1)[0].strip()
    if not line or line.startswith("#"):
        return None
    egg = _EGG.search(line)
    if egg:
        return canonical(egg.group(1))
    if line.startswith("-") or "://" in line.split("@", 1)[0]:
        return None
    m = _NAME.match(line)
    return canonical(m.group(1)) if m else None


@dataclass
class Declaration:
    kind: str  # "requirements.txt", "pyproject.toml" or "none"
    files: dict[str, str] = field(default_factory=dict)  # path relative to app -> content
    names: set[str] = field(default_factory=set)
    pyproject_dependencies: list[str] = field(default_factory=list)

    def names_framework(self) -> bool:
        return FRAMEWORK in self.names

    def digest(self, extra: list[str]) -> str:
        payload = json.dumps({"files": self.files, "extra": extra, "pyproject": self.pyproject_dependencies},
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def _read_requirements(app_dir: Path, rel: str, decl: Declaration, stack: tuple[str, ...]) -> None:
    path = (app_dir / rel)
    if rel in stack:
        raise UserError("requirements files include each other in a loop", where=" -> ".join(stack + (rel,)),
                        fix="remove the circular -r line")
    if not path.is_file():
        where = stack[-1] if stack else rel
        raise UserError(f"requirements file {rel} does not exist", where=where,
                        fix="fix the -r/-c path (relative to the including file's directory)")
    text = path.read_text()
    decl.files[rel] = text
    for line in text.splitlines():
        inc = _INCLUDE.match(line)
        if inc:
            child = str(Path(rel).parent / inc.group(2)) if not Path(inc.group(2)).is_absolute() else inc.group(2)
            _read_requirements(app_dir, child.removeprefix("./"), decl, stack + (rel,))
            continue
        name = requirement_name(line)
        if name:
            decl.names.add(name)


def read(app_dir: Path) -> Declaration:
    if (app_dir / "requirements.txt").is_file():
        decl = Declaration("requirements.txt")
        _read_requirements(app_dir, "requirements.txt", decl, ())
        return decl
    pyproject = app_dir / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"pyproject.toml is not valid TOML: {exc}", where=str(pyproject),
                            fix="fix the syntax error") from None
        deps = data.get("project", {}).get("dependencies", [])
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise UserError("[project] dependencies must be a list of strings", where="pyproject.toml",
                            fix='write e.g. dependencies = ["flask>=3"]')
        decl = Declaration("pyproject.toml", pyproject_dependencies=list(deps))
        decl.names = {n for n in (requirement_name(d) for d in deps) if n}
        return decl
    return Declaration("none")
