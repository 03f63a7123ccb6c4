"""Small npm packages as .tgz files (what `npm pack` makes) and projects that depend on
them by `file:`, locked by the bundled npm offline: npm ci then installs without a
registry."""
from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

from funcpacks_dev import versions
from funcpacks_dev.images import arches

ROOT = versions.ROOT


def host_node() -> Path:
    """The Node.js make builder bundles for this machine (bundles.ensure fetched it)."""
    data = versions.load()
    return ROOT / ".tools" / "bundles" / "nodejs" / f"node-v{data['nodejs']['version']}-linux-{arches.host()}"


def make_tgz(dest: Path, name: str, version: str, files: dict[str, str]) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{name}-{version}.tgz"
    content = {"package.json": json.dumps({"name": name, "version": version, "main": "index.js"}), **files}
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in sorted(content.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"package/{rel}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return path


def lock(app: Path) -> None:
    """package-lock.json for app's package.json, written by the bundled npm, offline."""
    node = host_node()
    (app.parent / "empty-npmrc").write_text("")
    subprocess.run([str(node / "bin" / "node"), str(node / "lib/node_modules/npm/bin/npm-cli.js"), "install",
                    "--package-lock-only", "--offline", "--ignore-scripts"], cwd=app, check=True, timeout=120,
                   capture_output=True, env=dict(os.environ, npm_config_userconfig=str(app.parent / "empty-npmrc"),
                                                 npm_config_cache=str(app.parent / "npm-cache")))
