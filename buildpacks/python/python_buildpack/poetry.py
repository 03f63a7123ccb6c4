"""Poetry: the tool, and turning a poetry.lock into exactly what uv installs.

Poetry (the pinned release and its export plugin, every distribution hash-checked, in
the build-only layer of poetry_layer.py) does the two things only it can do right for every layout it
reads (Poetry 1.x `[tool.poetry.dependencies]`, Poetry 2 `[project]`): `poetry check
--lock` (the lock's content hash must match pyproject.toml: never a silent re-resolve)
and `poetry export --only main` (the lock's main packages with their hashes). The same
`uv pip install --require-hashes --no-deps` as for a uv.lock then installs them, from the
index the build is given.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from funcpacks import tool_run
from funcpacks.context import BuildContext
from funcpacks.errors import UserError
from funcpacks.log import Logger


class Poetry:
    def __init__(self, ctx: BuildContext, venv: Path, cache_dir: Path, log: Logger):
        self.ctx = ctx
        self.python = venv / "bin" / "python"
        self.executable = venv / "bin" / "poetry"
        self.log = log
        base = {k: v for k, v in ctx.env.items() if not k.startswith(("PIP_", "UV_"))}
        # The user's POETRY_* pass through (they are in base); ours: no prompt, no keyring
        # (a build has no desktop session), no environment of its own for the project.
        self.env = {**base, "POETRY_CACHE_DIR": str(cache_dir), "POETRY_NO_INTERACTION": "1",
                    "POETRY_VIRTUALENVS_CREATE": "false", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
                    "NO_COLOR": "1"}

    def run(self, args: list[str], failure: str, fix: str) -> str:
        out = tool_run.run([str(self.executable), *args],
                           tool_run.Failure(failure, fix, where="poetry.lock", tail=14,
                                            text=lambda out: out.stderr + out.stdout),
                           cwd=self.ctx.app_dir, env=self.env, merge_stderr=False)
        for line in out.stderr.splitlines():
            self.log.detail(line.rstrip())
        return out.stdout

    def lock(self) -> Path:
        """Resolves pyproject.toml into the app directory's poetry.lock (there was none);
        the caller removes it once exported."""
        self.run(["lock"], "Poetry could not resolve pyproject.toml's dependencies",
                 fix="fix the dependency Poetry names above, then run `poetry lock` and commit poetry.lock")
        return self.ctx.app_dir / "poetry.lock"

    def check_lock(self) -> None:
        self.run(["check", "--lock"], "poetry.lock does not match pyproject.toml",
                 fix="run `poetry lock` and commit the new poetry.lock (the build never re-resolves a lock)")

    def export(self) -> str:
        """The lock's main group as requirement lines with their hashes and markers."""
        return self.run(["export", "--only", "main", "--format", "requirements.txt"],
                        "Poetry could not export poetry.lock", fix="run `poetry lock` and commit the new poetry.lock")

    def allows(self, constraint: str, version: str) -> bool:
        """Whether a Poetry version constraint (`^3.9`, `>=3.10,<3.13`, ...) allows version,
        decided by poetry-core itself."""
        code = ("import sys; from poetry.core.constraints.version import Version, parse_constraint; "
                "sys.exit(0 if parse_constraint(sys.argv[1]).allows(Version.parse(sys.argv[2])) else 3)")
        # Not through tool_run: exit 3 is an answer (not allowed), not a failure.
        proc = subprocess.run([str(self.python), "-c", code, constraint, version], capture_output=True, text=True)
        if proc.returncode not in (0, 3):
            raise UserError(f"cannot read the Python constraint {constraint!r}", where="pyproject.toml",
                            detail=proc.stderr.strip()[-600:], fix="write a PEP 440 or Poetry constraint such as >=3.10")
        return proc.returncode == 0
