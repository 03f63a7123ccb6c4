"""The `poetry` layer: Poetry and its export plugin (poetry-requirements.txt, every
distribution hash-locked), installed by uv into a build-only layer, keyed by that file,
the interpreter and the architecture."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from funcpacks.errors import UserError
from funcpacks.layers import Step

from .poetry import Poetry
from .uv import Uv

NAME = "poetry"
REQUIREMENTS_FILE = "poetry-requirements.txt"


def provide(step: Step, python: Path, installer: Uv) -> Poetry:
    """Poetry in a build-only layer, keyed by the hash-locked requirements file. Not
    cached: it is needed only when the dependencies are installed, and uv's cache makes
    installing it again quick."""
    ctx, log = step.ctx, step.log
    requirements = ctx.buildpack_dir / REQUIREMENTS_FILE
    layers = step.layers
    layer = layers.get(NAME)
    expected = {"requirements": hashlib.sha256(requirements.read_bytes()).hexdigest()[:32],
                "python": subprocess.run([str(python), "-c", "import sys; print(sys.version.split()[0])"],
                                         capture_output=True, text=True, check=True).stdout.strip(),
                "arch": ctx.target.arch}
    if not layer.reuse_or_reset(expected, log):
        venv = layer.path / "venv"
        subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
        try:
            with layer.removed_on_failure():
                installer.install(venv, ["--require-hashes", "-r", str(requirements)], REQUIREMENTS_FILE)
        except UserError as exc:
            raise UserError("could not install Poetry", detail=exc.detail,
                            fix="the index the build uses (PIP_INDEX_URL / UV_DEFAULT_INDEX) must serve Poetry and "
                                "its dependencies; a hash mismatch means it served different files") from None
        log.info(f"installed Poetry (every distribution's hash checked) into the build-only layer '{NAME}'")
    layer.set_types(build=True).write()
    # Checking and exporting a lock download nothing: Poetry's cache stays in its layer.
    return Poetry(ctx, layer.path / "venv", layer.path / "cache", log)
