"""Which tool installs the dependencies, and why.

GOOGLE_PYTHON_PACKAGE_MANAGER / FUNC_PYTHON_PACKAGE_MANAGER forces one; otherwise the
project's files decide: a uv.lock means uv, Poetry's lock or table means Poetry, anything
else (requirements.txt, a bare pyproject.toml, nothing) means pip.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from funcpacks import settings
from funcpacks.errors import UserError

from . import requirements

MANAGERS = ("pip", "uv", "poetry")
UV_LOCK = "uv.lock"
POETRY_LOCK = "poetry.lock"


@dataclass(frozen=True)
class Choice:
    name: str  # one of MANAGERS
    reason: str  # for the log: what made the choice


def choose(app_dir: Path, forced: settings.Setting | None) -> Choice:
    """forced: the package manager setting (config.Config.package_manager)."""
    if forced:
        name = forced.value.lower()
        if name not in MANAGERS:
            raise UserError(f"unknown Python package manager {forced.value!r}", where=forced.source,
                            fix=f"use one of: {', '.join(MANAGERS)} (or unset it to choose from the project's files)")
        return Choice(name, f"{forced.source}={forced.value}")
    if (app_dir / UV_LOCK).exists():
        return Choice("uv", f"{UV_LOCK} is present")
    if (app_dir / POETRY_LOCK).exists():
        return Choice("poetry", f"{POETRY_LOCK} is present")
    if "poetry" in requirements.table(requirements.read_pyproject(app_dir)[1], "tool"):
        return Choice("poetry", "pyproject.toml has a [tool.poetry] table")
    if (app_dir / "requirements.txt").exists():
        return Choice("pip", "requirements.txt is present")
    if (app_dir / "pyproject.toml").exists():
        return Choice("pip", "pyproject.toml names no lock file")
    return Choice("pip", "the project declares no dependencies")


def lock_file(app_dir: Path, choice: Choice) -> str:
    """The lock the chosen manager installs from: uv's when there is one (uv without a
    lock installs what the project declares, as pip would); Poetry always needs its own."""
    if choice.name == "uv":
        return UV_LOCK if (app_dir / UV_LOCK).exists() else ""
    if choice.name == "poetry":
        return POETRY_LOCK
    return ""


def unused_locks(app_dir: Path, used: str) -> list[str]:
    return [name for name in (UV_LOCK, POETRY_LOCK) if name != used and (app_dir / name).exists()]
