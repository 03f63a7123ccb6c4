"""Downloads with checksum verification and mirrors.

Mirrors follow the convention Paketo users know:
  BP_DEPENDENCY_MIRROR=<base>              every dependency host
  BP_DEPENDENCY_MIRROR_<HOST>=<base>       one host; HOST upper-cased, '.' -> '_', '-' -> '__'
or a service binding of type `dependency-mirror` whose entries are `default` and host
names. <base> replaces the scheme and host of the original URL (the path is kept); it may
contain `{originalHost}`. Bases may be https, http or file URLs.

A file is verified while it streams to a temporary name and renamed only when the
checksum matches, so a failed download never leaves anything behind.
"""
from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Protocol

from . import bindings, settings
from .errors import UserError

TIMEOUT_SECONDS = 60
CHUNK = 1 << 20


class UrlMapping(Protocol):
    """Anything that says which URL to read for an original one (Mirrors does)."""

    def map(self, url: str) -> str: ...


def _host_key(host: str) -> str:
    return host.replace("-", "__").replace(".", "_").upper()


@dataclass
class Mirrors:
    default: str | None = None
    per_host: dict[str, str] = field(default_factory=dict)  # _host_key(host) -> base

    @classmethod
    def from_env(cls, env: Mapping[str, str], platform_dir: Path | None = None) -> "Mirrors":
        m = cls()
        for b in bindings.find(env, "dependency-mirror", platform_dir):
            for key, path in b.entries().items():
                base = path.read_text().strip()
                if key == "default":
                    m.default = base
                else:
                    m.per_host[_host_key(key)] = base
        m.default = settings.value(env, "dependency_mirror") or m.default
        prefix = "BP_DEPENDENCY_MIRROR_"
        for var, val in env.items():
            if var.startswith(prefix) and val.strip():
                m.per_host[var[len(prefix):]] = val.strip()
        return m

    def map(self, url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return url
        base = self.per_host.get(_host_key(parts.hostname)) or self.default
        if not base:
            return url
        base = base.replace("{originalHost}", parts.netloc).rstrip("/")
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        return base + rest


def _digest(algorithm: str) -> "hashlib._Hash":
    if algorithm not in ("sha256", "sha512"):
        raise ValueError(f"unsupported checksum algorithm {algorithm}")
    return hashlib.new(algorithm)


def open_url(url: str, timeout: float = TIMEOUT_SECONDS, headers: dict[str, str] | None = None):
    """Opens an http(s) or file URL for reading; raises UserError naming the URL.
    `headers` (e.g. credentials) are sent with the request and never shown."""
    parts = urllib.parse.urlsplit(url)
    try:
        if parts.scheme == "file":
            return open(urllib.request.url2pathname(parts.path), "rb")
        if parts.scheme in ("http", "https"):
            req = urllib.request.Request(url, headers={"User-Agent": "funcpacks"})
            for name, val in (headers or {}).items():
                # Not sent again on a redirect: credentials are for this URL's host only.
                req.add_unredirected_header(name, val)
            return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise UserError(f"download failed: HTTP {exc.code} {exc.reason}", where=url,
                        fix="check that the URL (or the mirror it was mapped to) serves this file") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"cannot reach {parts.scheme}://{parts.netloc or ''}{'' if parts.netloc else parts.path}: {reason}",
                        where=url,
                        fix="check the network or point a mirror (BP_DEPENDENCY_MIRROR) at a reachable copy") from exc
    raise UserError(f"unsupported URL scheme {parts.scheme!r}", where=url, fix="use an https, http or file URL")


def fetch_bytes(url: str, mirrors: UrlMapping | None = None) -> bytes:
    """Small documents (metadata); not verified: the caller knows what to trust."""
    final = mirrors.map(url) if mirrors else url
    with open_url(final) as resp:
        return resp.read()


def fetch(url: str, dest: Path, *, checksum: str, algorithm: str = "sha256",
          mirrors: UrlMapping | None = None) -> str:
    """Downloads url (after mirror mapping) to dest, verifying it. Returns the URL used."""
    final = mirrors.map(url) if mirrors else url
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    h = _digest(algorithm)
    try:
        with open_url(final) as src, tmp.open("wb") as out:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    actual = h.hexdigest()
    if actual.lower() != checksum.lower():
        tmp.unlink(missing_ok=True)
        raise UserError(
            f"checksum mismatch: {algorithm} of the download is {actual[:16]}..., expected {checksum[:16]}...",
            where=final,
            fix="the file or the metadata was altered; fix the mirror's copy (nothing was kept)")
    os.replace(tmp, dest)
    return final

