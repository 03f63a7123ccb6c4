"""Bundles uv into a packaged buildpack (`make builder` runs this with the buildpack's own
package on the import path): the pinned wheel, installed by pip with --require-hashes
exactly as a build installs it into its `uv` layer, so a build whose requirement is the
same uses it in place (uv_layer.provide).

    python3 -m python_buildpack.bundle <bundled dir> <arch> <requirement line>
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from funcpacks import bundled
from funcpacks.errors import UserError

from . import uv_layer

PLATFORMS = {"amd64": "manylinux_2_17_x86_64", "arm64": "manylinux_2_17_aarch64"}


def bundle(bundled_dir: Path, arch: str, requirement: str) -> Path:
    version = uv_layer.pinned_version(requirement)
    dest = bundled_dir / f"uv-{version}-linux-{arch}"
    if arch not in PLATFORMS:
        raise UserError(f"no uv wheel platform for arch {arch!r}", fix=f"bundle for one of {', '.join(PLATFORMS)}")
    with tempfile.TemporaryDirectory() as tmp:
        req_file = Path(tmp) / "requirement.txt"
        req_file.write_text(requirement + "\n")
        # The wheel is py3-none-<platform>: the host's pip installs it for the build image.
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--require-hashes",
                               "--only-binary", ":all:", "--no-cache-dir", "--platform", PLATFORMS[arch],
                               "--target", str(dest), "-r", str(req_file)], stdout=2,
                              env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    if proc.returncode != 0:
        raise UserError(f"could not install {requirement.split()[0]}", fix="the index must serve the pinned wheel")
    os.chmod(dest / "bin" / "uv", 0o755)
    bundled.describe(dest, uv_layer.BUNDLED_KIND, version, arch, {"requirement": uv_layer.requirement_digest(requirement)})
    return dest


if __name__ == "__main__":
    sys.exit(bundled.command(sys.argv[1:], __doc__, "funcpacks/python bundle", bundle))
