"""The `dependencies` layer (launch + cache): the project's node_modules, installed by npm
in the source directory as the project expects (`npm ci` exactly the lock; without a lock
`npm install`, which is not reproducible and says so), then moved into the layer, with
`node_modules` in the source a link to it. Reused while package.json, the lock, the Node.js
line and the arch are unchanged; cached, so the build-time check of the function loads it.

Build scripts (gcp-build, build, GOOGLE_NODE_RUN_SCRIPTS) need devDependencies: then
everything is installed, the scripts run, and devDependencies are pruned, on every build
(the scripts' output is in the source, which is not cached)."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from funcpacks import sbom
from funcpacks.errors import UserError
from funcpacks.layers import Layer, Step
from funcpacks.log import Logger

from . import installed, node_versions, package_json
from .config import Config
from .npm import Npm

NAME = "dependencies"
LAYOUT = "1"
MODULES = "node_modules"
# Other package managers' locks: installing with npm would ignore what they pin.
OTHER_LOCKS = {"yarn.lock": "yarn", "pnpm-lock.yaml": "pnpm", "bun.lockb": "bun", "bun.lock": "bun"}


def _refuse_other_managers(app: Path, cfg: Config, lock: str) -> None:
    manager = cfg.package.package_manager.split("@", 1)[0]
    if manager and manager != "npm":
        raise UserError(f"package.json's packageManager is {cfg.package.package_manager!r}; this builder installs "
                        "with npm only", where="package.json packageManager",
                        fix="install with npm (remove packageManager and commit a package-lock.json from "
                            "`npm install`)")
    if lock:
        return
    for name, tool in OTHER_LOCKS.items():
        if (app / name).exists():
            raise UserError(f"the project is locked by {tool} ({name}); this builder installs with npm only, which "
                            f"would ignore what {name} pins", where=name,
                            fix="commit a package-lock.json (`npm install --package-lock-only`), which npm ci "
                                "installs exactly")


def inputs_digest(app: Path, lock: str) -> str:
    h = hashlib.sha256()
    for name in (package_json.FILE, lock, ".npmrc"):
        if name and (app / name).is_file():
            h.update(name.encode() + b"\0" + (app / name).read_bytes() + b"\0")
    return h.hexdigest()[:32]


def needed(app: Path, cfg: Config) -> bool:
    """Whether npm has anything to do: else there is no layer (and no npm cache)."""
    pkg = cfg.package
    return pkg.present and bool(pkg.installs_anything or package_json.lock_file(app) or cfg.scripts)


def provide(step: Step, cfg: Config, npm: Npm | None) -> Layer | None:
    """npm: None when needed() says there is nothing to install."""
    ctx, log = step.ctx, step.log
    app, pkg = ctx.app_dir, cfg.package
    layer = step.layers.get(NAME)
    lock = package_json.lock_file(app)
    _refuse_other_managers(app, cfg, lock)
    if npm is None:
        log.info("no dependencies to install" + ("" if pkg.present else " (no package.json)"))
        layer.remove()
        return None
    own_modules = app / MODULES
    if own_modules.exists() or own_modules.is_symlink():
        log.warn(f"the source's {MODULES} is not used: the dependencies are installed from package.json"
                 + (f" and {lock}" if lock else ""))
        _remove(own_modules)
    expected = {"node": str(node_versions.parse(npm.node.version)[0]), "arch": ctx.target.arch,
                "inputs": inputs_digest(app, lock), "lock": lock or "none", "layout": LAYOUT}
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
            _install(app, cfg, lock, npm, log)
            if (app / MODULES).is_dir():
                shutil.move(str(app / MODULES), layer.path / MODULES)
            else:
                (layer.path / MODULES).mkdir()
    os.symlink(layer.path / MODULES, app / MODULES)
    # Programs of the dependencies (node_modules/.bin) for start scripts and Procfiles.
    layer.env_prepend_path("PATH", str(layer.path / MODULES / ".bin"))
    layer.set_types(launch=True, cache=True).write()
    found = installed.packages(layer.path / MODULES)
    sbom.write_layer_sbom(ctx.layers_dir, NAME, [sbom.Component(p.name, p.version, "npm") for p in found],
                          "funcpacks/nodejs")
    log.info(f"{len(found)} packages in node_modules (SBOM: {NAME}.sbom.cdx.json)")
    return layer


def _install(app: Path, cfg: Config, lock: str, npm: Npm, log: Logger) -> None:
    dev = ["--include=dev"] if cfg.scripts else ["--omit=dev"]
    if lock:
        npm.run(["ci", *dev], app, f"npm ci could not install what {lock} pins", where=lock,
                fix=f"run `npm ci` locally to see the same error; keep {lock} in step with package.json "
                    "(`npm install`)")
    else:
        log.warn("package.json has no package-lock.json: `npm install` resolves the versions now, so this build "
                 "is not reproducible; run `npm install` and commit package-lock.json")
        npm.run(["install", "--no-package-lock", *dev], app, "npm install failed", where=package_json.FILE,
                fix="run `npm install` locally to see the same error, fix package.json, and commit the "
                    "package-lock.json it writes")
    for script in cfg.scripts:
        npm.run(["run", script], app, f"the package.json script {script!r} failed", where=f"package.json scripts."
                f"{script} ({cfg.scripts_origin})",
                fix=f"run `npm run {script}` locally to see the same error" + (
                    "" if "GOOGLE_NODE_RUN_SCRIPTS" in cfg.scripts_origin else
                    "; set GOOGLE_NODE_RUN_SCRIPTS empty to run no script"))
    if cfg.scripts:
        npm.run(["prune", "--omit=dev"], app, "npm prune failed", fix="run `npm prune --omit=dev` locally")


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path)
