"""builder.toml, builder-go.toml, builder-dotnet.toml and builder-python.toml at the top of the
repository, rendered from versions.toml with funcpacks_dev/templates/builder.toml.j2 and
committed (make generate); `make builder` passes them to pack. A published builder's
definition (funcpacks_dev/images/publish.py) is rendered by the same function, naming the
registry's images.

    python3 -m funcpacks_dev.generate.builder_toml write|check
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from funcpacks_dev import templating, versions
from funcpacks_dev.generate import generated_files
from funcpacks_dev.images.flavors import BUILDPACKS_SRC, FLAVORS, LANGUAGE_BUILDPACKS, OPTIONAL_FIRST, Flavor, descriptor

ROOT = versions.ROOT
BUILD_DIR = ROOT / "build"
TOOLS = ROOT / ".tools"

# The builder definitions at the top of the repository, for `pack builder create --config`.
TOP_LEVEL = {flavor.image_key: ROOT / f"{flavor.image_key}.toml" for flavor in FLAVORS}


def builder_toml(data: dict, packaged: dict[str, Path], toml_dir: Path, flavor: Flavor = FLAVORS[0],
                 build_image: str | None = None, run_image: str | None = None,
                 run_mirrors: list[str] | None = None, usage: str = "", arch: str = "amd64",
                 targets: bool = True) -> str:
    """builder.toml for pack, for one architecture (its lifecycle and its [[targets]]):
    pack takes one lifecycle for all the targets of a builder.toml, so a builder per
    architecture is made and publish.py joins them into an image index. Paths are
    relative to toml_dir (where the file is written). The build and run image references
    default to versions.toml's names; a published builder names its registry's copies
    (funcpacks_dev/images/publish.py), another architecture's local builder its local tags.
    targets: write [[targets]]; pack refuses a target that is not the Docker engine's
    architecture when it makes a builder in the engine, so a foreign architecture's
    builder is made without (its build image's architecture is the builder's)."""
    def rel(p: Path) -> str:
        return os.path.relpath(p, toml_dir)

    def bp_id(name: str) -> str:
        return descriptor(BUILDPACKS_SRC / name)["buildpack"]["id"]

    wanted = [n for n in packaged if n in OPTIONAL_FIRST or n in flavor.languages]
    return templating.render(
        "builder.toml.j2",
        usage=usage,
        description=flavor.description.format(debian=data["debian"]["version"]),
        version=data["buildpacks"]["version"],
        buildpacks=[{"id": bp_id(n), "uri": rel(packaged[n])} for n in wanted],
        optional=[{"id": bp_id(n)} for n in OPTIONAL_FIRST],
        languages=[{"id": bp_id(lang)} for lang in flavor.languages],
        lifecycle=rel(TOOLS / "lifecycle" / versions.lifecycle_archive_name(data, arch)),
        target_arch=arch if targets else None,
        build_image=build_image or data["images"]["build"],
        build_env=list(flavor.build_env),
        run_image=run_image or data["images"][flavor.run_image_key],
        run_mirrors=run_mirrors or [],
        stack_id=data["stack"]["id"],
    )


def top_level_files(data: dict | None = None) -> dict[Path, str]:
    """builder.toml and builder-go.toml as committed: they name the buildpacks packaged
    into build/buildpacks (make builder) and the lifecycle tarball make tools builds."""
    data = data or versions.load()
    packaged = {name: BUILD_DIR / "buildpacks" / name for name in OPTIONAL_FIRST + LANGUAGE_BUILDPACKS}
    files = {}
    for flavor in FLAVORS:
        image = data["images"][flavor.image_key]
        usage = (f"After 'make builder' (or 'python3 -m funcpacks_dev.images.builder package build/buildpacks'): "
                 f"pack builder create {image} --config {flavor.image_key}.toml")
        files[TOP_LEVEL[flavor.image_key]] = builder_toml(data, packaged, ROOT, flavor, usage=usage)
    return files


def main(argv: list[str]) -> int:
    return generated_files.main(argv, top_level_files(), "funcpacks_dev.generate.builder_toml", __doc__ or "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
