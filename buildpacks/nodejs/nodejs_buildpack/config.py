"""Everything the user can set for a Node.js build, resolved once from the platform env,
package.json and the version files: the rest of the buildpack reads its settings only
from here. The settings every buildpack shares (entrypoint, Procfile, labels, run image)
are the library's LaunchSettings, resolved here with the rest."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from funcpacks import launch_settings, settings, user_files
from funcpacks.errors import UserError
from funcpacks.log import Logger

from . import node_versions, package_json
from .package_json import PackageJson

if TYPE_CHECKING:
    from funcpacks.download import Mirrors

SIGNATURE_TYPES = ("http", "event", "cloudevent")
SCRIPT_FILES = ("*.js", "*.mjs", "*.cjs")
# A Python project may carry a script or two of JavaScript; without package.json these (or
# any .py file at the top) mark it as Python's, whose buildpack comes after this one.
PYTHON_MARKERS = ("requirements.txt", "pyproject.toml", "setup.py", "main.py")
VERSION_FILES = (".nvmrc", ".node-version")
# What gcp-builder runs after the install when no setting names scripts: gcp-build, else build.
DEFAULT_SCRIPTS = ("gcp-build", "build")
APP_FILE = "server.js"  # what `npm start` runs when package.json has no start script


class NothingToRun(UserError):
    """Neither a function nor an app: the one error detect fails on. Every other one
    passes detect, so that the build reports it with where and how to fix it."""


@dataclass(frozen=True)
class Config:
    mode: str  # "function" or "app"
    package: PackageJson = field(default_factory=PackageJson)
    target: str = ""
    signature_type: str = "http"
    source: settings.Setting | None = None  # GOOGLE_FUNCTION_SOURCE: a file or directory
    node_request: str = ""  # a version or range; '' asks for nothing
    node_request_origin: str = ""
    scripts: tuple[str, ...] = ()  # package.json scripts run after the install
    scripts_origin: str = ""
    skip_framework_injection: str = ""  # the setting that said not to add the framework
    vendored: str = ""  # the setting that said to use the source's node_modules as it is
    app_command: str = ""  # app mode without an entrypoint: the start script or `node server.js`
    app_command_origin: str = ""
    launch: launch_settings.LaunchSettings = field(default_factory=launch_settings.LaunchSettings)


def forbidden(env: Mapping[str, str], app_dir: Path | None = None) -> str:
    return settings.runtime_forbids(env, settings.NODEJS, app_dir)


def mirrors(env: Mapping[str, str], platform_dir: Path) -> "Mirrors":
    """Where Node.js releases are downloaded from instead (BP_DEPENDENCY_MIRROR*, a binding
    of type dependency-mirror)."""
    from funcpacks import download  # here: detect needs no downloads
    return download.Mirrors.from_env(env, platform_dir)


def is_node_project(app_dir: Path, env: Mapping[str, str]) -> bool:
    if (app_dir / package_json.FILE).is_file():
        return True
    forced = settings.runtime(env)
    scripts = any(p.is_file() for pattern in SCRIPT_FILES for p in app_dir.glob(pattern))
    if forced is not None and forced.language == settings.NODEJS:
        return scripts
    return scripts and not any((app_dir / m).exists() for m in PYTHON_MARKERS) and not any(app_dir.glob("*.py"))


def _version_file(app_dir: Path) -> tuple[str, str]:
    for name in VERSION_FILES:
        if (app_dir / name).is_file():
            lines = [ln.strip() for ln in user_files.read_source_file(app_dir, name).splitlines()
                     if ln.strip() and not ln.strip().startswith("#")]
            if lines:
                return lines[0], name
    return "", ""


def node_request(app_dir: Path, env: Mapping[str, str], pkg: PackageJson, log: Logger | None) -> tuple[str, str]:
    """(version or range, where it came from); ('', '') when nothing asks for one. The
    first of: a setting, package.json's engines.node, .nvmrc / .node-version, the version
    in GOOGLE_RUNTIME (nodejs22)."""
    s = settings.version_request(env, "nodejs_version", log)
    found = (s.value, s.source) if s else ("", "")
    if not found[0] and pkg.engines_node:
        found = (pkg.engines_node, "package.json engines.node")
    if not found[0]:
        found = _version_file(app_dir)
    if not found[0]:
        hint = settings.runtime_version_hint(env)
        found = (hint.value, hint.source) if hint else ("", "")
    if found[0]:
        try:
            node_versions.check(found[0])
        except node_versions.BadRange:
            raise UserError(f"cannot read the Node.js version {found[0]!r}", where=found[1],
                            fix="give a version or range as npm reads them (22, 22.11.0, ^20.10, >=20 <23, 22.x) or "
                                "an .nvmrc alias (lts/*, lts/<code name>, node)") \
                from None
    return found


def _scripts(env: Mapping[str, str], pkg: PackageJson, log: Logger | None) -> tuple[tuple[str, ...], str]:
    given = settings.lookup(env, "node_run_scripts", log)
    if given is not None:
        names = tuple(n.strip() for n in given.value.split(",") if n.strip())
        missing = [n for n in names if n not in pkg.scripts]
        if missing:
            raise UserError(f"{given.source} names script(s) package.json does not have: {', '.join(missing)}",
                            where=given.source,
                            fix=f"name scripts of package.json ({', '.join(pkg.scripts) or 'it has none'}), "
                                f"or set {given.source} empty to run none")
        return names, given.source
    empty = settings.set_empty(env, "node_run_scripts")
    if empty:
        return (), f"{empty} is set and empty"
    for name in DEFAULT_SCRIPTS:
        if name in pkg.scripts:
            return (name,), f"package.json has a {name!r} script"
    return (), ""


def resolve(app_dir: Path, env: Mapping[str, str], log: Logger | None = None) -> Config:
    """With a log (the build) every disagreement between spellings is reported, once;
    detect passes none."""
    launch = launch_settings.resolve(app_dir, env, log, clears_source=False)
    pkg = package_json.read(app_dir)
    req, req_origin = node_request(app_dir, env, pkg, log)
    scripts, scripts_origin = _scripts(env, pkg, log)
    skip = settings.lookup(env, "skip_framework_injection", log)
    vendor = settings.lookup(env, "vendor_npm_dependencies", log)
    common = dict(package=pkg, node_request=req, node_request_origin=req_origin, scripts=scripts,
                  scripts_origin=scripts_origin, launch=launch,
                  skip_framework_injection=f"{skip.source}={skip.value}" if skip and settings.truthy(skip.value)
                  else "",
                  vendored=f"{vendor.source}={vendor.value}" if vendor and settings.truthy(vendor.value) else "")
    target = settings.lookup(env, "function_target", log)
    if target:
        sig = settings.value(env, "signature_type", log, "http").lower()
        if sig not in SIGNATURE_TYPES:
            sig_src = settings.lookup(env, "signature_type").source  # type: ignore[union-attr]
            raise UserError(f"unknown function signature type {sig!r}", where=sig_src,
                            fix=f"use one of: {', '.join(SIGNATURE_TYPES)} (Google's functions framework serves "
                                "these; OpenFunction's asynchronous `openfunction` functions need its Dapr "
                                "runtime, which this builder does not carry)")
        return Config(mode="function", target=target.value, signature_type=sig,
                      source=settings.lookup(env, "function_source", log), **common)  # type: ignore[arg-type]
    if launch.entrypoint or launch.procfile.processes.get("web"):
        return Config(mode="app", **common)  # type: ignore[arg-type]
    if "start" in pkg.scripts:
        return Config(mode="app", app_command=pkg.scripts["start"], app_command_origin="package.json start script",
                      **common)  # type: ignore[arg-type]
    if (app_dir / APP_FILE).is_file():
        return Config(mode="app", app_command=f"node {APP_FILE}", app_command_origin=APP_FILE, **common)  # type: ignore[arg-type]
    raise NothingToRun(
        "this Node.js project names no function and no command to run",
        where=str(app_dir),
        fix="set GOOGLE_FUNCTION_TARGET (or FUNC_NAME) to the exported function's name, or give package.json a "
            "\"start\" script, a server.js, GOOGLE_ENTRYPOINT (or FUNC_ENTRYPOINT) or a Procfile 'web:' line")
