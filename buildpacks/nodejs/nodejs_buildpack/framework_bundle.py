"""Bundles Google's functions framework into a packaged buildpack (`make builder` runs
this): `npm ci` of buildpacks/nodejs/framework/package-lock.json (every package pinned with
its integrity hash), with this machine's bundled Node.js, install scripts off. The
framework and its dependencies are JavaScript only, so one install serves every arch.

    python3 -m nodejs_buildpack.framework_bundle <bundled dir> <node dir> <version> <arch> <lock sha256>
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from funcpacks import bundled
from funcpacks.errors import UserError

from . import framework_layer, installed, npmrc

LOCK_DIR = Path(__file__).resolve().parent.parent / "framework"


def name(version: str, arch: str) -> str:
    return f"functions-framework-{version}-linux-{arch}"


def locked_version(lock_dir: Path = LOCK_DIR) -> str:
    lock = json.loads((lock_dir / "package-lock.json").read_text())
    return str(lock["packages"][f"node_modules/{framework_layer.PACKAGE}"]["version"])


def bundle(bundled_dir: Path, node_dir: str, version: str, arch: str, lock_sha256: str) -> Path:
    """lock_sha256: the lock the caller expects (what it keys the bundle by)."""
    if hashlib.sha256((LOCK_DIR / "package-lock.json").read_bytes()).hexdigest() != lock_sha256:
        raise UserError(f"{LOCK_DIR}/package-lock.json changed while the bundle was being made", fix="make it again")
    if locked_version() != version:
        raise UserError(f"{LOCK_DIR}/package-lock.json pins {framework_layer.PACKAGE} {locked_version()}, "
                        f"versions.toml {version}", fix="run `python3 -m funcpacks_dev.generate.tool_locks write`")
    node = Path(node_dir)
    dest = bundled_dir / name(version, arch)
    with tempfile.TemporaryDirectory() as tmp:
        for f in ("package.json", "package-lock.json"):
            shutil.copy(LOCK_DIR / f, Path(tmp) / f)
        (Path(tmp) / "npmrc").write_text("")  # this machine's ~/.npmrc must not shape the install
        env = npmrc.environment(dict(os.environ), node / "bin", Path(tmp) / ".npm-cache", Path(tmp) / "npmrc")
        proc = subprocess.run([str(node / "bin" / "node"), str(node / "lib/node_modules/npm/bin/npm-cli.js"), "ci",
                               "--omit=dev", "--ignore-scripts"], cwd=tmp, env=env, stdout=2)
        if proc.returncode != 0:
            raise UserError("npm ci of the functions framework's lock failed (see above)",
                            fix="the npm registry must serve every package of buildpacks/nodejs/framework/package-lock.json")
        dest.mkdir(parents=True)
        shutil.move(str(Path(tmp) / "node_modules"), dest / "node_modules")
    count = len(installed.packages(dest / "node_modules"))
    bundled.describe(dest, framework_layer.BUNDLED_KIND, version, arch, {"packages": str(count)})
    return dest


if __name__ == "__main__":
    sys.exit(bundled.command(sys.argv[1:], __doc__, "funcpacks/nodejs framework bundle", bundle))
