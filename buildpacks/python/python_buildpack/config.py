"""Everything the user can set for a Python build, resolved once from the platform env
and the application directory: the rest of the buildpack reads its settings only from here.
The settings every buildpack shares (entrypoint, Procfile, labels, run image) are the
library's LaunchSettings, resolved here with the rest."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from funcpacks import launch_settings, settings, user_files
from funcpacks.errors import UserError
from funcpacks.log import Logger

from . import knative, vendor
from .vendor import Vendor

DEFAULT_SOURCE = "main.py"
SIGNATURE_TYPES = ("http", "event", "cloudevent")
# pip's own settings (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_TRUSTED_HOST, PIP_FIND_LINKS
# and every other PIP_* variable) reach pip's process only: they may carry credentials.
PIP_PREFIX = "PIP_"
PROJECT_MARKERS = ("requirements.txt", "pyproject.toml", "setup.py", ".python-version", "runtime.txt")


@dataclass(frozen=True)
class Config:
    mode: str  # "function", "app" or "knative" (a Knative Functions function: knative.py)
    target: str = ""
    signature_type: str = "http"
    source: str = DEFAULT_SOURCE
    entrypoint: str = ""  # app mode: a shell command line
    entrypoint_origin: str = ""
    runtime_request: str = ""
    runtime_request_origin: str = ""
    framework_version: str = ""
    # The setting that said not to add the functions framework ('' when none did).
    skip_framework_injection: str = ""
    pip_env: dict[str, str] = field(default_factory=dict)
    vendor: Vendor | None = None  # install from a directory of the source, no index
    package_manager: settings.Setting | None = None  # forces pip, uv or poetry
    source_origin: str = f"default ({DEFAULT_SOURCE})"  # what named the function's source file
    default_listen_address: settings.Setting | None = None  # knative: LISTEN_ADDRESS at launch
    # With a log (the build) it holds the checked labels; detect passes none and checks none.
    launch: launch_settings.LaunchSettings = field(default_factory=launch_settings.LaunchSettings)


def forbidden(env: Mapping[str, str], app_dir: Path | None = None) -> str:
    """Why a forced runtime rules Python out ('' when it does not)."""
    return settings.runtime_forbids(env, settings.PYTHON, app_dir)


def is_python_project(app_dir: Path, env: Mapping[str, str]) -> bool:
    """A dependency or version file, the function source, or any .py file at the root
    (a mistyped source setting must reach the build, which explains it)."""
    source = settings.value(env, "function_source") or DEFAULT_SOURCE
    if any((app_dir / m).is_file() for m in PROJECT_MARKERS + (source,)):
        return True
    return any(p.is_file() for p in app_dir.glob("*.py"))


def runtime_request(app_dir: Path, env: Mapping[str, str], log: Logger | None) -> tuple[str, str]:
    """(requested version, where it came from); ('', '') when nothing asks for one."""
    s = settings.version_request(env, "python_version", log)
    if s:
        return s.value, s.source
    for name in (".python-version", "runtime.txt"):
        path = app_dir / name
        if path.exists():
            lines = [ln.strip() for ln in user_files.read_source_file(app_dir, name).splitlines()
                     if ln.strip() and not ln.startswith("#")]
            if lines:
                return lines[0], name
    hint = settings.runtime_version_hint(env)
    return (hint.value, hint.source) if hint else ("", "")


def resolve(app_dir: Path, env: Mapping[str, str], log: Logger | None = None) -> Config:
    """With a log (the build) every disagreement between spellings is reported, once;
    detect passes none."""
    launch = launch_settings.resolve(app_dir, env, log, clears_source=False)
    target = settings.lookup(env, "function_target", log)
    entry = launch.entrypoint
    pip_env = {k: v for k, v in env.items() if k.startswith(PIP_PREFIX) and v}
    req, req_origin = runtime_request(app_dir, env, log)
    skip = settings.lookup(env, "skip_framework_injection", log)
    vendored = vendor.resolve(app_dir, env, log)
    if vendored:
        pip_env = vendored.pip_env(pip_env)
    common = dict(runtime_request=req, runtime_request_origin=req_origin,
                  framework_version=settings.value(env, "framework_version", log), pip_env=pip_env,
                  skip_framework_injection=f"{skip.source}={skip.value}" if skip and settings.truthy(skip.value) else "",
                  vendor=vendored, package_manager=settings.lookup(env, "python_package_manager", log),
                  launch=launch)
    if target:
        sig = settings.value(env, "signature_type", log, "http").lower()
        if sig not in SIGNATURE_TYPES:
            sig_src = settings.lookup(env, "signature_type").source  # type: ignore[union-attr]
            raise UserError(f"unknown function signature type {sig!r}", where=sig_src,
                            fix=f"use one of: {', '.join(SIGNATURE_TYPES)}")
        source = settings.lookup(env, "function_source", log)
        return Config(mode="function", target=target.value, signature_type=sig,
                      source=source.value if source else DEFAULT_SOURCE,
                      source_origin=source.source if source else f"default ({DEFAULT_SOURCE})", **common)
    if entry:
        return Config(mode="app", entrypoint=entry.value, entrypoint_origin=entry.source, **common)
    web = launch.procfile.processes.get("web", "")
    if web:
        return Config(mode="app", entrypoint=web, entrypoint_origin="Procfile (web)", **common)
    if knative.applies(app_dir):
        return Config(mode="knative", default_listen_address=settings.lookup(env, "default_listen_address", log),
                      **common)
    raise UserError(
        "this Python project names no function and no command to run",
        where=str(app_dir),
        fix="set GOOGLE_FUNCTION_TARGET (or FUNC_NAME) to the function's name, "
            "or GOOGLE_ENTRYPOINT (or FUNC_ENTRYPOINT) / a Procfile 'web:' line for an app, "
            "or lay it out as a Knative Functions function (function/__init__.py exporting new)")
