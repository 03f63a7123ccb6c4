"""The Go toolchain, fetched the way the go command fetches one: the module
golang.org/toolchain at v0.0.1-go<version>.linux-<arch> from the configured GOPROXY,
checked against the checksum database (through the proxy's sumdb endpoint, as the go
command does), unpacked into a build+cache layer keyed by version and arch, or, for the
builder's own toolchain, into the buildpack (bundle.py: there it must be verified).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from funcpacks.download import open_url
from funcpacks.errors import UserError
from funcpacks.log import Logger

from . import gomod
from .proxy import GoEnv

MODULE = "golang.org/toolchain"
# Bump when what is unpacked changes, so older cached toolchains are replaced.
LAYOUT = "3"


Headers = Callable[[str], dict[str, str]]


def _no_headers(url: str) -> dict[str, str]:
    return {}


def _proxy_answers(goenv: GoEnv, path: str, headers: Headers, errors: list[str]) -> Iterator[tuple[str, str]]:
    """(proxy, text) of each proxy of GOPROXY, in order, that answers `path`; the others'
    failures go to `errors`."""
    for proxy in goenv.proxies():
        url = f"{proxy}/{path}"
        try:
            with open_url(url, headers=headers(url)) as resp:
                text = resp.read().decode()
        except UserError as exc:
            errors.append(f"{proxy}: {exc.what}")
            continue
        yield proxy, text


@dataclass(frozen=True)
class Request:
    version: str
    why: str


def resolve(explicit: str, explicit_origin: str, mod: gomod.GoMod | None, default: str,
            hint: tuple[str, str] = ("", "")) -> Request:
    """An explicit version wins (a minor version such as 1.26, 1.26.x or Paketo's 1.26.*
    means its newest patch: see newest_patch); else go.mod's toolchain/go lines and the
    version of GOOGLE_RUNTIME (`hint`: value, origin) are minimums (a go line below 1.21
    predates that rule and means the default)."""
    if explicit:
        v = re.sub(r"\.(\*|x)$", "", explicit.strip().removeprefix("go"))
        try:
            gomod.version_key(v)
        except ValueError:
            raise UserError(f"cannot read the Go version {explicit!r}", where=explicit_origin,
                            fix="give a released version such as 1.22.5, or a minor version such as 1.22") from None
        return Request(v, f"{explicit_origin}={explicit}")
    need, why = default, f"default {default}"
    minimums = [(hint[0], hint[1])] if hint[0] else []
    if mod is not None:
        minimums += [(mod.go, "go.mod go line"), (mod.toolchain, "go.mod toolchain line")]
    for value, label in minimums:
        if not value:
            continue
        key = gomod.version_key(value)
        if key < gomod.version_key("1.21"):
            continue
        if key > gomod.version_key(need):
            # "go 1.27" names the language version; its first release is 1.27.0
            need, why = (value if value.count(".") >= 2 or "rc" in value else value + ".0"), f"{label} {value}"
    return Request(need, why)


def is_minor(version: str) -> bool:
    """1.26 (no patch): a request for that line's newest release."""
    return re.fullmatch(r"\d+\.\d+", version) is not None


def newest_patch(minor: str, default: str, arch: str, goenv: GoEnv, headers: Headers) -> str:
    """The newest release of a minor line: the default toolchain when it is of that line,
    else what the proxy lists for golang.org/toolchain."""
    if default.startswith(minor + "."):
        return default
    rx = re.compile(rf"^v0\.0\.1-go({re.escape(minor)}\.\d+)\.linux-{re.escape(arch)}$")
    found: list[str] = []
    for _, listing in _proxy_answers(goenv, f"{MODULE}/@v/list", headers, []):
        found = [m.group(1) for m in map(rx.match, listing.split()) if m]
        if found:
            break
    if not found:
        raise UserError(f"no Go {minor}.x release is listed by the module proxy", where="GOPROXY / FUNC_GOPROXY",
                        fix="ask for an exact version such as 1.25.3, or point GOPROXY at a proxy that lists golang.org/toolchain")
    return max(found, key=gomod.version_key)


