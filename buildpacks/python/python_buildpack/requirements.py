"""The project's dependency declaration: requirements.txt (with its -r/-c includes), the
[project] dependencies of pyproject.toml, or pyproject.toml with the lock a package
manager installs from (uv.lock, poetry.lock)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks import user_files
from funcpacks.errors import UserError

from . import local_paths

FRAMEWORK = "functions-framework"
LOCKS = ("uv.lock", "poetry.lock")
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
    kind: str  # "requirements.txt", "pyproject.toml", "uv.lock", "poetry.lock" or "none"
    files: dict[str, str] = field(default_factory=dict)  # path relative to app -> content
    names: set[str] = field(default_factory=set)
    pyproject_dependencies: list[str] = field(default_factory=list)
    python_constraint: str = ""  # requires-python, or Poetry's python dependency
    # A Poetry project without poetry.lock: Poetry resolves it at build time (as
    # gcp-builder's `poetry install` does), so nothing is locked.
    resolved_at_build: bool = False

    @property
    def locked(self) -> bool:
        return self.kind in LOCKS and not self.resolved_at_build

    def names_framework(self) -> bool:
        return FRAMEWORK in self.names

    def digest(self, extra: list[str]) -> str:
        payload = json.dumps({"files": self.files, "extra": extra, "pyproject": self.pyproject_dependencies},
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def _read_requirements(app_dir: Path, rel: str, decl: Declaration, stack: tuple[str, ...]) -> None:
    # an include names its file relative to the including one: it must stay in the source
    path = user_files.inside(app_dir, rel, f"{stack[-1]} (-r/-c {rel})" if stack else rel, what="file")
    if rel in stack:
        raise UserError("requirements files include each other in a loop", where=" -> ".join(stack + (rel,)),
                        fix="remove the circular -r line")
    if not path.exists():
        where = stack[-1] if stack else rel
        raise UserError(f"requirements file {rel} does not exist", where=where,
                        fix="fix the -r/-c path (relative to the including file's directory)")
    text = user_files.read_text(path, rel)
    decl.files[rel] = text
    for number, line in enumerate(text.splitlines(), 1):
        local = local_paths.target(line)
        if local is not None:
            local_paths.check(app_dir, local, f"{rel} line {number}", str(Path(rel).parent))
        inc = _INCLUDE.match(line)
        if inc:
            child = inc.group(2) if Path(inc.group(2)).is_absolute() else os.path.normpath(Path(rel).parent / inc.group(2))
            _read_requirements(app_dir, child, decl, stack + (rel,))
            continue
        name = requirement_name(line)
        if name:
            decl.names.add(name)


def table(data: dict, *keys: str) -> dict:
    """pyproject.toml's table at keys ({} when absent); a key holding something else than a
    table is the user's mistake, named, not a traceback."""
    for depth, key in enumerate(keys, 1):
        data = data.get(key, {})
        if not isinstance(data, dict):
            name = ".".join(keys[:depth])
            raise UserError(f"pyproject.toml: {name} is a {type(data).__name__}, where a table is expected",
                            where="pyproject.toml", fix=f"make [{name}] a table (see the packaging spec or Poetry's docs)")
    return data


def read_pyproject(app_dir: Path) -> tuple[str, dict]:
    """pyproject.toml's text and its parsed content (('', {}) when there is none)."""
    path = app_dir / "pyproject.toml"
    if not path.exists():
        return "", {}
    text = user_files.read_source_file(app_dir, "pyproject.toml")
    try:
        return text, tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise UserError(f"pyproject.toml is not valid TOML: {exc}", where=str(path),
                        fix="fix the syntax error (`python3 -c 'import tomllib; tomllib.load(open(\"pyproject.toml\", "
                            "\"rb\"))'` shows it)") from None


def read(app_dir: Path, lock: str = "") -> Declaration:
    """What the project declares. With a lock (the file a package manager installs
    from, one of LOCKS) the declaration is pyproject.toml and the lock together; else
    requirements.txt, else pyproject.toml's [project] dependencies."""
    if not lock and (app_dir / "requirements.txt").exists():
        decl = Declaration("requirements.txt")
        _read_requirements(app_dir, "requirements.txt", decl, ())
        return decl
    pyproject = app_dir / "pyproject.toml"
    if lock and not pyproject.exists():
        raise UserError(f"{lock} has no pyproject.toml next to it", where=str(app_dir),
                        fix="commit the pyproject.toml the lock was made from")
    if not pyproject.exists():
        return Declaration("none")
    text, data = read_pyproject(app_dir)
    project = table(data, "project")
    deps = project.get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise UserError("[project] dependencies must be a list of strings", where="pyproject.toml",
                        fix='write e.g. dependencies = ["flask>=3"]')
    poetry_deps = table(data, "tool", "poetry", "dependencies")
    local_paths.check_pyproject(app_dir, data, deps)
    if lock == "poetry.lock" and not (app_dir / lock).exists():
        decl = Declaration(lock, files={"pyproject.toml": text}, pyproject_dependencies=list(deps),
                           resolved_at_build=True)
    elif lock:
        if not (app_dir / lock).exists():
            raise UserError(f"the project has no {lock}, and the build does not resolve dependencies itself",
                            where=str(app_dir), fix=f"run `{lock.split('.')[0]} lock` and commit {lock}")
        decl = Declaration(lock, files={"pyproject.toml": text, lock: user_files.read_source_file(app_dir, lock)},
                           pyproject_dependencies=list(deps))
    else:
        decl = Declaration("pyproject.toml", pyproject_dependencies=list(deps))
    decl.names = {n for n in (requirement_name(d) for d in deps) if n}
    if lock == "poetry.lock" and isinstance(poetry_deps, dict):
        decl.names |= {canonical(n) for n in poetry_deps if n.lower() != "python"}
    constraint = project.get("requires-python") or (poetry_deps.get("python") if isinstance(poetry_deps, dict) else "")
    decl.python_constraint = constraint if isinstance(constraint, str) else ""
    return decl
