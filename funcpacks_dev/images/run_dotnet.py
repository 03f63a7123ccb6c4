"""run-dotnet: the run image plus ICU and the ASP.NET Core runtime of the SDK the builder
carries, made by `make builder` once that SDK is bundled (bundles.py).

What it adds is one layer, reproducible like the stacks' root filesystems (fixed owner,
modes and SOURCE_DATE_EPOCH times): the runtime as the .NET buildpack lays it out
(`python3 -m dotnet_buildpack.run_image`) in /usr/share/dotnet, the build image's ICU
libraries (the ones a runtime layer would carry) with their copyright file, and the run
image's dpkg status with ICU's package added, so scanners see it. The image is made again
when its inputs change: the run and build images, the SDK bundle and this code (label
io.funcpacks.stack.inputs).

    python3 -m funcpacks_dev.images.run_dotnet   # make it (bundling the SDK first when needed)
"""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from funcpacks_dev import versions
from funcpacks_dev.images import arches, bundles, stacks

ROOT = versions.ROOT
DOTNET_BUILDPACK = ROOT / "buildpacks" / "dotnet"
DOTNET_ROOT = "usr/share/dotnet"  # dotnet_buildpack.run_image.ROOT, as a tar member name
DPKG_STATUS = "var/lib/dpkg/status"
ICU_STANZA = "tmp/icu/stanza"
# In the build image: the package that installed ICU, its stanza, and its libraries the
# runtime loads (dotnet_buildpack.icu.LIBRARIES) as a tar on stdout.
ICU_SCRIPT = r"""set -eu
lib=$(ls /usr/lib/*-linux-gnu/libicuuc.so.* | head -n 1)
pkg=$(dpkg-query --search "$(readlink -f "$lib")" | cut -d: -f1)
mkdir -p /tmp/icu && dpkg-query --status "$pkg" | grep -v '^Status:' > /tmp/icu/stanza
dir=$(dirname "$lib")
cd / && tar -cf - tmp/icu/stanza $(cd / && ls -d ${dir#/}/libicudata.so.* ${dir#/}/libicuuc.so.* \
  ${dir#/}/libicui18n.so.*) usr/share/doc/$pkg/copyright
"""


class RunDotnetError(Exception):
    pass


def _image_id(image: str) -> str:
    proc = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RunDotnetError(f"image {image} is missing: run 'make stacks'")
    return proc.stdout.strip()


def inputs_digest(data: dict, sdk: Path, arch: str = arches.host()) -> str:
    h = hashlib.sha256()
    for image in (arches.local(data["images"]["run"], arch), arches.local(data["images"]["build"], arch)):
        h.update(_image_id(image).encode())
    h.update((sdk.parent / f"{sdk.name}.toml").read_bytes())
    for code in (Path(__file__), *(DOTNET_BUILDPACK / "dotnet_buildpack" / f"{module}.py"
                                   for module in ("run_image", "runtime_files", "frameworks"))):
        h.update(code.read_bytes())
    return h.hexdigest()[:32]


def _docker_output(image: str, *command: str) -> bytes:
    proc = subprocess.run(["docker", "run", "--rm", "--network", "host", "--user", "0", "--entrypoint", command[0],
                           image, *command[1:]], capture_output=True)
    if proc.returncode != 0:
        raise RunDotnetError(f"{' '.join(command[:2])} in {image} failed: "
                             f"{proc.stderr.decode(errors='replace').strip().splitlines()[-1:]}")
    return proc.stdout


def _normalized(info: tarfile.TarInfo, epoch: int) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = epoch
    if info.isdir():
        info.mode = 0o755
    elif info.isfile():
        info.mode = 0o755 if info.mode & 0o111 else 0o644
    return info


def _add_tree(tar: tarfile.TarFile, src: Path, arcname: str, epoch: int) -> None:
    """src as arcname, in sorted order (the same tar for the same files)."""
    for path in [src, *sorted(src.rglob("*"))]:
        name = arcname if path == src else f"{arcname}/{path.relative_to(src).as_posix()}"
        info = _normalized(tar.gettarinfo(str(path), name), epoch)
        if info.isfile():
            with path.open("rb") as f:
                tar.addfile(info, f)
        else:
            tar.addfile(info)


def _with_package(status: str, stanza: str) -> str:
    """The run image's dpkg status with one more package's stanza, in name order (as
    stacks.derived_status writes a status)."""
    lines = stanza.strip().splitlines()
    lines.insert(1, "Status: install ok installed")
    packages = stacks.stanzas(status) | stacks.stanzas("\n".join(lines))
    return "\n\n".join(packages[p] for p in sorted(packages)) + "\n"


