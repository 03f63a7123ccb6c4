"""The `dependencies` layer: a virtual environment with the project's requirements and
the functions framework, reused while its metadata record matches.

pip (the build image's: `pip --python <venv>`) or uv (a build-only layer) installs into
it, so the launch layer carries no installer. Byte-code is compiled with unchecked-hash
pycs: no source timestamps inside, so two builds give identical files.

The layer is launch only. When its metadata matches, the lifecycle restores only its
toml (from the previous image) and the exporter keeps that image's layer: nothing is
restored, hashed or exported again. What the build needs to know about the environment
then (its distributions for the SBOM and the framework check, its programs for the
process check) is what was recorded in the metadata when it was built. Without a
previous image (a first build, a deleted image) there is no metadata and the environment
is installed again, from the installer's cache layer (the lifecycle's -skip-restore
restores neither).
"""
from __future__ import annotations

import email.parser
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from funcpacks import sbom
from funcpacks.errors import UserError
from funcpacks.layers import Layer, Step
from funcpacks.log import Logger

from . import installers, knative, package_manager, pkg_resources_use, poetry, poetry_layer, requirements, uv
from .config import Config
from .package_manager import Choice
from .requirements import FRAMEWORK, Declaration
from .runtime import Interpreter

NAME = "dependencies"
# Bump when the way the layer is built changes, so old layers are not reused.
# 2: launch only, its distributions and programs recorded in the metadata.
# 3: setuptools only for code that cannot run without pkg_resources.
LAYOUT = "3"
# The last setuptools with pkg_resources, for environments that need it (pkg_resources_use).
PKG_RESOURCES_SETUPTOOLS = "setuptools<81"
# Where a lock resolved at build time is kept in the environment (path in the layer).
RESOLVED_LOCK = "funcpacks-resolved/poetry.lock"


@dataclass(frozen=True)
class Installed:
    name: str
    version: str


def framework_spec(cfg: Config, decl: Declaration, default_pin: str, log: Logger) -> list[str]:
    """Requirements added to the user's: the framework that serves the function when they
    name none (functions-framework; func-python for a Knative Functions function)."""
    if cfg.mode not in ("function", "knative"):
        return []
    framework = knative.FRAMEWORK if cfg.mode == "knative" else FRAMEWORK
    if framework in decl.names:
        if cfg.framework_version:
            log.warn(f"FUNC_FRAMEWORK_VERSION={cfg.framework_version} is ignored: {decl.kind} names {framework} itself")
        return []
    if cfg.skip_framework_injection:
        log.info(f"{decl.kind if decl.kind != 'none' else 'the project'} names no {framework}, and "
                 f"{cfg.skip_framework_injection} says not to add it")
        return []
    if decl.locked:
        tool = decl.kind.split(".")[0]
        raise UserError(f"pyproject.toml names no {framework}, and the build does not change a lock",
                        where=f"pyproject.toml (locked in {decl.kind})",
                        fix=f"run `{tool} add {framework}` and commit pyproject.toml and {decl.kind}")
    v = cfg.framework_version or default_pin
    spec = f"{framework}=={v}" if re.match(r"^\d", v) else f"{framework}{v}"
    origin = "FUNC_FRAMEWORK_VERSION" if cfg.framework_version else "default pin"
    log.info(f"{decl.kind if decl.kind != 'none' else 'the project'} names no {framework}; adding {spec} ({origin})")
    return [spec]


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages"))
    if not found:
        raise RuntimeError(f"no site-packages in {venv}")
    return found[0]


def installed(venv: Path) -> list[Installed]:
    parser = email.parser.HeaderParser()
    result = []
    for meta in sorted(site_packages(venv).glob("*.dist-info/METADATA")):
        headers = parser.parsestr(meta.read_text(errors="replace"))
        if headers.get("Name") and headers.get("Version"):
            result.append(Installed(headers["Name"], headers["Version"]))
    return result


def record(venv: Path) -> dict[str, list[str]]:
    """What later builds that keep the environment without its contents need to know
    about it: its distributions and the programs in its bin/."""
    return {"distributions": [f"{d.name}=={d.version}" for d in installed(venv)],
            "programs": sorted(p.name for p in (venv / "bin").iterdir())}


def distributions(layer: Layer) -> list[Installed]:
    """The environment's distributions, as recorded when it was built."""
    return [Installed(*entry.split("==", 1)) for entry in layer.recorded["distributions"]]


def kept_programs(layer: Layer) -> dict[Path, frozenset[str]]:
    """For processes.Runner: the programs of an environment kept from the previous image
    (its contents are not here); nothing when the environment is here to be checked."""
    if layer.path.is_dir():
        return {}
    return {layer.path: frozenset(f"bin/{name}" for name in layer.recorded["programs"])}


