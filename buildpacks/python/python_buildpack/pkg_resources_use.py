"""Whether an environment's code needs `pkg_resources`, which setuptools 81 dropped and
which modern installs no longer bring along.

gunicorn < 22 (functions-framework 1.x/2.x) imports it at the top of a module: such an
environment needs setuptools < 81 or the server does not start. Many libraries import it
inside a `try: ... except ImportError:` and carry on without it (werkzeug's test app,
for one): those must not pull 7 MB of setuptools into every environment. A text search
finds the candidate files cheaply; only those are parsed.
"""
from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

_CANDIDATE = re.compile(rb"^\s*(import pkg_resources|from pkg_resources[\s.])", re.MULTILINE)
# Handlers under which a failed import is expected and survived.
_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def needed(site_packages: Path) -> bool:
    """True when installed code imports pkg_resources where a missing one is an error,
    and nothing installed provides it."""
    if (site_packages / "pkg_resources").is_dir():
        return False
    for py in site_packages.rglob("*.py"):
        source = py.read_bytes()
        if _CANDIDATE.search(source) and imports_unguarded(source):
            return True
    return False


def imports_unguarded(source: bytes) -> bool:
    """True when the module imports pkg_resources outside a try block that handles the
    import's failure and outside `if TYPE_CHECKING:` (never run). Unparsable code (another Python's syntax) counts as needing it:
    adding setuptools there is harmless, leaving it out may not be."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in old code: not ours to report
            tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return True
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Try, ast.TryStar)) and any(_handles_import_error(h) for h in node.handlers) \
                or isinstance(node, ast.If) and _is_type_checking(node.test):
            guarded.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return any(_imports_pkg_resources(node) and id(node) not in guarded for node in ast.walk(tree))


def _imports_pkg_resources(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "pkg_resources" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] == "pkg_resources"
    return False


def _handles_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:  # a bare except
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(kind, ast.Name) and kind.id in _GUARDS for kind in kinds)


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" \
        or isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
