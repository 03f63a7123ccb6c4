"""Bundles a .NET SDK into a packaged buildpack (`make builder` runs this with the
buildpack's own package on the import path): found in the feed's release metadata and
verified against its sha512 exactly as a build fetches one. The feed is FUNC_DOTNET_FEED
(or a dependency mirror) from the environment, Microsoft's by default.

    python3 -m dotnet_buildpack.bundle <bundled dir> <version> <arch>
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from funcpacks import bundled
from funcpacks.errors import UserError
from funcpacks.log import Logger

from . import sdk_choice, sdk_layer
from .feed import Feed


def bundle(bundled_dir: Path, version: str, arch: str) -> Path:
    feed, log = Feed.from_env(os.environ), Logger("funcpacks/dotnet bundle")
    sdk = sdk_choice.explicit(version, "versions.toml [dotnet] sdk", feed, arch).sdk
    if sdk.version != version:
        raise UserError(f"the feed has no SDK {version}", where=feed.describe(),
                        fix="name an exact SDK version in versions.toml [dotnet] sdk")
    dest = bundled_dir / f"dotnet-sdk-{version}-linux-{arch}"
    dest.mkdir(parents=True)
    sdk_layer.unpack(dest, sdk, feed, log)
    bundled.describe(dest, sdk_layer.BUNDLED_KIND, version, arch,
                     {"runtime_version": sdk.runtime_version, "channel": sdk.channel, "url": sdk.url,
                      "sha512": sdk.sha512})
    return dest


if __name__ == "__main__":
    sys.exit(bundled.command(sys.argv[1:], __doc__, "funcpacks/dotnet bundle", bundle))