def install_args(decl: Declaration, extra: list[str]) -> list[str]:
    if decl.kind == "requirements.txt":
        return ["-r", "requirements.txt", *extra]
    return [*decl.pyproject_dependencies, *extra]


def provide(step: Step, cfg: Config, interp: Interpreter, default_pin: str) -> Layer:
    """The dependencies layer for this source: the package manager its files call for,
    the lock it installs exactly, the declared requirements plus the framework when a
    function needs one; reused while all of that is unchanged."""
    ctx, log = step.ctx, step.log
    manager = package_manager.choose(ctx.app_dir, cfg.package_manager)
    log.info(f"package manager: {manager.name} ({manager.reason})")
    if cfg.vendor:
        log.info(f"installing only from the vendored directory {cfg.vendor.directory} ({cfg.vendor.origin}): "
                 "no index is asked")
    lock = package_manager.lock_file(ctx.app_dir, manager)
    for unused in package_manager.unused_locks(ctx.app_dir, lock):
        log.warn(f"{unused} is not used: {manager.reason}")
    decl = requirements.read(ctx.app_dir, lock=lock)
    _say_if_not_reproducible(decl, log)
    extra = framework_spec(cfg, decl, default_pin, log)
    layer = build_layer(step, cfg, interp, decl, extra, manager)
    if cfg.mode in ("function", "knative"):
        _check_framework_supports(layer, cfg, decl)
    return layer


def _say_if_not_reproducible(decl: Declaration, log: Logger) -> None:
    """A project without a lock is resolved by this build: said once, with the command
    that pins the result."""
    if decl.resolved_at_build:
        log.warn("pyproject.toml is Poetry's and there is no poetry.lock: Poetry resolves the dependencies now "
                 "(`poetry lock`), so the result is not reproducible (a later build may get newer versions); run "
                 "`poetry lock` and commit poetry.lock to pin them")
    elif decl.kind == "pyproject.toml" and decl.pyproject_dependencies:
        log.warn("pyproject.toml has no lock: its dependencies are resolved now, so the result is not reproducible "
                 "(a later build may get newer versions); run `uv lock` (or `poetry lock`) and commit the lock to "
                 "pin them")


def _check_framework_supports(layer: Layer, cfg: Config, decl: Declaration) -> None:
    """The framework is installed, and 1.x knows only http and event signatures."""
    versions = {requirements.canonical(d.name): d.version for d in distributions(layer)}
    if cfg.mode == "knative":
        if knative.FRAMEWORK not in versions:
            raise UserError(f"{knative.FRAMEWORK}, which serves a Knative Functions function, is not installed",
                            where=decl.kind if decl.kind != "none" else "the project",
                            fix=f"add {knative.FRAMEWORK} to the dependencies"
                                + (f", or unset {cfg.skip_framework_injection}" if cfg.skip_framework_injection else ""))
        return
    ff = versions.get(FRAMEWORK)
    if ff is None and cfg.skip_framework_injection:
        raise UserError(f"{FRAMEWORK} is not installed, and {cfg.skip_framework_injection} says not "
                        "to add it", where=decl.kind if decl.kind != "none" else "the project",
                        fix=f"add {FRAMEWORK} to the dependencies, or unset the setting")
    if ff is None:
        raise UserError(f"{FRAMEWORK} is not installed although the requirements name it",
                        where=decl.kind, fix="check the requirement line for functions-framework")
    if cfg.signature_type == "cloudevent" and int(ff.split(".")[0]) < 2:
        raise UserError(f"signature type cloudevent needs {FRAMEWORK} >= 2.0; the requirements pin {ff}",
                        fix=f"raise the {FRAMEWORK} pin or use signature type event")


def build_layer(step: Step, cfg: Config, interp: Interpreter, decl: Declaration, extra: list[str],
                manager: Choice) -> Layer:
    ctx, log = step.ctx, step.log
    installer = installers.provide(step, cfg, interp, manager)
    layer = step.layers.get(NAME)
    expected = {
        "python": interp.version,
        "requirements": decl.digest(extra),
        "framework": " ".join(extra) or "from " + decl.kind,
        "installer": installer.name,
        "index": cfg.vendor.fingerprint() if cfg.vendor else "configured",
        "distro": f"{ctx.target.distro_name}-{ctx.target.distro_version}",
        "arch": ctx.target.arch,
        # A venv is not relocatable: its scripts and pyvenv.cfg name this path.
        "path": str(layer.path),
        "layout": LAYOUT,
    }
    if not layer.reuse_or_reset(expected, log, contents_needed=False):
        with layer.removed_on_failure():
            _install(interp, decl, extra, layer, installer, _locker(step, interp, decl, installer), log)
            if isinstance(installer, uv.Uv):
                installer.prune_cache()
            layer.env_default("VIRTUAL_ENV", str(layer.path), scope="launch")
            layer.env_default("PYTHONUNBUFFERED", "1", scope="launch")
            layer.recorded = record(layer.path)
    # Kept as it is otherwise: writing into the directory of a kept layer would make the
    # exporter take those few files for the whole layer.
    layer.set_types(launch=True).write()
    components = [sbom.Component(d.name, d.version, "pypi") for d in distributions(layer)]
    sbom.write_layer_sbom(ctx.layers_dir, layer.name, components, "funcpacks/python")
    log.info(f"{len(components)} distributions in the environment (SBOM: {layer.name}.sbom.cdx.json)")
    return layer


