"""`make builder`: package the buildpacks and create the builder image with pack.

Packaging makes each buildpack self-contained (pack copies the directory as-is): the
shared library goes to <buildpack>/lib/funcpacks, the buildpack's own package to
lib/<module>, the entry point (funcpacks/entrypoint.py) to lib/__main__.py, and bin/detect
and bin/build are the wrapper that runs lib/ (funcpacks/bin-wrapper.sh), and
lib/descriptor.py holds what the entry point needs of buildpack.toml. A builder's
buildpacks also carry lib/'s byte-code, compiled by the build image's python3.
The builders (images/flavors.py) are made from builder.toml, builder-go.toml,
builder-dotnet.toml and builder-python.toml at the top of the repository
(generate/builder_toml.py); builder-dotnet when the .NET SDK is bundled, with run-dotnet
(run_dotnet.py).

    python3 -m funcpacks_dev.images.builder package DIR       # only package the buildpacks into DIR
    python3 -m funcpacks_dev.images.builder create            # package, then pack builder create from them
    python3 -m funcpacks_dev.images.builder create builder-python  # only the builders named
    python3 -m funcpacks_dev.images.builder create builder-python --arch=host  # only for this machine (make demo)

Every architecture (arches.py) gets its own builders: amd64's from the committed files,
another's from build/builders/<name>-<arch>.toml (its lifecycle, its buildpacks packaged
in build/buildpacks-<arch> with that architecture's bundles, its local image tags).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import tomli_w

from funcpacks import defaults
from funcpacks_dev import docker_engine, versions
from funcpacks_dev.generate.builder_toml import TOP_LEVEL, builder_toml, top_level_files
from funcpacks_dev.images import arches, bundles, run_dotnet
from funcpacks_dev.images.flavors import (BUILDPACKS_SRC, FLAVORS, LANGUAGE_BUILDPACKS, MADE_RUN_IMAGES, OPTIONAL_FIRST,
                                          Flavor, descriptor, flavor_buildpacks)

ROOT = versions.ROOT
SRC_LIB = ROOT / "funcpacks"
BUILD_DIR = ROOT / "build"
TOOLS = ROOT / ".tools"

# What each buildpack's defaults.toml holds (funcpacks/defaults.py reads it): from versions.toml.
LANGUAGE_DEFAULTS = {
    "python": lambda data: {"functions-framework": data["python"]["functions-framework"],
                            "func-python": data["python"]["func-python"],
                            "uv-requirement": versions.uv_requirement(data).strip()},
    "go": lambda data: data["go"],
    "nodejs": lambda data: {k: data["nodejs"][k] for k in ("version", "index", "functions-framework", "pnpm",
                                                          "yarn-classic", "yarn-berry")},
}


class BuilderError(Exception):
    pass


def check_descriptor(name: str, desc: dict, data: dict) -> None:
    want_api, want_version = data["buildpacks"]["api"], data["buildpacks"]["version"]
    if desc.get("api") != want_api or desc["buildpack"].get("version") != want_version:
        raise BuilderError(
            f"buildpacks/{name}/buildpack.toml has api {desc.get('api')!r} version {desc['buildpack'].get('version')!r}; "
            f"versions.toml says api {want_api!r} version {want_version!r}: make them agree")
    targets = sorted((t.get("os"), t.get("arch")) for t in desc.get("targets", []))
    if targets != [("linux", arch) for arch in sorted(arches.ARCHES)]:
        raise BuilderError(
            f"buildpacks/{name}/buildpack.toml's [[targets]] are {targets}; the builders are made for "
            f"{', '.join('linux/' + a for a in arches.ARCHES)} (funcpacks_dev/images/arches.py): list each once")


# lib/descriptor.py of a packaged buildpack (see funcpacks/entrypoint.py).
DESCRIPTOR = '''"""buildpack.toml's id and module, and the build users of the stack ((uids, gid),
funcpacks/build_user.py), for the entry point (__main__.py): written by
funcpacks_dev/images/builder.py, so that bin/detect and bin/build need no TOML parser."""
ID = {id!r}
MODULE = {module!r}
BUILD_USERS = {build_users!r}
'''


def build_users(data: dict) -> tuple[tuple[int, ...], int]:
    """The uids (the build image's user first) and the gid a build may run as."""
    st = data["stack"]
    return (st["build-user-id"], *st["other-build-user-ids"]), st["group-id"]


def package_buildpacks(dest: Path, data: dict | None = None, bundled: dict[str, list[Path]] | None = None,
                       any_user: bool = False, arch: str = arches.host()) -> dict[str, Path]:
    """Copies every buildpack into dest/<name> with the library and entry points, and the
    dependencies it carries (`bundled`: buildpack name -> directories from bundles.ensure).
    any_user: accept any uid and gid, root included (for running the buildpacks on a
    host, as the unit tier does); a builder's buildpacks refuse all but the stack's build
    users. arch: the architecture of the programs it carries (bundles of that arch, the
    .NET buildpack's helper compiled for it). Returns name -> packaged directory."""
    data = data or versions.load()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    out = {}
    for name in OPTIONAL_FIRST + LANGUAGE_BUILDPACKS:
        src = BUILDPACKS_SRC / name
        desc = descriptor(src)
        check_descriptor(name, desc, data)
        target = dest / name
        if target.exists():
            shutil.rmtree(target)
        # The buildpack's own package goes next to the library in lib/, the directory its
        # bin/ wrappers run (funcpacks/entrypoint.py); everything else stays where it is.
        module = desc["metadata"]["module"]
        shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", module))
        shutil.copytree(src / module, target / "lib" / module, ignore=ignore)
        # The entry point and the wrapper are placed below, not imported as library modules.
        shutil.copytree(SRC_LIB, target / "lib" / "funcpacks",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "entrypoint.py", "bin-wrapper.sh"))
        shutil.copy(SRC_LIB / "entrypoint.py", target / "lib" / "__main__.py")
        (target / "lib" / "descriptor.py").write_text(DESCRIPTOR.format(
            id=desc["buildpack"]["id"], module=module, build_users=None if any_user else build_users(data)))
        (target / "bin").mkdir(exist_ok=True)
        for phase in ("detect", "build"):
            shutil.copy(SRC_LIB / "bin-wrapper.sh", target / "bin" / phase)
            os.chmod(target / "bin" / phase, 0o755)
        if name in LANGUAGE_DEFAULTS:
            (target / defaults.FILE).write_text(tomli_w.dumps(LANGUAGE_DEFAULTS[name](data)))
        if name == "dotnet":
            build_port_env(target, arch)
        if bundled and name in bundled:
            bundles.link_into(target, bundled[name])
        out[name] = target
    return out


