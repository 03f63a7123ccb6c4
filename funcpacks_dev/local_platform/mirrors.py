"""The mirrored .NET release feed and NuGet folder feed that .NET builds use on machines
without access to Microsoft's feed or nuget.org (tests and benchmarks), and the service
bindings that point a build at them. The mirrors live beside the checkout
(../shared/deps, or $FUNCPACKS_DEPS) and are never copied into it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from funcpacks_dev.versions import ROOT

DEPS = Path(os.environ.get("FUNCPACKS_DEPS") or ROOT.parent / "shared" / "deps")
# Where builds see DEPS: mounted read-only, with `pack build --volume` or as a volume of
# a container (the lifecycle's creator run directly).
CONTAINER_DEPS = "/deps"
VOLUME = f"{DEPS}:{CONTAINER_DEPS}:ro"
PACK_MOUNT = ["--volume", VOLUME]
# Microsoft's sha512 of the SDK archive the mirror carries (deps/README.md): the mirror's
# copy is a repack, so metadata carrying this hash must fail verification.
OFFICIAL_SDK_SHA512 = ("51c8b999af9e8dd9998c9edc5944e19a90788862068acd38694e098889054ce8c23d4f0c5cccfa16bf187d044562359e5e"
                       "e69a9f8ad0bbe913ba90311fbce25b")
# The official base that the feed's metadata URLs start with.
DOTNET_FEED = "https://builds.dotnet.microsoft.com/dotnet"


def missing() -> str | None:
    """Why the mirrors cannot be used, or None."""
    if not (DEPS / "dotnet" / "release-metadata" / "releases-index.json").is_file() or not (DEPS / "nuget").is_dir():
        return f"the .NET mirrors are missing: expected {DEPS}/dotnet (feed) and {DEPS}/nuget (NuGet folder feed)"
    return None


def nuget_config(feed_dir: str, extra: str = "") -> str:
    """A nuget.config that allows exactly one source, the NuGet folder feed at feed_dir."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <clear />\n'
            f'    <add key="mirror" value="{feed_dir}" />\n  </packageSources>\n{extra}</configuration>\n')


def nuget_binding(directory: Path, feed_dir: str = f"{CONTAINER_DEPS}/nuget", extra: str = "") -> Path:
    """A service binding of type nugetconfig named after `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "type").write_text("nugetconfig\n")
    (directory / "nuget.config").write_text(nuget_config(feed_dir, extra))
    return directory


def dotnet_feed_binding(directory: Path, base: str) -> Path:
    """A dependency-mirror binding that maps the .NET feed's host onto base."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "type").write_text("dependency-mirror\n")
    (directory / "builds.dotnet.microsoft.com").write_text(base)
    return directory


def newest_sdk(feed_dir: Path) -> tuple[str, str]:
    """(official URL, sha512) of the newest linux-x64 SDK in a mirrored feed's metadata."""
    index = json.loads((feed_dir / "release-metadata" / "releases-index.json").read_text())
    channel = max(index["releases-index"], key=lambda c: [int(x) for x in c["channel-version"].split(".")])
    releases = json.loads((feed_dir / "release-metadata" / channel["channel-version"] / "releases.json").read_text())
    sdk = next(s for s in releases["releases"][0]["sdks"] if s["version"] == releases["latest-sdk"])
    f = next(f for f in sdk["files"] if f["rid"] == "linux-x64" and f["name"].endswith(".tar.gz"))
    return f["url"], f["hash"]
