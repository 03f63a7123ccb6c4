"""uv: the tool, its settings, and installing exactly what a uv.lock pins.

The tool comes from uv_layer.py. A locked install is three steps:
`uv lock --check` (the lock must match pyproject.toml: never a silent re-resolve),
`uv export` (the lock's production packages as `name==version --hash=...` lines) and
`uv pip install --require-hashes --no-deps` of those lines into the environment. The
last step reads the packages from the index the user configured, so a mirror serving the
same files works although the lock names pypi.org, and every file is checked against
the lock's hashes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from funcpacks import tool_run
from funcpacks.context import BuildContext
from funcpacks.errors import UserError
from funcpacks.log import Logger

from . import installer_cache_layer, uv_layer
from .requirements import requirement_name
from .vendor import Vendor


# pip's index settings, given to uv in its own words (the user's UV_* win over these).
PIP_TO_UV = {
    "PIP_INDEX_URL": "UV_DEFAULT_INDEX",
    "PIP_EXTRA_INDEX_URL": "UV_INDEX",
    "PIP_TRUSTED_HOST": "UV_INSECURE_HOST",
    "PIP_FIND_LINKS": "UV_FIND_LINKS",
    "PIP_NO_INDEX": "UV_NO_INDEX",
}


# uv's settings that say where packages come from.
INDEX_VARIABLES = {*PIP_TO_UV.values(), "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX_STRATEGY"}


def index_env(pip_env: Mapping[str, str], env: Mapping[str, str]) -> dict[str, str]:
    """uv's index settings: the mapped PIP_* ones, then the user's own UV_*."""
    out = {PIP_TO_UV[k]: v for k, v in pip_env.items() if k in PIP_TO_UV}
    out.update({k: v for k, v in env.items() if k.startswith("UV_") and v})
    return out


class Uv:
    def __init__(self, ctx: BuildContext, executable: Path, python: Path, cache_dir: Path,
                 pip_env: Mapping[str, str], log: Logger, vendored: Vendor | None = None):
        self.ctx = ctx
        self.vendored = vendored
        self.executable = executable
        self.name = uv_layer.tool_name(ctx)
        self.log = log
        base = {k: v for k, v in ctx.env.items() if not k.startswith(("PIP_", "UV_"))}
        lock_base = dict(base)
        # The user's index settings, then ours: uv must neither download nor pick an
        # interpreter (the stack's CPython is the one), and copies files into the layer.
        ours = {"UV_CACHE_DIR": str(cache_dir), "UV_PYTHON": str(python), "UV_PYTHON_DOWNLOADS": "never",
                "UV_LINK_MODE": "copy", "UV_NO_PROGRESS": "1", "NO_COLOR": "1"}
        self.env = {**base, **index_env(pip_env, ctx.env), **ours}
        # `uv lock --check` reads the indexes the lock was made with: a mirror given for
        # the install (PIP_INDEX_URL, UV_DEFAULT_INDEX, ...) would make every lock look
        # outdated. The user's other UV_* settings apply.
        self.lock_env = {**lock_base, **{k: v for k, v in ctx.env.items()
                                         if k.startswith("UV_") and v and k not in INDEX_VARIABLES}, **ours}

    def run(self, args: list[str], failure: str, where: str, fix: str, env: Mapping[str, str] | None = None) -> str:
        # uv reports on stderr: shown whether or not it fails.
        shown = tool_run.Failure(failure, fix, where=where, tail=14, text=lambda out: out.stderr,
                                 explain=self.vendored.explain if self.vendored else None)
        return tool_run.run([str(self.executable), *args], shown, cwd=self.ctx.app_dir, env=dict(env or self.env),
                            merge_stderr=False, show=self._log_stderr).stdout

    def _log_stderr(self, out: tool_run.Output) -> None:
        for line in tool_run.nonblank(out.stderr):
            self.log.detail(line)

    def check_lock(self) -> None:
        self.run(["lock", "--check"], "uv.lock does not match pyproject.toml", where="uv.lock",
                 fix="run `uv lock` and commit the new uv.lock (the build never re-resolves a lock)", env=self.lock_env)

    def export(self) -> str:
        """The lock's production packages (no dev or default groups, not the project
        itself) as requirement lines with their hashes."""
        return self.run(["export", "--frozen", "--format", "requirements.txt", "--no-default-groups",
                         "--no-emit-project", "--no-header", "--no-annotate"],
                        "uv could not read uv.lock", where="uv.lock", fix="run `uv lock` and commit the new uv.lock")

    def prune_cache(self) -> None:
        """Keeps in the cache layer only the wheels uv built from source: what the index
        serves as a wheel is downloaded again when the dependencies change, which costs
        less than restoring and exporting every unpacked wheel with each build. Only a
        saving: when it fails, the build goes on with the whole cache."""
        try:
            self.run(["cache", "prune", "--ci"], "uv could not prune its cache", where=f"the {installer_cache_layer.UV} layer",
                     fix="")
        except UserError as exc:
            self.log.warn(f"uv could not prune its cache; the {installer_cache_layer.UV} layer keeps all of it ({exc.what})")

    def install(self, venv: Path, args: list[str], where: str) -> None:
        self.run(["pip", "install", "--python", str(venv / "bin" / "python"), *args],
                 "uv could not install the dependencies", where=where,
                 fix="fix the package uv names above (name, version, hash, or the index settings "
                     "PIP_INDEX_URL / PIP_EXTRA_INDEX_URL / UV_DEFAULT_INDEX / UV_INDEX)")


_LOCAL = re.compile(r"^(?:-e\s+|--editable[=\s]+)?(?:[A-Za-z0-9][A-Za-z0-9._-]*\s*@\s*)?file:")


def split_local(exported: str) -> tuple[str, list[str]]:
    """(the exported requirements that carry hashes, the local path ones): a path
    dependency (Poetry's `{ path = "...", develop = true }`, inside the source: checked
    when pyproject.toml is read) is a directory, so no lock holds a hash of it. Its own
    dependencies are in the lock, so it is installed without them, after the rest."""
    hashed, local = [], []
    for line in exported.replace("\\\n", " ").splitlines():
        (local if _LOCAL.match(line.strip()) else hashed).append(line.strip())
    return "\n".join(hashed) + "\n", [line for line in local if line]


def locked_names(exported: str) -> set[str]:
    return {n for n in (requirement_name(line) for line in exported.splitlines()) if n}
