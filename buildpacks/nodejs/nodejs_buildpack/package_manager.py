"""Which package manager installs the project's dependencies, at which version, and why:
package.json's `packageManager` (corepack's field: name@version, optionally +algo.hex of
the release's tarball) wins; else the lock the project commits says (package-lock.json:
npm, pnpm-lock.yaml: pnpm, yarn.lock: Yarn classic, or Yarn berry when the lock or a
.yarnrc.yml is berry's), at the versions the builder pins; with no lock, npm."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from funcpacks import user_files
from funcpacks.errors import UserError

from . import package_json
from .package_json import PackageJson

NPM, PNPM, YARN = "npm", "pnpm", "yarn"
PNPM_LOCK, YARN_LOCK = "pnpm-lock.yaml", "yarn.lock"
BUN_LOCKS = ("bun.lockb", "bun.lock")
YARNRC = ".yarnrc.yml"
# corepack's spelling: name@exact-version, optionally +<algorithm>.<hex digest of the tarball>.
FIELD = re.compile(r"^(?P<name>[a-z][a-z0-9-]*)@(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)"
                   r"(?:\+(?P<algorithm>sha1|sha224|sha256|sha384|sha512)\.(?P<digest>[0-9a-f]+))?$")


@dataclass(frozen=True)
class Choice:
    name: str  # npm, pnpm or yarn
    version: str  # exact; '' for npm, which the chosen Node.js carries
    origin: str  # what chose it
    lock: str  # the lock it installs exactly; '' without one
    algorithm: str = ""  # the packageManager digest the downloaded release must match
    digest: str = ""

    @property
    def berry(self) -> bool:
        """Yarn 2 and later: another program than Yarn 1, with other commands and settings."""
        return self.name == YARN and int(self.version.split(".")[0]) >= 2

    @property
    def package(self) -> str:
        """The npm package its releases are published as."""
        return "@yarnpkg/cli-dist" if self.berry else self.name

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name


# node_modules used as it is (GOOGLE_VENDOR_NPM_DEPENDENCIES): npm rebuilds it and runs the scripts.
VENDORED = Choice(NPM, "", "the source's node_modules", "")


def _berry_project(app: Path) -> bool:
    if (app / YARNRC).is_file():
        return True
    lock = app / YARN_LOCK
    if not lock.is_file() or lock.is_symlink():
        return False
    with lock.open("rb") as f:  # the head says it: a monorepo's lock can be many megabytes
        return b"__metadata:" in f.read(4096)


def yarn_path(app: Path) -> str:
    """.yarnrc.yml's yarnPath: the Yarn release the project commits, to which any Yarn
    hands over ('' when there is none)."""
    if not (app / YARNRC).is_file():
        return ""
    m = re.search(r"^yarnPath:\s*[\"']?([^\"'\n]+?)[\"']?\s*$", user_files.read_source_file(app, YARNRC), re.MULTILINE)
    return m.group(1) if m else ""


def _from_field(app: Path, pkg: PackageJson) -> Choice:
    where = "package.json packageManager"
    m = FIELD.match(pkg.package_manager)
    if not m:
        raise UserError(f"cannot read {where} {pkg.package_manager!r}", where=where,
                        fix='write it as corepack does: "<npm|pnpm|yarn>@<exact version>", optionally followed by '
                            '"+sha512.<hex>" (e.g. "pnpm@10.34.9")')
    name, version = m["name"], m["version"]
    if name not in (NPM, PNPM, YARN):
        raise UserError(f"{where} asks for {name}; this builder installs with npm, pnpm or Yarn",
                        where=where, fix="install with one of those and commit its lock, or build with a builder "
                                         f"that supports {name}")
    if name == NPM:
        return Choice(NPM, "", f"{where} ({pkg.package_manager}; the npm of the chosen Node.js)",
                      package_json.lock_file(app))
    lock = PNPM_LOCK if name == PNPM else YARN_LOCK
    return Choice(name, version, where, lock if (app / lock).is_file() else "", m["algorithm"] or "",
                  m["digest"] or "")


def choose(app: Path, pkg: PackageJson, pins: Mapping[str, str]) -> Choice:
    if pkg.package_manager:
        return _from_field(app, pkg)
    npm_lock = package_json.lock_file(app)
    if npm_lock:
        return Choice(NPM, "", npm_lock, npm_lock)
    if (app / PNPM_LOCK).is_file():
        return Choice(PNPM, pins["pnpm"], f"{PNPM_LOCK}; the builder's pnpm", PNPM_LOCK)
    if (app / YARN_LOCK).is_file():
        key = "yarn-berry" if _berry_project(app) else "yarn-classic"
        kind = "Yarn berry's" if key == "yarn-berry" else "Yarn 1's"
        return Choice(YARN, pins[key], f"{YARN_LOCK}, {kind}; the builder's Yarn", YARN_LOCK)
    for name in BUN_LOCKS:
        if (app / name).exists():
            raise UserError(f"the project is locked by bun ({name}); this builder installs with npm, pnpm or Yarn",
                            where=name, fix="commit a package-lock.json (`npm install --package-lock-only`), a "
                                            "pnpm-lock.yaml or a yarn.lock instead")
    return Choice(NPM, "", "no lock: npm", "")


def other_locks(app: Path, choice: Choice) -> list[str]:
    """Locks of other managers the project also carries: not what this build installs."""
    names = [*package_json.LOCKS, PNPM_LOCK, YARN_LOCK, *BUN_LOCKS]
    return [n for n in names if n != choice.lock and (app / n).is_file()]
