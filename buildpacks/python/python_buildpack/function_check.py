"""Build-time check that the function exists, without importing user code.

The source is parsed, not executed: a module-level def/class, assignment or import of
the target name counts as defined. Only what a module defines at top level (or in
top-level if/try blocks) can be found by the functions framework's getattr.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks import user_files
from funcpacks.errors import UserError


@dataclass
class ModuleNames:
    functions: list[str] = field(default_factory=list)  # def, async def, class
    others: list[str] = field(default_factory=list)  # assignments and imports


def _collect(body: list[ast.stmt], names: ModuleNames) -> None:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.functions.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names.others.append(n.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.others.append(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for block in ("body", "orelse", "finalbody"):
                _collect(getattr(node, block, []) or [], names)
            for handler in getattr(node, "handlers", []):
                _collect(handler.body, names)


def module_names(path: Path, display: str) -> ModuleNames:
    source = user_files.read_bytes(path, display)
    try:
        tree = ast.parse(source, filename=display)
    except SyntaxError as exc:
        line = (exc.text or "").rstrip("\n")
        pointer = ""
        if line and exc.offset:
            pointer = "\n" + " " * (max(exc.offset, 1) - 1) + "^"
        raise UserError(f"syntax error in the function source: {exc.msg}",
                        where=f"{display}:{exc.lineno}",
                        detail=(line + pointer) if line else "",
                        fix="fix the Python syntax at that line") from None
    names = ModuleNames()
    _collect(tree.body, names)
    return names


def check(app_dir: Path, source: str, source_origin: str, target: str) -> ModuleNames:
    path = user_files.inside(app_dir, source, source_origin, what="file")
    if not path.exists():
        present = sorted(p.name for p in app_dir.glob("*.py"))
        raise UserError(f"function source file {source} does not exist", where=source_origin,
                        fix=f"set it to the file that defines the function (Python files here: {', '.join(present) or 'none'})")
    names = module_names(path, source)
    if target not in names.functions and target not in names.others:
        listed = ", ".join(sorted(set(names.functions))) or "none"
        raise UserError(f"function {target!r} is not defined at module level in {source}",
                        where=source,
                        fix=f"set the target to one of the functions defined there: {listed}")
    return names
