"""The `sdk` layer: the SDK in a build+cache layer keyed by version, arch and sha512.

The archive is verified against the sha512 of the metadata it was found in before a
single file is unpacked; on any failure the layer is removed, so nothing half-made is
cached.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from funcpacks import tool_run
from funcpacks.download import fetch
from funcpacks.errors import UserError
from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

from .feed import Feed, SdkFile

NAME = "sdk"


def provide(layers: Layers, sdk: SdkFile, feed: Feed, arch: str, log: Logger) -> Layer:
    """The SDK, on the build's PATH (build + cache: never in the image)."""
    layer = layers.get(NAME)
    if not layer.reuse_or_reset(expected_metadata(sdk, arch), log, f"SDK {sdk.version}"):
        install(layer, sdk, feed, log)
    layer.set_types(build=True, cache=True).write()
    layer.env_default("DOTNET_ROOT", str(layer.path), scope="build")
    layer.env_prepend_path("PATH", str(layer.path), scope="build")
    return layer


def expected_metadata(sdk: SdkFile, arch: str) -> dict[str, str]:
    return {"version": sdk.version, "arch": arch, "sha512": sdk.sha512}


def install(layer: Layer, sdk: SdkFile, feed: Feed, log: Logger) -> None:
    with layer.removed_on_failure():
        with tempfile.TemporaryDirectory(prefix="funcpacks-dotnet-") as tmp:
            archive = Path(tmp) / Path(sdk.url).name
            with log.timed(f"download {feed.map(sdk.url)}"):
                fetch(sdk.url, archive, checksum=sdk.sha512, algorithm="sha512", mirrors=feed)
            log.info("sha512 verified against the release metadata")
            with log.timed("unpack"):
                tool_run.run(["tar", "-xzf", str(archive), "-C", str(layer.path), "--no-same-owner"],
                             tool_run.Failure("cannot unpack the SDK archive", where=feed.map(sdk.url), tail=5,
                                              fix="the archive is damaged; fix the feed's copy"))
        if not (layer.path / "dotnet").is_file():
            raise UserError("the SDK archive has no 'dotnet' at its top", where=feed.map(sdk.url),
                            fix="the feed must carry the official archive layout")


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