def compile_bytecode(packaged: dict[str, Path], build_image: str) -> None:
    """Byte-code of every packaged buildpack's lib/, compiled by the build image's python3,
    the interpreter that runs it. bin/detect and bin/build run `python3 -B` from the
    read-only /cnb, so without it every detect of every group compiles the library and its
    buildpack from source again. Checked-hash pycs: python3 checks each against the hash
    of its source, never a timestamp, so a stale one is never used; with PYTHONHASHSEED=0
    (the order of sets among the constants) the same sources give the same files."""
    roots = {path.parent for path in packaged.values()}
    if len(roots) != 1:
        raise BuilderError(f"the packaged buildpacks are not in one directory: {sorted(map(str, roots))}")
    if not docker_engine.image_exists(build_image):
        raise BuilderError(f"stack image {build_image} is missing: run 'make stacks'")
    ran = docker_engine.run(build_image, ["python3", "-m", "compileall", "-q", "--invalidation-mode", "checked-hash",
                                          *(f"/buildpacks/{path.name}/lib" for path in packaged.values())],
                            network_mode="none", user=f"{os.getuid()}:{os.getgid()}",
                            environment={"PYTHONHASHSEED": "0"},
                            volumes={str(roots.pop()): {"bind": "/buildpacks", "mode": "rw"}})
    if ran.returncode != 0:
        raise BuilderError(f"the build image's python3 cannot compile the packaged buildpacks (compileall exit "
                           f"{ran.returncode}):\n{(ran.stdout + ran.stderr).strip()[-2000:]}")