def layer_tar(data: dict, sdk: Path, out: Path, arch: str = arches.host()) -> list[str]:
    """The added layer as a tarball; returns the runtime's frameworks ("<name> <version>")."""
    epoch = int(data["debian"]["source-date-epoch"])
    with tempfile.TemporaryDirectory() as tmp:
        runtime = Path(tmp) / "dotnet"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(DOTNET_BUILDPACK)]))
        proc = subprocess.run([sys.executable, "-m", "dotnet_buildpack.run_image", str(sdk), str(runtime)],
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RunDotnetError(f"laying out the runtime of {sdk.name} failed: {proc.stderr.strip()}")
        frameworks = proc.stdout.split("\n")[:-1]
        icu = tarfile.open(fileobj=io.BytesIO(_docker_output(arches.local(data["images"]["build"], arch), "sh", "-c", ICU_SCRIPT)))
        status = _docker_output(arches.local(data["images"]["run"], arch), "cat", "/" + DPKG_STATUS).decode()
        icu_members = sorted((m for m in icu.getmembers() if m.name != ICU_STANZA), key=lambda m: m.name)
        stanza = icu.extractfile(ICU_STANZA).read().decode() if ICU_STANZA in icu.getnames() else ""  # type: ignore[union-attr]
        if not stanza:
            raise RunDotnetError(f"{data['images']['build']} told no ICU package")
        with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
            # Every directory above what is added, with fixed metadata: else the daemon's
            # diff would carry them with the time of the build.
            names = [DOTNET_ROOT, DPKG_STATUS, *(m.name for m in icu_members)]
            for parent in sorted({"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)}):
                if parent != DOTNET_ROOT:
                    tar.addfile(_dir(parent, epoch))
            _add_tree(tar, runtime, DOTNET_ROOT, epoch)
            for member in icu_members:
                f = icu.extractfile(member) if member.isfile() else None
                tar.addfile(_normalized(member, epoch), f)
            body = _with_package(status, stanza).encode()
            info = _normalized(tarfile.TarInfo(DPKG_STATUS), epoch)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return frameworks


def _dir(name: str, epoch: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return _normalized(info, epoch)


def dockerfile(data: dict, digest: str, frameworks: list[str], arch: str = arches.host()) -> str:
    return (f"# Generated by funcpacks_dev/images/run_dotnet.py: the run-dotnet image.\n"
            f"FROM {arches.local(data['images']['run'], arch)}\n"
            "ADD runtime.tar /\n"
            f"ENV DOTNET_ROOT=/{DOTNET_ROOT} PATH=/{DOTNET_ROOT}:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1\n"
            f'LABEL {stacks.INPUTS_LABEL}="{digest}" io.funcpacks.dotnet.runtime="{", ".join(frameworks)}"\n')


def ensure(data: dict, sdk: Path, arch: str = arches.host()) -> None:
    """run-dotnet for arch from the SDK bundle at sdk (of that arch), unless it is up to date."""
    image = arches.local(data["images"]["run-dotnet"], arch)
    digest = inputs_digest(data, sdk, arch)
    if stacks.image_inputs(image) == digest:
        print(f"run-dotnet: {image} is up to date")
        return
    frameworks = build(data, sdk, image, digest, arch)
    print(f"run-dotnet: {image} built ({', '.join(frameworks)})", flush=True)


def build(data: dict, sdk: Path, image: str, digest: str, arch: str = arches.host()) -> list[str]:
    """docker build of the image as tag `image`; returns the runtime's frameworks."""
    with tempfile.TemporaryDirectory(dir=ROOT / "build" if (ROOT / "build").is_dir() else None) as ctx:
        frameworks = layer_tar(data, sdk, Path(ctx) / "runtime.tar", arch)
        (Path(ctx) / "Dockerfile").write_text(dockerfile(data, digest, frameworks, arch))
        try:
            stacks.build_context(image, Path(ctx), arch)
        except stacks.StackError as exc:
            raise RunDotnetError(str(exc)) from None
    return frameworks


def carried_sdk(data: dict, carried: dict[str, list[Path]], arch: str = arches.host()) -> Path | None:
    """The SDK bundle for arch versions.toml names among what bundles.ensure says the .NET
    buildpack carries, when it carries it."""
    name = f"dotnet-sdk-{data['dotnet']['sdk']}-linux-{arch}"
    return next((p for p in carried.get("dotnet", []) if p.name == name), None)


def main(argv: list[str]) -> int:
    data = versions.load()
    try:
        sdk = carried_sdk(data, bundles.ensure(data))
    except bundles.BundleError as exc:
        print(f"run-dotnet: {exc}", file=sys.stderr)
        return 1
    if sdk is None:
        print("run-dotnet: no .NET SDK could be bundled (see above): set FUNCPACKS_DOTNET_FEED", file=sys.stderr)
        return 1
    try:
        ensure(data, sdk)
    except RunDotnetError as exc:
        print(f"run-dotnet: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
