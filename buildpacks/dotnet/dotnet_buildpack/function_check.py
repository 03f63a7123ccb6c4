"""Build-time check that a Google.Cloud.Functions.Hosting target exists.

The hosting package starts the type named by FUNCTION_TARGET (a full type name such as
HelloWorld.Function); a wrong name otherwise shows up only when the container starts.
C# sources are scanned for the class (and its namespace); F# and VB projects are left to
the runtime, which says the same thing later.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from funcpacks.errors import UserError

from . import project

_NAMESPACE = re.compile(r"^\s*namespace\s+([\w.]+)\s*(;|\{|$)", re.M)
_CLASS = re.compile(r"\bclass\s+(\w+)(?:\s*<[^>]*>)?\s*(?::\s*([^{\n]*))?")
_FUNCTION_INTERFACES = ("IHttpFunction", "ICloudEventFunction", "ITypedFunction")


@dataclass(frozen=True)
class FunctionType:
    full_name: str
    path: Path


def function_types(source_root: Path) -> tuple[list[FunctionType], set[str]]:
    """(classes implementing a functions interface, every class's full name) in *.cs."""
    functions, names = [], set()
    for path in project.source_files(source_root, "*.cs"):
        text = (source_root / path).read_text(errors="replace")
        ns = _NAMESPACE.search(text)
        prefix = f"{ns.group(1)}." if ns else ""
        for m in _CLASS.finditer(text):
            full = prefix + m.group(1)
            names.add(full)
            if m.group(2) and any(i in m.group(2) for i in _FUNCTION_INTERFACES):
                functions.append(FunctionType(full, path))
    return functions, names


def check(target: str, origin: str, project_file: Path, source_root: Path) -> str:
    """Raises when the target names no class of the C# sources; returns what was found."""
    if project_file.suffix.lower() != ".csproj":
        return f"{project_file.suffix} project: the target is checked when the function starts"
    functions, names = function_types(source_root)
    if target in names or (("." not in target) and any(n.rsplit(".", 1)[-1] == target for n in names)):
        return f"class {target} found"
    listed = ", ".join(f"{f.full_name} ({f.path})" for f in functions) or "none"
    raise UserError(f"the function target {target!r} ({origin}) is not a class in the C# sources",
                    where=str(project_file.name),
                    detail=f"classes implementing IHttpFunction / ICloudEventFunction: {listed}",
                    fix="set the target to the function class's full name (namespace.class)")