def build_port_env(packaged: Path, arch: str = arches.host()) -> None:
    """The .NET buildpack's exec.d helper: a static Go binary for arch, since it runs on
    run images without a shell (reproducible: -trimpath, no VCS stamp, no cgo)."""
    src = packaged / "port-env"
    out = packaged / "libexec" / "port-env"
    if shutil.which("go") is None:
        raise BuilderError("go is not installed: it builds the .NET buildpack's port-env helper; run 'make tools'")
    proc = subprocess.run(["go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", str(out), "."],
                          cwd=src, capture_output=True, text=True,
                          env=dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=mod", GOOS="linux", GOARCH=arch))
    if proc.returncode != 0:
        raise BuilderError(f"building {src}/main.go failed: {proc.stderr.strip()}")
    shutil.rmtree(src)


def pack_bin() -> str:
    pack = TOOLS / "bin" / "pack"
    if not pack.exists():
        raise BuilderError(f"{pack} is missing: run 'make tools'")
    return str(pack)


def inputs_digest(toml_path: Path, packaged: dict[str, Path], data: dict, flavor: Flavor = FLAVORS[0],
                  arch: str = arches.host()) -> str:
    """Everything the builder image is made of: its buildpacks, the lifecycle, the build
    image and its run image; unchanged inputs -> reuse the image."""
    h = hashlib.sha256(toml_path.read_bytes())
    for name in flavor_buildpacks(flavor):
        path = packaged[name]
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            relative = f.relative_to(path)
            # A bundled dependency is named by its description (version and checksum);
            # its hundreds of MB are not read again.
            if relative.parts[0] == "bundled" and len(relative.parts) > 2:
                continue
            h.update(str(relative).encode() + b"\0" + f.read_bytes())
    h.update((TOOLS / "lifecycle" / versions.lifecycle_archive_name(data, arch)).read_bytes())
    for image in (arches.local(data["images"][k], arch) for k in ("build", flavor.run_image_key)):
        out = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise BuilderError(f"stack image {image} is missing: run 'make stacks'")
        h.update(out.stdout.encode())
    return h.hexdigest()


def packaged_dir(arch: str) -> Path:
    """Where make builder packages the buildpacks for arch (the committed builder.toml
    files name build/buildpacks, the amd64 packaging)."""
    return BUILD_DIR / ("buildpacks" if arch == "amd64" else f"buildpacks-{arch}")


def create(data: dict, only: list[str] | None = None, arch_list: list[str] | None = None) -> None:
    """Packages the buildpacks and creates the builders (`only`: these image keys, with
    only the bundles their buildpacks carry) for every architecture of arch_list (default:
    every one this machine can run, arches.py)."""
    unknown = sorted(set(only or ()) - {f.image_key for f in FLAVORS})
    if unknown:
        raise BuilderError(f"no builder {', '.join(unknown)}: the builders are {', '.join(f.image_key for f in FLAVORS)}")
    wanted = [f for f in FLAVORS if not only or f.image_key in only]
    runnable, skipped = arches.runnable(arch_list or arches.ARCHES)
    for arch, why in skipped.items():
        if arch_list:
            raise BuilderError(f"cannot make {arch} builders here: {why}")
        print(f"builder: WARNING: no {arch} builders: {why}", file=sys.stderr)
    for arch in runnable:
        create_for(data, wanted, arch)


def create_for(data: dict, wanted: list[Flavor], arch: str) -> None:
    pack = pack_bin()
    if not (TOOLS / "lifecycle" / versions.lifecycle_archive_name(data, arch)).exists():
        raise BuilderError(f"the lifecycle tarball for {arch} is missing: run 'make tools'")
    try:
        carried = bundles.ensure(data, {name for f in wanted for name in flavor_buildpacks(f)}, arch)
    except bundles.BundleError as exc:
        raise BuilderError(str(exc)) from None
    packaged = package_buildpacks(packaged_dir(arch), data, carried, arch=arch)
    compile_bytecode(packaged, arches.local(data["images"]["build"], arch))
    files = top_level_files(data)
    for flavor in available_flavors(data, carried, wanted, arch):
        if arch == "amd64":
            toml_path = TOP_LEVEL[flavor.image_key]
            if not toml_path.exists() or toml_path.read_text() != files[toml_path]:
                raise BuilderError(f"{toml_path.name} does not match versions.toml: run 'make generate'")
        else:
            toml_path = arch_toml(data, packaged, flavor, arch)
        image = arches.local(data["images"][flavor.image_key], arch)
        stamp = BUILD_DIR / f"{flavor.image_key}{'' if arch == arches.host() else '-' + arch}.inputs"
        digest = inputs_digest(toml_path, packaged, data, flavor, arch)
        exists = subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0
        if exists and stamp.exists() and stamp.read_text() == digest:
            print(f"builder: {image} is up to date")
            continue
        stamp.unlink(missing_ok=True)
        print(f"builder: pack builder create {image}", flush=True)
        proc = run_pack([pack, "builder", "create", image, "--config", str(toml_path),
                         "--pull-policy", "if-not-present"])
        if proc.returncode != 0:
            raise BuilderError(f"pack builder create {image} failed (exit {proc.returncode}); see the output above")
        stamp.write_text(digest)


def arch_toml(data: dict, packaged: dict[str, Path], flavor: Flavor, arch: str) -> Path:
    """The builder definition of another architecture than the committed files': its
    lifecycle, its packaged buildpacks and the local tags of its images."""
    toml_dir = BUILD_DIR / "builders"
    toml_dir.mkdir(parents=True, exist_ok=True)
    path = toml_dir / f"{flavor.image_key}-{arch}.toml"
    path.write_text(builder_toml(data, packaged, toml_dir, flavor, arch=arch, targets=False,
                                 build_image=arches.local(data["images"]["build"], arch),
                                 run_image=arches.local(data["images"][flavor.run_image_key], arch)))
    return path


def available_flavors(data: dict, carried: dict[str, list[Path]],
                      wanted: tuple[Flavor, ...] | list[Flavor] = FLAVORS, arch: str = arches.host()) -> list[Flavor]:
    """The builders of `wanted` this machine can make for arch, after making the run
    images they need that make stacks does not: builder-dotnet only when the .NET SDK of
    that arch is bundled (carried: bundles.ensure's answer)."""
    if not any(f.run_image_key in MADE_RUN_IMAGES for f in wanted):
        return list(wanted)
    sdk = run_dotnet.carried_sdk(data, carried, arch)
    if sdk is None:
        print(f"builder: WARNING: no linux-{arch} .NET SDK is bundled, so "
              f"{arches.local(data['images']['builder-dotnet'], arch)} and its run image "
              f"{arches.local(data['images']['run-dotnet'], arch)} are not made (the general builder builds .NET "
              "apps, downloading the SDK from the feed a build names)", file=sys.stderr)
        return [f for f in wanted if f.run_image_key not in MADE_RUN_IMAGES]
    try:
        run_dotnet.ensure(data, sdk, arch)
    except run_dotnet.RunDotnetError as exc:
        raise BuilderError(str(exc)) from None
    return list(wanted)


def pack_env() -> dict[str, str]:
    """pack with its own home under .tools, where our builder is trusted."""
    home = TOOLS / "pack-home"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.toml"
    images = [versions.get(f"images.{f.image_key}") for f in FLAVORS]
    if not config.exists() or any(i not in config.read_text() for i in images):
        config.write_text(tomli_w.dumps({"trusted-builders": [{"name": i} for i in images],
                                         "pull-policy": "if-not-present"}))
    # pack in a container makes a new cache volume per build unless it has a stable key;
    # one random key per checkout keeps warm rebuilds warm.
    key_file = home / "volume-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(16))
    return dict(os.environ, PACK_HOME=str(home), PACK_VOLUME_KEY=key_file.read_text().strip())


@contextlib.contextmanager
def pack_scratch_env() -> Iterator[dict[str, str]]:
    """pack_env() with a TMPDIR of its own, removed afterwards: pack (imgutil's local
    store) unpacks every base image it reads from the daemon into a temp directory it
    never removes, hundreds of MB per builder create."""
    with tempfile.TemporaryDirectory(prefix="funcpacks-pack-") as scratch:
        yield dict(pack_env(), TMPDIR=scratch)


def run_pack(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run of a pack command line (kwargs as for subprocess.run, no env)."""
    with pack_scratch_env() as env:
        return subprocess.run(cmd, env=env, **kwargs)


def main(argv: list[str]) -> int:
    data = versions.load()
    try:
        if argv[:1] == ["package"] and len(argv) == 2:
            package_buildpacks(Path(argv[1]), data)
        elif argv[:1] == ["create"]:
            keys = [a for a in argv[1:] if not a.startswith("--arch=")]
            chosen = [a.split("=", 1)[1] for a in argv[1:] if a.startswith("--arch=")]
            create(data, keys or None, arches.named(chosen))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except BuilderError as exc:
        print(f"builder: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