def module_version(version: str, arch: str) -> str:
    return f"v0.0.1-go{version}.linux-{arch}"


def h1_of_zip(path: Path) -> str:
    """The go.sum hash (dirhash "h1") of a module zip."""
    lines = []
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if name.endswith("/"):
                continue
            lines.append(f"{hashlib.sha256(zf.read(name)).hexdigest()}  {name}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def _lookup_h1(goenv: GoEnv, mod_version: str, headers: Headers) -> tuple[str | None, str]:
    """(expected h1 or None, how it was or was not obtained)."""
    if goenv.sumdb_off_for(MODULE):
        return None, "checksum database disabled for it (GOSUMDB/GONOSUMDB/GOPRIVATE)"
    name = goenv.gosumdb.split()[0].split("+")[0]
    errors: list[str] = []
    for proxy, text in _proxy_answers(goenv, f"sumdb/{name}/lookup/{MODULE}@{mod_version}", headers, errors):
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == MODULE and parts[1] == mod_version:
                return parts[2], f"checksum database {name} (via {proxy})"
    return None, "checksum database unreachable: " + "; ".join(errors)


def _needed_for_builds(relative: str) -> bool:
    """The standard library's tests and test data (~40 MB) are never used to build a
    function; leaving them out makes the cached layer cheaper to restore and save."""
    return not (relative.startswith("src/") and (relative.endswith("_test.go") or "/testdata/" in relative))


def _unzip(zip_path: Path, dest: Path, prefix: str) -> None:
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if not info.filename.startswith(prefix) or info.filename.endswith("/"):
                continue
            if not _needed_for_builds(info.filename[len(prefix):]):
                continue
            target = dest / info.filename[len(prefix):]
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            mode = (info.external_attr >> 16) & 0o777
            if mode & stat.S_IXUSR:
                os.chmod(target, 0o755)


def install(dest: Path, req: Request, arch: str, goenv: GoEnv, log: Logger, headers: Headers = _no_headers,
            require_verified: bool = False) -> str:
    """Unpacks the verified toolchain into dest; returns its go.sum hash (h1). `headers`
    gives the credentials a proxy URL needs (an authenticated GOPROXY). An unverifiable
    toolchain is a warning, or with require_verified an error."""
    mv = module_version(req.version, arch)
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        zip_path = Path(tmp) / "toolchain.zip"
        for proxy in goenv.proxies():
            url = f"{proxy}/{MODULE}/@v/{mv}.zip"
            try:
                with open_url(url, headers=headers(url)) as resp, zip_path.open("wb") as out:
                    shutil.copyfileobj(resp, out, 1 << 20)
                break
            except UserError as exc:
                errors.append(f"{url}: {exc.what}")
        else:
            raise UserError(f"Go {req.version} ({req.why}) is not available from the Go proxy",
                            where="; ".join(errors) or "GOPROXY has no proxy (only direct/off)",
                            fix="ask for a released Go version, or point GOPROXY / FUNC_GOPROXY at a proxy that has it")
        got = h1_of_zip(zip_path)
        want, how = _lookup_h1(goenv, mv, headers)
        if want is None and require_verified:
            raise UserError(f"the Go {req.version} toolchain cannot be verified: {how}",
                            fix="let GOPROXY reach the checksum database (its /sumdb/ endpoint) and GOSUMDB name it")
        if want is None:
            log.warn(f"Go {req.version} toolchain is unverified: {how}")
        elif want != got:
            raise UserError(f"checksum mismatch for {MODULE}@{mv}: got {got}, {how} says {want}",
                            fix="the proxy served a different file; check GOPROXY (nothing was kept)")
        else:
            log.info(f"verified {got} against the {how}")
        _unzip(zip_path, dest, f"{MODULE}@{mv}/")
        return got
