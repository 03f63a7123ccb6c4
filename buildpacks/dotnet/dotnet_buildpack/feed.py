"""The .NET release feed: where SDKs are listed and downloaded.

Layout (official base https://builds.dotnet.microsoft.com/dotnet):
  <base>/release-metadata/releases-index.json   channels, each with its releases.json URL
  <base>/release-metadata/<channel>/releases.json releases; each SDK's files with sha512
  <base>/Sdk/<version>/dotnet-sdk-<version>-linux-<arch>.tar.gz

Mirrors carry the metadata unchanged, official URLs included, so every URL read from it
goes through the same mapping as the index: FUNC_DOTNET_FEED replaces the official base
(path included), else the library's BP_DEPENDENCY_MIRROR convention replaces the host.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from funcpacks import settings
from funcpacks.download import Mirrors, fetch_bytes
from funcpacks.errors import UserError

OFFICIAL_BASE = "https://builds.dotnet.microsoft.com/dotnet"
INDEX_PATH = "release-metadata/releases-index.json"
FEED_VAR = "FUNC_DOTNET_FEED"
RIDS = {"amd64": "linux-x64", "arm64": "linux-arm64"}


def version_key(version: str) -> tuple[int, ...]:
    """Numeric key of a release version; a pre-release sorts before its release."""
    core, _, pre = version.partition("-")
    parts = tuple(int(p) for p in core.split("."))
    return parts + ((0,) if pre else (1,))


@dataclass(frozen=True)
class SdkFile:
    version: str
    runtime_version: str
    channel: str
    url: str  # official URL, as the metadata has it
    sha512: str


@dataclass(frozen=True)
class Channel:
    version: str  # "10.0"
    support_phase: str  # "active", "maintenance", "eol", "preview", "go-live"
    releases_url: str

    @property
    def eol(self) -> bool:
        return self.support_phase == "eol"


@dataclass
class Feed:
    base: str  # where OFFICIAL_BASE is read from
    mirrors: Mirrors = field(default_factory=Mirrors)
    _channels: list[Channel] | None = None
    _sdks: dict[tuple[str, str], list[SdkFile]] = field(default_factory=dict)  # (channel, arch) ->

    @classmethod
    def from_env(cls, env: Mapping[str, str], platform_dir: Path | None = None) -> "Feed":
        base = settings.value(env, "dotnet_feed").rstrip("/")
        return cls(base=base or OFFICIAL_BASE, mirrors=Mirrors.from_env(env, platform_dir))

    def describe(self) -> str:
        if self.base != OFFICIAL_BASE:
            return f"{self.base} ({FEED_VAR})"
        mapped = self.map(OFFICIAL_BASE + "/")
        if mapped != OFFICIAL_BASE + "/":
            return f"{mapped.rstrip('/')} (dependency mirror)"
        return OFFICIAL_BASE

    def map(self, url: str) -> str:
        """The URL to read for an official one."""
        if url.startswith(OFFICIAL_BASE + "/") and self.base != OFFICIAL_BASE:
            return self.base + url[len(OFFICIAL_BASE):]
        return self.mirrors.map(url)

    def _json(self, url: str) -> dict:
        data = fetch_bytes(self.map(url))
        try:
            return json.loads(data)
        except ValueError as exc:
            raise UserError(f"the .NET release metadata is not JSON ({exc})", where=self.map(url),
                            fix=f"check that {FEED_VAR} / BP_DEPENDENCY_MIRROR points at a copy of the feed") from None

    def channels(self) -> list[Channel]:
        if self._channels is None:
            self._channels = parse_index(self._json(f"{OFFICIAL_BASE}/{INDEX_PATH}"))
        return self._channels

    def channel(self, version: str) -> Channel | None:
        return next((c for c in self.channels() if c.version == version), None)

    def sdks(self, channel: Channel, arch: str) -> list[SdkFile]:
        """The channel's SDKs for arch, newest first."""
        key = (channel.version, arch)
        if key not in self._sdks:
            self._sdks[key] = parse_releases(self._json(channel.releases_url), channel.version,
                                             RIDS.get(arch, f"linux-{arch}"))
        return self._sdks[key]

    def all_sdks(self, arch: str) -> list[SdkFile]:
        """Every SDK of every channel, newest first."""
        found = [s for c in self.channels() for s in self.sdks(c, arch)]
        return sorted(found, key=lambda s: version_key(s.version), reverse=True)


def parse_index(doc: dict) -> list[Channel]:
    channels = []
    for entry in doc.get("releases-index", []):
        try:
            channels.append(Channel(entry["channel-version"], entry.get("support-phase", ""), entry["releases.json"]))
        except KeyError as exc:
            raise UserError(f"releases-index.json: a channel entry lacks {exc}",
                            fix="the feed's metadata must follow the official schema") from None
    return sorted(channels, key=lambda c: version_key(c.version), reverse=True)


def parse_releases(doc: dict, channel: str, rid: str) -> list[SdkFile]:
    """SDK archives for rid. An SDK appears in a release's `sdk` and `sdks`; each once."""
    found: dict[str, SdkFile] = {}
    for release in doc.get("releases", []):
        sdks = list(release.get("sdks") or []) + ([release["sdk"]] if release.get("sdk") else [])
        for sdk in sdks:
            version = sdk.get("version", "")
            if not version or version in found:
                continue
            for f in sdk.get("files", []):
                if f.get("rid") == rid and f.get("name", "").endswith(".tar.gz") and f.get("hash"):
                    found[version] = SdkFile(version, sdk.get("runtime-version", ""), channel, f["url"], f["hash"])
                    break
    return sorted(found.values(), key=lambda s: version_key(s.version), reverse=True)
