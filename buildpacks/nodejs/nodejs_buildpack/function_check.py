"""Build-time check that the function exists and can be served: the module the functions
framework would load is found (FUNCTION_SOURCE, else package.json's main, index.js or
function.js), its syntax is checked by `node --check`, and it is loaded by the framework's
own loader, which must find the target (exported, or registered with
`functions.http(...)`) and find it callable. Loading runs the module's top-level code, as
the image's start will; it gets a time limit and no PORT."""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from funcpacks import user_files
from funcpacks.errors import UserError
from funcpacks.settings import Setting

from . import npmrc
from .framework_layer import Framework
from .runtime import Node

SCRIPT = Path(__file__).with_name("check_function.js")
MARK = "FUNCPACKS_CHECK "
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Checked:
    module: str  # relative to the source
    signature_type: str  # as the function registered itself, or as configured


def code_location(app_dir: Path, source: Setting | None) -> Path:
    if source is None:
        return app_dir
    path = user_files.inside(app_dir, source.value, source.source, what="file or directory")
    if not path.exists():
        present = sorted(p.name for p in app_dir.iterdir() if p.suffix in (".js", ".mjs", ".cjs"))
        raise UserError(f"{source.source}={source.value!r} does not exist", where=source.source,
                        fix=f"name the file (or directory) that exports the function (here: "
                            f"{', '.join(present) or 'no .js file'})")
    return path


def check(node: Node, app_dir: Path, location: Path, target: str, signature_type: str, framework: Framework,
          env: Mapping[str, str]) -> Checked:
    """env: the build's environment (the check adds node, NODE_PATH and the certificates)."""
    run_env = npmrc.environment({k: v for k, v in env.items() if k != "PORT"}, node.executable.parent, None, None)
    run_env["NODE_ENV"] = "production"
    if framework.node_path:
        run_env["NODE_PATH"] = framework.node_path
    try:
        proc = subprocess.run([str(node.executable), str(SCRIPT), str(framework.package_dir), str(location), target,
                               signature_type], cwd=app_dir, env=run_env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise UserError(f"loading the function's module did not finish within {TIMEOUT_SECONDS} s", where=str(location),
                        fix="move work that waits (connections, servers) out of the module's top level into the "
                            "function") from None
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith(MARK)), "")
    if not line:
        raise UserError("the function check of the module ended without an answer (the module ended the process)",
                        where=str(location), detail=_tail(proc.stdout + proc.stderr),
                        fix="do not call process.exit() at the module's top level")
    result = json.loads(line[len(MARK):])
    module = _shown(app_dir, result.get("module", ""))
    if result["stage"] == "resolve":
        raise UserError(f"no module to load at {_shown(app_dir, str(location))}: no package.json main, index.js "
                        "or function.js", where=_shown(app_dir, str(location)),
                        fix="add index.js (or set package.json's main, or GOOGLE_FUNCTION_SOURCE) to the file that "
                            "exports the function")
    if result["stage"] == "syntax":
        raise UserError(f"syntax error in {module}", where=module, detail=_tail(result.get("message", ""), 12),
                        fix="fix the JavaScript at the line shown (`node --check` shows the same)")
    if result["stage"] == "load":
        said = _tail((result.get("message") or "") + "\n" + proc.stderr, 20)
        not_found = "is not defined in the provided module" in said or "needs to be of type function" in said
        raise UserError(f"function {target!r} is not exported as a function by {module}" if not_found
                        else f"{module} cannot be loaded", where=module, detail=said,
                        fix=f"export it (`exports.{target} = ...`, `export function {target}`) or register it "
                            f"(`functions.http('{target}', ...)`), or set the target to the exported name"
                        if not_found else "fix the error shown (a dependency missing from package.json's "
                                          "dependencies, or an error in the module's top-level code)")
    return Checked(module, str(result.get("signatureType") or signature_type))


def _shown(app_dir: Path, path: str) -> str:
    try:
        return Path(path).relative_to(app_dir).as_posix() or "."
    except ValueError:
        return path


def _tail(text: str, lines: int = 20) -> str:
    kept = [ln.rstrip() for ln in text.splitlines() if ln.strip() and not ln.startswith(MARK)]
    return "\n".join(kept[-lines:])
