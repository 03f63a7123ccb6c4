"""The `package-manager` layer (cache only, sealed): pnpm or Yarn at the version the
project asks for or the builder pins, downloaded from the npm registry by npm (so through
the same registry, credentials and certificates as the dependencies), checked against
packageManager's digest when it gives one (of what corepack hashes: the release tarball,
or for Yarn 2 and later its bin/yarn.js), and installed with its own dependencies (pnpm's
native releases carry a binary per platform). Never in the image: only the build runs it."""
from __future__ import annotations

import hashlib
import tarfile
import tempfile
from pathlib import Path

from funcpacks.errors import UserError
from funcpacks.layers import Step

from .npm import Npm
from .package_manager import Choice

NAME = "package-manager"
LAYOUT = "1"


def provide(step: Step, choice: Choice, npm: Npm) -> Path:
    """The program to run (the release's bin entry, as npm links it)."""
    log = step.log
    layer = step.layers.get(NAME)
    expected = {"name": choice.name, "version": choice.version, "arch": step.ctx.target.arch,
                "digest": f"{choice.algorithm}.{choice.digest}" if choice.digest else "", "layout": LAYOUT}
    home = layer.path / "tool"
    program = home / "bin" / choice.name
    layer.set_types(cache=True)
    if not layer.reuse_or_reset(expected, log):
        with layer.removed_on_failure():
            _install(choice, npm, home)
            layer.seal()
    layer.write()
    log.info(f"{choice.label} ({choice.origin})")
    return program


def _digest(choice: Choice, tarball: Path) -> str:
    """What corepack hashes for a packageManager pin: Yarn berry's bin/yarn.js (corepack
    fetches that one file), else the release tarball."""
    if choice.berry:
        with tarfile.open(tarball) as tar:
            member = tar.extractfile("package/bin/yarn.js")
            data = member.read() if member else b""
    else:
        data = tarball.read_bytes()
    return hashlib.new(choice.algorithm, data).hexdigest()


def _install(choice: Choice, npm: Npm, home: Path) -> None:
    spec = f"{choice.package}@{choice.version}"
    with tempfile.TemporaryDirectory(prefix="package-manager-") as tmp:
        npm.run(["pack", spec, "--pack-destination", tmp, "--loglevel=warn"], Path(tmp),
                      f"cannot download {choice.name} {choice.version} ({spec}) from the npm registry",
                      where=choice.origin,
                      fix=f"ask for a version the registry has (`npm view {choice.package} versions`), or point "
                          "the registry (NPM_CONFIG_REGISTRY, a binding of type npmrc) at one that has it")
        tarball = next(Path(tmp).glob("*.tgz"))
        if choice.digest:
            actual = _digest(choice, tarball)
            if actual != choice.digest:
                raise UserError(f"the {spec} the registry gave has {choice.algorithm} {actual}, not the "
                                f"{choice.digest} package.json's packageManager pins", where="package.json packageManager",
                                fix="check the registry the build uses; if the pin is wrong, run `corepack use "
                                    f"{choice.name}@{choice.version}` to write the right one")
        # --ignore-scripts: pnpm's postinstall only swaps its launcher for the binary, which the
        # launcher finds by itself; nothing of a package manager's has to run at install.
        npm.run(["install", "--global", "--prefix", str(home), "--ignore-scripts", "--no-fund", str(tarball)],
                Path(tmp), f"cannot install {spec}", where=choice.origin, fix="see npm's error above")
