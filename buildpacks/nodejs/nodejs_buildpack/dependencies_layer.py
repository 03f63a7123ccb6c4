"""The `dependencies` layer (launch + cache): the project's node_modules, installed by its
package manager (npm, pnpm or Yarn: package_manager.py) in the source directory as the
project expects (exactly the lock; without one, resolved now, which is not reproducible and
says so), then moved into the layer, with `node_modules` in the source a link to it. Reused
while package.json, the lock, the manager, the Node.js line and the arch are unchanged;
cached, so the build-time check of the function loads it.

Build scripts (gcp-build, build, GOOGLE_NODE_RUN_SCRIPTS) need devDependencies: then
everything is installed, the scripts run, and devDependencies are pruned, on every build
(the scripts' output is in the source, which is not cached)."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Callable

from funcpacks import sbom
from funcpacks.errors import UserError
from funcpacks.layers import Layer, Step
from funcpacks.log import Logger

from . import installed, node_versions, package_json, package_manager
from .config import Config
from .installers import Installer
from .package_manager import Choice

NAME = "dependencies"
LAYOUT = "1"
MODULES = "node_modules"
# What else an install reads besides package.json and the lock.
SETTINGS_FILES = (".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml", ".pnpmfile.cjs")


def inputs_digest(app: Path, lock: str) -> str:
    h = hashlib.sha256()
    for name in (package_json.FILE, lock, *SETTINGS_FILES):
        if name and (app / name).is_file():
            h.update(name.encode() + b"\0" + (app / name).read_bytes() + b"\0")
    return h.hexdigest()[:32]


# pnpm 10 and later run no dependency's install script unless the project allows it:
# a native module is then left uncompiled.
PNPM_IGNORED_SCRIPTS = "Ignored build scripts:"


def needed(cfg: Config, choice: Choice) -> bool:
    """Whether the package manager has anything to do: else there is no layer (and no cache)."""
    pkg = cfg.package
    return pkg.present and bool(pkg.installs_anything or choice.lock or cfg.scripts)


def vendored(step: Step, cfg: Config, tool: Installer) -> Layer:
    """The source's own node_modules (GOOGLE_VENDOR_NPM_DEPENDENCIES): nothing is installed
    and no registry is asked; `npm rebuild --offline` compiles its native modules for this
    Node.js and arch; then it moves into the layer like an installed tree (launch only: the
    source is what it comes from, every build). Build scripts run on it with npm, as they
    would after an install."""
    ctx, log = step.ctx, step.log
    own = ctx.app_dir / MODULES
    if not own.is_dir() or own.is_symlink():
        raise UserError(f"{cfg.vendored} says to use the source's {MODULES}, but the source has none",
                        where=str(ctx.app_dir), fix=f"commit {MODULES} (from `npm ci --omit=dev`) with the source, or "
                                                    "unset the setting to install from package.json and the lock")
    layer = step.layers.get(NAME).reset()
    log.info(f"the source's {MODULES}, as it is ({cfg.vendored}): nothing is installed")
    with layer.removed_on_failure():
        tool.runner.run(["rebuild", "--offline"], ctx.app_dir,
                        f"npm could not rebuild the native modules of the source's {MODULES}", where=MODULES,
                        fix=f"vendor a {MODULES} whose native modules build offline (their sources in it), or unset "
                            "the setting to install from the registry")
        _run_scripts(ctx.app_dir, cfg, tool)
        shutil.move(str(own), layer.path / MODULES)
    return _finish(step, layer, launch_only=True)


def provide(step: Step, cfg: Config, choice: Choice, node_version: str,
            make_tool: Callable[[], Installer] | None) -> Layer | None:
    """make_tool: None when needed() says there is nothing to install; called only when
    the layer is built (a reused layer needs no package manager, nor its download)."""
    ctx, log = step.ctx, step.log
    app, pkg = ctx.app_dir, cfg.package
    layer = step.layers.get(NAME)
    lock = choice.lock
    ignored = package_manager.other_locks(app, choice)
    if ignored:
        log.warn(f"{', '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} not used: {choice.label} installs "
                 f"({choice.origin}); remove the other lock so that the project says one thing")
    if make_tool is None:
        log.info("no dependencies to install" + ("" if pkg.present else " (no package.json)"))
        layer.remove()
        return None
    own_modules = app / MODULES
    if own_modules.exists() or own_modules.is_symlink():
        log.warn(f"the source's {MODULES} is not used: the dependencies are installed from package.json"
                 + (f" and {lock}" if lock else "") + "; set GOOGLE_VENDOR_NPM_DEPENDENCIES=true to use it as it is")
        _remove(own_modules)
    expected = {"node": str(node_versions.parse(node_version)[0]), "arch": ctx.target.arch,
                "manager": choice.label, "inputs": inputs_digest(app, lock), "lock": lock or "none",
                "layout": LAYOUT}
    if cfg.scripts:
        log.rebuilding(NAME, f"the build scripts ({', '.join(cfg.scripts)}: {cfg.scripts_origin}) run on every "
                             "build, with devDependencies")
        layer.reset()
        layer.metadata = dict(expected, scripts=",".join(cfg.scripts))
        reused = False
    else:
        reused = layer.reuse_or_reset(expected, log)
    if not reused:
        with layer.removed_on_failure():
            _install(app, cfg, make_tool(), log)
            if (app / MODULES).is_dir():
                shutil.move(str(app / MODULES), layer.path / MODULES)
            else:
                (layer.path / MODULES).mkdir()
    return _finish(step, layer)


def _finish(step: Step, layer: Layer, launch_only: bool = False) -> Layer:
    ctx, log = step.ctx, step.log
    os.symlink(layer.path / MODULES, ctx.app_dir / MODULES)
    # Programs of the dependencies (node_modules/.bin) for start scripts and Procfiles.
    layer.env_prepend_path("PATH", str(layer.path / MODULES / ".bin"))
    layer.set_types(launch=True, cache=not launch_only).write()
    found = installed.packages(layer.path / MODULES)
    sbom.write_layer_sbom(ctx.layers_dir, NAME, [sbom.Component(p.name, p.version, "npm") for p in found],
                          "funcpacks/nodejs")
    log.info(f"{len(found)} packages in node_modules (SBOM: {NAME}.sbom.cdx.json)")
    return layer


def _install(app: Path, cfg: Config, tool: Installer, log: Logger) -> None:
    choice, run = tool.choice, tool.runner.run
    if not choice.lock:
        log.warn(f"package.json has no lock: {choice.name} resolves the versions now, so this build is not "
                 f"reproducible; run `{choice.name} install` and commit the lock it writes")
    what = (f"{choice.name} could not install what {choice.lock} pins" if choice.lock
            else f"{choice.name} install failed")
    if choice.lock and tool.verify:
        run(tool.verify, app, what, where=choice.lock, fix=tool.lock_fix)
    out = run(tool.install_with_dev if cfg.scripts else tool.install, app, what,
              where=choice.lock or package_json.FILE, fix=tool.lock_fix)
    ignored = next((line.strip() for line in out.splitlines() if PNPM_IGNORED_SCRIPTS in line), "")
    if ignored:
        log.warn(f"pnpm ran no install script of these dependencies ({ignored.split(':', 1)[1].strip()}): a native "
                 "module among them is not compiled; allow them in package.json \"pnpm\": {\"onlyBuiltDependencies\": "
                 "[...]} (`pnpm approve-builds` writes it)")
    _run_scripts(app, cfg, tool)
    if cfg.scripts and tool.prune:
        run(tool.prune, app, f"{choice.name} could not remove the devDependencies after the build scripts",
            fix=f"run `{' '.join([choice.name, *tool.prune[:2]])}` locally to see the same error")


def _run_scripts(app: Path, cfg: Config, tool: Installer) -> None:
    choice, run = tool.choice, tool.runner.run
    for script in cfg.scripts:
        run(tool.script(script), app, f"the package.json script {script!r} failed", where=f"package.json scripts."
            f"{script} ({cfg.scripts_origin})",
            fix=f"run `{choice.name} run {script}` locally to see the same error" + (
                "" if "GOOGLE_NODE_RUN_SCRIPTS" in cfg.scripts_origin else
                "; set GOOGLE_NODE_RUN_SCRIPTS empty to run no script"))


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path)
