"""`python -m <module>` in an entrypoint or a Procfile: the module must be found where the
process will look, the app directory (python -m puts it first on sys.path) and the
dependencies' environment, or the image fails at every start with "No module named".

The environment's own python answers, through importlib's path finders, which locate a
module without running it: nothing of the user's code runs at this check."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

from funcpacks.errors import UserError

# Prints the first part of the dotted name that is not found ("" when all are): each part
# is looked for in the locations of the package found before it.
_FIND = """
import importlib.machinery, importlib.util, sys
name, app = sys.argv[1], sys.argv[2]
sys.path.insert(0, app)
spec = importlib.util.find_spec(name.split(".")[0])
parts = name.split(".")
for i, part in enumerate(parts[1:], 1):
    if spec is None or not spec.submodule_search_locations:
        break
    spec = importlib.machinery.PathFinder.find_spec(".".join(parts[:i + 1]), list(spec.submodule_search_locations))
    if spec is None:
        print(".".join(parts[:i + 1])); sys.exit()
print("" if spec is not None else parts[0])
"""


def checker(venv: Path, working_dir: Path) -> Callable[[str, str], None] | None:
    """The check for the environment at `venv`; None when its contents are not here (a
    layer kept from the previous image, checked when it was built)."""
    python = venv / "bin" / "python"
    if not python.exists():
        return None

    def check(module: str, origin: str) -> None:
        result = subprocess.run([str(python), "-I", "-c", _FIND, module, str(working_dir)],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"finding {module} with {python} failed: {result.stderr.strip()}")
        missing = result.stdout.strip()
        if missing:
            raise UserError(f"{origin} runs python -m {module}, and no module {missing!r} is in the source or "
                            "the dependencies: the image could not start", where=origin,
                            fix=f"add the distribution that provides {missing} to the dependencies, or correct the "
                                f"module name (modules of the source are found from {working_dir})")
    return check
