"""Google's functions framework for Node.js (@google-cloud/functions-framework), which
serves the function: the project's own when package.json declares it (then in the
dependencies layer, at the version the lock pins), else the builder's (the pin in
versions.toml, installed from buildpacks/nodejs/framework/package-lock.json when the
builder was made) copied into the launch-only `functions-framework` layer, on NODE_PATH
so the function's own `require('@google-cloud/functions-framework')` finds it too."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from funcpacks import bundled
from funcpacks.errors import UserError
from funcpacks.layers import Layer, Step

from .config import Config

NAME = "functions-framework"
PACKAGE = "@google-cloud/functions-framework"
BUNDLED_KIND = "nodejs-functions-framework"
MAIN = Path("build") / "src" / "main.js"
LAYOUT = "1"


@dataclass(frozen=True)
class Framework:
    version: str
    main: Path  # main.js where the image runs it
    package_dir: Path  # the package where this build can read it (for the check)
    node_path: str  # '' when the project's own node_modules holds it


def package_path(node_modules: Path) -> Path:
    return node_modules.joinpath(*PACKAGE.split("/"))


def _version(package_dir: Path) -> str:
    return str(json.loads((package_dir / "package.json").read_text()).get("version", "?"))


def provide(step: Step, cfg: Config, dependencies: Layer | None, pin: str) -> Framework:
    ctx, log = step.ctx, step.log
    layer = step.layers.get(NAME)
    declared = cfg.package.dependencies.get(PACKAGE)
    if declared:
        own = package_path(dependencies.path / "node_modules") if dependencies else None
        if own is None or not (own / MAIN).is_file():
            raise UserError(f"package.json declares {PACKAGE} ({declared}), but the install left no {MAIN} of it",
                            where="package.json dependencies", fix=f"check that {PACKAGE} is installed by npm ci")
        layer.remove()
        version = _version(own)
        log.info(f"{PACKAGE} {version}: package.json declares it ({declared!r})")
        return Framework(version, own / MAIN, own, "")
    if PACKAGE in cfg.package.dev_dependencies:
        raise UserError(f"package.json lists {PACKAGE} in devDependencies only, which are not in the image",
                        where="package.json devDependencies", fix=f"move {PACKAGE} to dependencies")
    if cfg.skip_framework_injection:
        raise UserError(f"package.json does not declare {PACKAGE}, and {cfg.skip_framework_injection} says not to "
                        "add it", where="package.json dependencies",
                        fix=f"add it (`npm install {PACKAGE}`) and commit package.json and package-lock.json, or "
                            "unset the setting")
    carried = bundled.find(ctx.buildpack_dir, BUNDLED_KIND, pin, ctx.target.arch)
    if carried is None:
        raise UserError(f"this buildpack carries no {PACKAGE} {pin}", where=str(ctx.buildpack_dir),
                        fix=f"declare {PACKAGE} in package.json, or use a builder made by `make builder`")
    if not layer.reuse_or_reset({"version": pin, "layout": LAYOUT}, log, contents_needed=False):
        with layer.removed_on_failure():
            shutil.copytree(carried.path / "node_modules", layer.path / "node_modules", symlinks=True)
            layer.env_default("NODE_PATH", str(layer.path / "node_modules"), scope="launch")
    layer.set_types(launch=True).write()
    log.info(f"{PACKAGE} {pin}: package.json does not declare it; the builder's, on NODE_PATH")
    return Framework(pin, package_path(layer.path / "node_modules") / MAIN,
                     package_path(carried.path / "node_modules"), str(carried.path / "node_modules"))
