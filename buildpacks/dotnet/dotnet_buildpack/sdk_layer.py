"""The SDK: the builder's own (the default version, bundled in the buildpack, read in
place), or the `sdk` layer, a build+cache layer keyed by version, arch and sha512.

The archive is verified against the sha512 of the metadata it was found in before a
single file is unpacked; on any failure the layer is removed, so nothing half-made is
cached.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from funcpacks import bundled, tool_run
from funcpacks.download import fetch
from funcpacks.errors import UserError
from funcpacks.layers import Layer, Step
from funcpacks.log import Logger

from .feed import Feed, SdkFile

NAME = "sdk"
BUNDLED_KIND = "dotnet-sdk"


@dataclass(frozen=True)
class Sdk:
    """An SDK ready to run: the builder's own (read-only, in place) or the `sdk` layer."""
    path: Path
    version: str


def bundled_sdks(buildpack_dir: Path, arch: str) -> list[SdkFile]:
    """The SDKs the builder carries for arch, as the feed described them when bundled."""
    return [SdkFile(b.version, b.facts["runtime_version"], b.facts["channel"], b.facts["url"], b.facts["sha512"])
            for b in bundled.all_of(buildpack_dir, BUNDLED_KIND) if b.arch == arch]


def carried_root(buildpack_dir: Path, arch: str) -> Path | None:
    """Where the SDK the builder carries for arch is (the one make builder put in
    run-dotnet's runtime), or None."""
    return next((b.path for b in bundled.all_of(buildpack_dir, BUNDLED_KIND) if b.arch == arch), None)


def provide(step: Step, sdk: SdkFile, feed: Feed) -> Sdk:
    """The SDK: the builder's own when it is the chosen version, else downloaded into the
    `sdk` layer (build + cache: never in the image) and put on the build's PATH."""
    layers, buildpack_dir, arch, log = step.layers, step.ctx.buildpack_dir, step.ctx.target.arch, step.log
    layer = layers.get(NAME)
    own = bundled.use_in_place(buildpack_dir, BUNDLED_KIND, sdk.version, arch, layer)
    if own is not None:
        log.info(f"SDK {sdk.version}: the builder's, used in place (nothing downloaded or cached)")
        return Sdk(own.path, sdk.version)
    if not layer.reuse_or_reset(expected_metadata(sdk, arch), log, f"SDK {sdk.version} (not the builder's)"):
        install(layer, sdk, feed, log)
    layer.set_types(build=True, cache=True).write()
    layer.env_default("DOTNET_ROOT", str(layer.path), scope="build")
    layer.env_prepend_path("PATH", str(layer.path), scope="build")
    return Sdk(layer.path, sdk.version)


def expected_metadata(sdk: SdkFile, arch: str) -> dict[str, str]:
    return {"version": sdk.version, "arch": arch, "sha512": sdk.sha512}


def install(layer: Layer, sdk: SdkFile, feed: Feed, log: Logger) -> None:
    with layer.removed_on_failure():
        unpack(layer.path, sdk, feed, log)


def unpack(dest: Path, sdk: SdkFile, feed: Feed, log: Logger) -> None:
    """Downloads the SDK archive, verifies its sha512 against the metadata, unpacks it into dest."""
    with tempfile.TemporaryDirectory(prefix="funcpacks-dotnet-") as tmp:
        archive = Path(tmp) / Path(sdk.url).name
        with log.timed(f"download {feed.map(sdk.url)}"):
            fetch(sdk.url, archive, checksum=sdk.sha512, algorithm="sha512", mirrors=feed)
        log.info("sha512 verified against the release metadata")
        with log.timed("unpack"):
            tool_run.run(["tar", "-xzf", str(archive), "-C", str(dest), "--no-same-owner"],
                         tool_run.Failure("cannot unpack the SDK archive", where=feed.map(sdk.url), tail=5,
                                          fix="the archive is damaged; fix the feed's copy"))
    if not (dest / "dotnet").is_file():
        raise UserError("the SDK archive has no 'dotnet' at its top", where=feed.map(sdk.url),
                        fix="the feed must carry the official archive layout")


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