class Locker(Protocol):
    """What reads a lock: uv.Uv or poetry.Poetry."""

    def check_lock(self) -> None: ...

    def export(self) -> str: ...


def _locker(step: Step, interp: Interpreter, decl: Declaration, installer: installers.Installer) -> Locker | None:
    """What checks and exports the lock. Poetry is installed only when the dependencies
    are (its layer is then not restored on rebuilds that reuse them; uv's cache makes a
    later install quick)."""
    if decl.kind == "uv.lock":
        assert isinstance(installer, uv.Uv)
        return installer
    if decl.kind == "poetry.lock":
        assert isinstance(installer, uv.Uv)
        return poetry_layer.provide(step, interp.executable, installer)
    return None


def _checked_export(locker: Locker) -> str:
    locker.check_lock()
    return locker.export()


def _resolved_export(locker: Locker, venv: Path, log: Logger) -> str:
    """Poetry resolves pyproject.toml into a poetry.lock, which is exported and then moved
    out of the source (the source is not changed) into the environment, as the record of
    what this build resolved, ready to commit."""
    assert isinstance(locker, poetry.Poetry)
    with log.timed("poetry lock (resolving pyproject.toml)"):
        lock = locker.lock()
    try:
        exported = locker.export()
        record = venv / RESOLVED_LOCK
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_bytes(lock.read_bytes())
        log.info(f"the poetry.lock this build resolved: {record}")
    finally:
        lock.unlink(missing_ok=True)
    return exported


def _install(interp: Interpreter, decl: Declaration, extra: list[str], layer: Layer, installer: installers.Installer,
             locker: Locker | None, log: Logger) -> None:
    venv = layer.path
    subprocess.run([str(interp.executable), "-m", "venv", "--without-pip", str(venv)], check=True)
    if locker is not None:
        if isinstance(locker, poetry.Poetry) and decl.python_constraint and \
                not locker.allows(decl.python_constraint, interp.version):
            raise UserError(f"pyproject.toml asks for Python {decl.python_constraint}; the stack's CPython is "
                            f"{interp.version}", where="pyproject.toml",
                            fix=f"allow {interp.version} in the python constraint, then run `poetry lock`")
        exported = _resolved_export(locker, venv, log) if decl.resolved_at_build else _checked_export(locker)
        exported, local = uv.split_local(exported)
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as locked:  # outside every layer
            locked.write(exported)
            locked.flush()
            with log.timed(f"uv pip install of the {len(uv.locked_names(exported))} packages {decl.kind} pins"):
                installer.install(venv, ["--require-hashes", "--no-deps", "-r", locked.name], decl.kind)
        if local:
            log.info(f"{decl.kind} names paths in the source, installed without a hash: {'; '.join(local)}")
            with tempfile.NamedTemporaryFile("w", suffix=".txt") as paths:  # markers and -e as exported
                paths.write("\n".join(local) + "\n")
                paths.flush()
                installer.install(venv, ["--no-deps", "-r", paths.name], decl.kind)
        if extra:  # only without a lock (framework_spec): on top of what was resolved
            log.warn(f"{' '.join(extra)} is installed on top of what Poetry resolved, so the recorded poetry.lock "
                     f"lacks it: run `poetry add {' '.join(extra)}` before `poetry lock`")
            installer.install(venv, extra, " ".join(extra))
    else:
        args = install_args(decl, extra)
        if args:
            with log.timed(f"{installer.name.split()[0]} install"):
                installer.install(venv, args, " ".join(a for a in args if not a.startswith("-")) or "requirements")
        if pkg_resources_use.needed(site_packages(venv)):
            log.info(f"installed code imports pkg_resources, which nothing provides: adding {PKG_RESOURCES_SETUPTOOLS}")
            installer.install(venv, [PKG_RESOURCES_SETUPTOOLS], PKG_RESOURCES_SETUPTOOLS)
    # Deterministic byte-code: hashes of the sources, never their timestamps. Forced,
    # because starting the venv's python (pip, .pth hooks such as setuptools'
    # _distutils_hack) already wrote timestamp pycs that compileall would keep.
    subprocess.run([str(venv / "bin" / "python"), "-m", "compileall", "-q", "-f", "-j0",
                    "--invalidation-mode", "unchecked-hash", str(site_packages(venv))],
                   check=True, env={**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"},
                   stdout=subprocess.DEVNULL)
