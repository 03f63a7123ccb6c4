"""The builders funcpacks makes (one per flavor: which run image, which languages) and the
buildpacks each holds."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from funcpacks_dev import versions

BUILDPACKS_SRC = versions.ROOT / "buildpacks"

# Order groups: the CA certificates buildpack is optional and first in every group, so
# every language buildpack's downloads can trust a user's extra CAs.
# Go first, .NET before Python: a .NET project rarely carries Python files, while a
# Python project carrying a .csproj is rarer still. Node.js before Python: a Node.js project
# may carry a Python script (node-gyp's, a tool's), and Node.js's detect leaves a source
# with Python's own files and no package.json to Python.
LANGUAGE_BUILDPACKS = ["go", "dotnet", "nodejs", "python"]
OPTIONAL_FIRST = ["ca-certificates"]


@dataclass(frozen=True)
class Flavor:
    """One builder image: which run image it names and which languages it detects."""
    image_key: str  # key in versions.toml [images]
    run_image_key: str
    languages: tuple[str, ...]
    description: str  # {debian} stands for versions.toml's Debian version
    # [[build.env]]: variables the lifecycle gives every buildpack of this builder (as
    # defaults a build's own env may override).
    build_env: tuple[tuple[str, str], ...] = ()


# The general builder, and the Go builder whose run image is the static one (no shell, no
# python: a Go function's image is its binary plus certificates and time zones). A
# dedicated builder rather than run-image selection by an image extension: extensions
# need the lifecycle's extender, which these lifecycles are built without (see
# tools/lifecycle/dockerfile_applier.go), and a builder name is what OpenFunction's
# spec.build.builder and pack's --builder already take.
FLAVORS = (
    Flavor("builder", "run", tuple(LANGUAGE_BUILDPACKS),
           "funcpacks: Go, .NET, Node.js and Python functions on Debian {debian}"),
    # The Go buildpack refuses cgo builds for a run image without a C library.
    Flavor("builder-go", "run-static", ("go",), "funcpacks for Go: static binaries on a minimal Debian {debian} run image",
           (("FUNCPACKS_RUN_IMAGE", "static"),)),
    # Made only when the builder carries its .NET SDK, whose runtime run-dotnet holds
    # (run_dotnet.py): an app on that runtime gets no runtime layer.
    Flavor("builder-dotnet", "run-dotnet", ("dotnet",),
           "funcpacks for .NET: apps on the ASP.NET Core runtime of a Debian {debian} run image",
           (("FUNCPACKS_RUN_IMAGE", "dotnet"),)),
    # Python only: a build detects one language instead of trying Go and .NET first, and a
    # node pulls the build image, uv and the buildpacks, not the Go seed and the .NET SDK.
    Flavor("builder-python", "run", ("python",), "funcpacks for Python: functions and apps on Debian {debian}"),
    # Node.js only, on the general run image: its bash runs start scripts and Procfiles as
    # npm and gcp-builder run them, and it holds the C++ runtime node links against.
    Flavor("builder-node", "run", ("nodejs",), "funcpacks for Node.js: functions and apps on Debian {debian}"),
)
# Run images make builder makes itself (not make stacks): run_dotnet.py.
MADE_RUN_IMAGES = ("run-dotnet",)


def descriptor(bp_dir: Path) -> dict:
    with (bp_dir / "buildpack.toml").open("rb") as f:
        return tomllib.load(f)


def flavor_buildpacks(flavor: Flavor) -> list[str]:
    """The buildpacks a builder holds: the optional ones and its languages."""
    return OPTIONAL_FIRST + [name for name in LANGUAGE_BUILDPACKS if name in flavor.languages]
