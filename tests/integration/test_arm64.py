"""linux/arm64 function images, built on this amd64 machine under emulation by the arm64
builders (make builder makes them: funcpacks_dev/images/arches.py): the image config says
arm64, every ELF file in its layers (read from `docker save`) is aarch64, the container
answers, and the same sources built for amd64 are amd64 through and through.

Skipped, with the reason, where the kernel has no emulator (binfmt_misc) for arm64."""
from __future__ import annotations

import re
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from funcpacks.program_file import MACHINES
from funcpacks_dev import docker_engine, versions
from funcpacks_dev.images import arches
from funcpacks_dev.local_platform.phase_container import target_of

from helpers import SAMPLES, assert_answers, build, image_layers, inspect, remove_image

ARCH = "arm64"
_WHY = arches.emulator_missing(ARCH)
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_WHY is not None, reason=f"no arm64 here: {_WHY}")]
DATA = versions.load()
FIXTURES = versions.ROOT / "tests" / "fixtures" / "go"
# What the lifecycle says when the Docker engine closes its socket mid-request.
ENGINE_DROPPED = "error during connect"


@dataclass(frozen=True)
class Case:
    source: Path
    builder: str  # versions.toml [images] key
    env: dict
    path: str
    answer: str  # the body starts with it


CASES = {
    # functions-framework 1.4.3 and markupsafe 2.0.1: source distributions, compiled on arm64
    "hello-world-python": Case(SAMPLES / "hello-world-python", "builder-python", {"GOOGLE_FUNCTION_TARGET": "hello_world"},
                               "/", "hello, world"),
    "hello-world-go": Case(SAMPLES / "hello-world-go", "builder-go", {"FUNC_NAME": "HelloWorld"}, "/arm", "hello, arm!"),
    "python-uv": Case(SAMPLES / "python-uv", "builder-python", {"GOOGLE_FUNCTION_TARGET": "hello"}, "/",
                      "hello, world (werkzeug 3.1.3)"),
    # cgo: compiled by the build image's C compiler for the image's architecture, linked
    # against that architecture's glibc; it answers with the glibc it runs on
    "cgo-libc": Case(FIXTURES / "cgo-libc", "builder", {"GOOGLE_FUNCTION_TARGET": "Libc", "CGO_ENABLED": "1"}, "/",
                     "glibc 2."),
    # Node.js of the image's architecture (the builder's, offline), and a native module that
    # `npm rebuild` compiles for it from the vendored sources
    "node-vendored-native": Case(SAMPLES / "node-vendored-native", "builder-node",
                                 {"FUNC_NAME": "hi", "GOOGLE_VENDOR_NPM_DEPENDENCIES": "true"}, "/", "42"),
}


def elf_machines(image: str) -> dict[str, str]:
    """Path -> architecture of every ELF file in the image's layers."""
    found = {}
    for layer in image_layers(image):
        for member in layer:
            if not member.isfile() or member.size < 20:
                continue
            head = layer.extractfile(member).read(20)
            if head[:4] == b"\x7fELF":
                (machine,) = struct.unpack("<H", head[18:20])
                found[member.name] = MACHINES.get(machine, f"machine {machine}")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each case built once per architecture: {(case, arch): (image, pack's output)}. Two
    builds at a time, the emulated ones first: an emulated build is mostly one qemu
    process on one core, so two of them keep both cores busy."""
    def one(name: str, arch: str) -> tuple[str, str]:
        case = CASES[name]
        image = f"funcpacks-test/{arch}-{name}"
        builder = arches.local(DATA["images"][case.builder], arch)
        # pack resolves --platform in a registry unless told to take the engine's image
        args = ["--platform", arches.platform_of(arch), "--pull-policy", "never"]
        proc = build(case.source, image, case.env, args, builder=builder)
        if proc.returncode != 0 and ENGINE_DROPPED in proc.stdout:
            # The engine dropped the lifecycle's connection (two emulated builds export at
            # once on 2 cores): the engine's failure, not the build's; built once more.
            proc = build(case.source, image, case.env, args, builder=builder)
        return image, proc.stdout if proc.returncode == 0 else f"FAILED:\n{proc.stdout[-6000:]}"

    order = sorted(((name, arch) for name in CASES for arch in arches.ARCHES), key=lambda k: k[1] == arches.host())
    with ThreadPoolExecutor(2) as pool:
        made = dict(zip(order, pool.map(lambda key: one(*key), order)))
    yield made
    remove_image(*(image for image, _ in made.values()))


@pytest.mark.parametrize("arch", arches.ARCHES)
@pytest.mark.parametrize("name", CASES)
def test_the_image_is_of_its_architecture_through_and_through(built, name, arch):
    image, log = built[(name, arch)]
    assert not log.startswith("FAILED"), log
    attrs = inspect(image)
    assert (attrs["Os"], attrs["Architecture"]) == ("linux", arch)
    run_image = target_of(attrs)
    assert run_image.distro_version == DATA["debian"]["version"]
    machines = elf_machines(image)
    assert machines, "no ELF file in the image: the check would pass vacuously"
    assert "cnb/lifecycle/launcher" in {p.lstrip("./") for p in machines}
    others = {path: m for path, m in machines.items() if m != arch}
    assert others == {}, f"ELF files of another architecture in the {arch} image"


@pytest.mark.parametrize("arch", arches.ARCHES)
@pytest.mark.parametrize("name", CASES)
def test_the_container_answers(built, name, arch):
    image, log = built[(name, arch)]
    assert not log.startswith("FAILED"), log
    case = CASES[name]
    assert_answers(image, case.path, case.answer, timeout=180, prefix=True)  # emulated: slower to start


def test_cgo_links_the_glibc_of_the_image_architecture(built):
    """The cgo function answers with the glibc it runs on: the run image's of its own
    architecture, the one it was linked against in that architecture's build image."""
    for arch in arches.ARCHES:
        image, log = built[("cgo-libc", arch)]
        assert not log.startswith("FAILED"), log
        assert "cgo enabled (CGO_ENABLED=1)" in log
        run_image = arches.local(DATA["images"]["run"], arch)
        ran = docker_engine.run(run_image, ["python3", "-c", "import os; print(os.confstr('CS_GNU_LIBC_VERSION'))"],
                                timeout=120, check=True)
        assert_answers(image, "/", ran.stdout.strip() + "\n", timeout=180)


def test_a_seeded_arm64_function_compiles_only_its_own_package(built):
    """The arm64 builder's Go seed (made by this machine's toolchain cross-compiling,
    go_buildpack/seed_bundle.py) holds the entries the arm64 toolchain looks up: the build
    adds only the function's own packages to its cache layer."""
    _, log = built[("hello-world-go", ARCH)]
    assert not log.startswith("FAILED"), log
    assert "build cache: the builder's seed is read in place" in log
    sealed = re.search(r"build cache sealed: (\d+) files / ([\d.]+) MB", log)
    assert sealed and float(sealed.group(2)) < 5, sealed and sealed.group(0)


def test_arm64_node_is_the_builders_own_used_in_place(built):
    """builder-node's arm64 image carries the aarch64 Node.js (its wheel's pinned sha256):
    the emulated build downloads none."""
    _, log = built[("node-vendored-native", ARCH)]
    assert not log.startswith("FAILED"), log
    assert f"Node.js {DATA['nodejs']['version']}: the builder's, used in place" in log
    assert "Building layer 'node'" not in log
