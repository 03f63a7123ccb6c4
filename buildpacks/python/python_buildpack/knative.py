"""Knative Functions (`func`) Python functions: a `function` package at the source root
whose `new()` returns the function instance (an object with an ASGI `async handle(scope,
receive, send)` and optional `start(cfg)`, `stop()`, `alive()`, `ready()`), or which
exports a module-level ASGI `handle`. func-python serves them, as func's own scaffolding
does; func.yaml's `invoke` picks its HTTP or its CloudEvents service.

What can be told without running the function is checked from the source (the package
and what its __init__ exports); that `new()` returns an instance with `handle` is checked
by calling it once at build time (check_instance), in the environment the image runs.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from funcpacks import func_yaml
from funcpacks.errors import UserError

PACKAGE = "function"
FRAMEWORK = "func-python"
HTTP, CLOUDEVENT = "http", "cloudevent"
ENTRIES = ("new", "handle")  # func-python's order: new wins


@dataclass(frozen=True)
class Shape:
    entry: str  # "new" or "handle"
    invoke: str  # HTTP or CLOUDEVENT
    why: str

    def describe(self) -> str:
        kind = "instanced (new())" if self.entry == "new" else "static (handle)"
        return f"{'an' if self.entry == 'new' else 'a'} {kind} {self.invoke} function"


def applies(app_dir: Path) -> bool:
    """func.yaml says runtime python, or the root holds func's `function` package."""
    f = func_yaml.read(app_dir)
    if f is not None and f.runtime == "python":
        return True
    return (app_dir / PACKAGE / "__init__.py").is_file()


def _exported(init: Path) -> set[str]:
    """Names function/__init__.py binds at its top level (defs, assignments, imports)."""
    try:
        tree = ast.parse(init.read_bytes(), filename=str(init))
    except SyntaxError as exc:
        raise UserError(f"function/__init__.py does not parse: {exc.msg} (line {exc.lineno})",
                        where=f"{PACKAGE}/__init__.py:{exc.lineno}", fix="fix the syntax error") from None
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def shape(app_dir: Path) -> Shape:
    f = func_yaml.read(app_dir)
    why = "func.yaml says runtime: python" if f is not None and f.runtime == "python" else \
        f"the source root holds func's {PACKAGE}/ package"
    init = app_dir / PACKAGE / "__init__.py"
    if init.is_symlink() or not init.is_file():
        raise UserError(f"{why}, but there is no {PACKAGE}/__init__.py", where=f"{PACKAGE}/__init__.py",
                        fix=f"put the function in a package named {PACKAGE} at the source root, as `func create -l "
                            "python` writes it (function/__init__.py: from .func import new)")
    names = _exported(init)
    entry = next((e for e in ENTRIES if e in names), "")
    if not entry:
        raise UserError(f"{PACKAGE}/__init__.py exports neither new nor handle, so func-python has nothing to serve",
                        where=f"{PACKAGE}/__init__.py",
                        fix="export new() (returning the instance with an async handle(scope, receive, send)), e.g. "
                            "`from .func import new`, or a module-level async handle(scope, receive, send)")
    return Shape(entry, f.invoke if f is not None else HTTP, why)


# Run with the function's environment at build time (python -c): imports the package and,
# for new(), calls it once, as func-python will at start, and checks what it returns. It
# ends with os._exit: a thread new() started must not keep the check running.
CHECK = """
import os
import sys
sys.path.insert(0, sys.argv[1])
import function
entry = getattr(function, sys.argv[2])
if sys.argv[2] == "new":
    instance = entry()
    if not callable(getattr(instance, "handle", None)):
        sys.stderr.write(f"new() returned {type(instance).__name__}, which has no handle method\\n")
        sys.stderr.flush()
        os._exit(3)
elif not callable(entry):
    sys.stderr.write(f"function.handle is a {type(entry).__name__}, not a function\\n")
    sys.stderr.flush()
    os._exit(3)
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
"""


def launcher(app_dir: Path, s: Shape) -> str:
    """The program the image runs: func-python serving the function. LISTEN_ADDRESS wins as
    in func-python; without it the function listens on $PORT (8080 without it) on all
    interfaces, where func-python alone would ignore PORT. func-python tells a constructor
    from a handler by its __name__, so the function's entry is passed through a wrapper of
    that name whatever the package bound it as (`new = make_function` is valid Python)."""
    service = "func_python.http" if s.invoke == HTTP else "func_python.cloudevent"
    wrapper = ("def new():\n    return function.new()\n" if s.entry == "new" else
               "async def handle(scope, receive, send):\n    await function.handle(scope, receive, send)\n")
    return f'''# Generated by funcpacks to serve the function with func-python; do not edit.
import os
import sys

sys.path.insert(0, {str(app_dir)!r})
if not os.environ.get("LISTEN_ADDRESS"):
    port = os.environ.get("PORT") or "8080"
    os.environ["LISTEN_ADDRESS"] = f"[::]:{{port}},0.0.0.0:{{port}}"

import function  # noqa: E402
from {service} import serve  # noqa: E402


{wrapper}

serve({s.entry})
'''
