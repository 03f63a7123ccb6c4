"""Dependencies installed from a path (`./lib`, `-e ../lib`, `name @ file:///...`, Poetry's
and uv's `path =` sources): the installer reads the directory and copies what it builds
into the image, so the path must be inside the source, as every other path the build
reads (funcpacks/user_files.py). A monorepo's sibling package is built from a source root
that holds both, or vendored as a wheel."""
from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path

from funcpacks import user_files

FIX = ("build a wheel of it into a directory of the source and install from there (GOOGLE_VENDOR_PIP_DEPENDENCIES "
       "for all of them), or build from a source root that holds both (pack --path, Shipwright's sourceSubPath) "
       "with GOOGLE_FUNCTION_SOURCE naming the function's file")
_EDITABLE = re.compile(r"^(-e|--editable)(\s+|=)")
_DIRECT_URL = re.compile(r"@\s*(file:\S+)")
_FIND_LINKS = re.compile(r"^(-f|--find-links)(\s+|=)(\S+)")


def target(requirement: str) -> str | None:
    """The path a requirement (a requirements line or a PEP 508 string) installs from, or
    None when it names a distribution of an index or a remote URL."""
    line = requirement.split(" #", 1)[0].strip()
    links = _FIND_LINKS.match(line)
    if links:  # a directory of wheels, unless it is a URL
        line = links.group(3)
        if re.match(r"^[a-z][a-z0-9+.-]*://", line) and not line.startswith("file:"):
            return None
        return target(line) if line.startswith("file:") else line
    line = _EDITABLE.sub("", line).strip()
    url = _DIRECT_URL.search(line)
    if url:
        line = url.group(1)
    elif not line.startswith(("file:", ".", "/")):
        return None
    if line.startswith("file:"):
        try:
            parsed = urllib.parse.urlparse(line.split(";", 1)[0].split()[0])
        except ValueError:  # not a URL urllib can read (a bracket in the host): the installer refuses it
            return None
        return urllib.parse.unquote(parsed.path) or "/"
    return line.split(";", 1)[0].split()[0].split("#", 1)[0]


def check(app_dir: Path, path: str, origin: str, relative_to: str = ".") -> None:
    """Refuses a path (relative to the file that names it, `relative_to`) outside app_dir."""
    joined = path if os.path.isabs(path) else os.path.normpath(os.path.join(relative_to, path))
    user_files.inside(app_dir, joined, origin, what="dependency path", fix=FIX)


def check_pyproject(app_dir: Path, data: dict, dependencies: list[str]) -> None:
    """[project] dependencies, Poetry's dependency tables (and groups') and [tool.uv.sources]."""
    for dep in dependencies:
        path = target(dep)
        if path is not None:
            check(app_dir, path, f"pyproject.toml [project] dependencies {dep!r}")
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    tables = [("tool.poetry.dependencies", poetry.get("dependencies")),
              ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies"))]
    groups = poetry.get("group") if isinstance(poetry.get("group"), dict) else {}
    tables += [(f"tool.poetry.group.{g}.dependencies", v.get("dependencies"))
               for g, v in groups.items() if isinstance(v, dict)]
    uv = tool.get("uv") if isinstance(tool.get("uv"), dict) else {}
    tables.append(("tool.uv.sources", uv.get("sources")))
    for name, entries in tables:
        for dist, spec in (entries.items() if isinstance(entries, dict) else ()):
            for one in spec if isinstance(spec, list) else [spec]:
                if isinstance(one, dict) and isinstance(one.get("path"), str):
                    check(app_dir, one["path"], f"pyproject.toml [{name}] {dist}")
