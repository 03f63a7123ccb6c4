"""The run images as a user and a scanner see them: the stack's CPython, no LANG, and a
dpkg status database that lists exactly what each image holds."""
from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tomllib

import pytest

from funcpacks_dev import docker_engine, versions
from funcpacks_dev.images import arches, bundles, run_dotnet
from helpers import image_entries, inspect

ROOT = versions.ROOT
DATA = versions.load()
IMAGES = DATA["images"]
RUN_IMAGES = ("run", "run-static", "run-cc")
# Every architecture make stacks made here (arm64 where the emulator runs).
MADE_ARCHES = arches.runnable()[0]
# Paths a maintainer script writes (no package lists them).
GENERATED = {"etc/ssl/certs/ca-certificates.crt", "etc/ld.so.cache", "etc/nsswitch.conf", "etc/localtime", "etc/passwd", "etc/group",
             "etc/shadow", "etc/gshadow", "etc/subuid", "etc/subgid", "etc/machine-id"}


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 3600)  # make stacks/builder on a fresh machine
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)


def dpkg_db(image: str) -> dict[str, bytes]:
    """var/lib/dpkg of an image (name relative to it -> content), copied out of a created
    (never started) container: the static images have no shell to cat it."""
    tar = docker_engine.copy_out(image, "/var/lib/dpkg")
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        return {m.name.split("/", 1)[1]: t.extractfile(m).read() for m in t if m.isfile() and "/" in m.name}


def installed(status: bytes) -> set[str]:
    names = set()
    for stanza in status.decode().strip().split("\n\n"):
        fields = dict(ln.split(": ", 1) for ln in stanza.splitlines() if ": " in ln and not ln.startswith(" "))
        assert fields.get("Status") == "install ok installed", stanza
        names.add(fields["Package"])
    return names


def merged(path: str) -> str:
    name = path.strip("/")
    return f"usr/{name}" if name.split("/")[0] in ("bin", "sbin", "lib", "lib64") and "/" in name else name


def owners(db: dict[str, bytes]) -> dict[str, str]:
    """file -> package, from the run image's dpkg file lists."""
    out = {}
    for name, data in db.items():
        if name.startswith("info/") and name.endswith(".list"):
            package = name[5:-5].split(":")[0]
            for line in data.decode().splitlines():
                out.setdefault(merged(line), package)
    return out


def regular_files(image: str) -> set[str]:
    """Files and links, but not the links update-alternatives made (awk -> mawk)."""
    return {m.name.lstrip("./") for m in image_entries(image)
            if m.isfile() or (m.issym() and not m.linkname.startswith("/etc/alternatives/"))}


def test_run_image_carries_the_stack_python():
    proc = docker_engine.run(IMAGES["run"], ["--version"], entrypoint="python3")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Python {DATA['debian']['python']}."), proc.stdout
    # what the functions need from the standard library loads without the removed packages
    mods = docker_engine.run(IMAGES["run"], ["-c", "import ssl, sqlite3, zlib, lzma, bz2, ctypes, uuid, locale, sys; "
                                            "print(sys.getfilesystemencoding(), locale.getpreferredencoding())"],
                             entrypoint="python3")
    assert mods.returncode == 0 and mods.stdout.split() == ["utf-8", "utf-8"], mods.stderr


def test_build_image_carries_the_tomli_w_the_unit_tier_runs_the_buildpacks_with():
    # The buildpacks write their TOML with the build image's python3-tomli-w; the host's
    # pin ([host-python]) must be that version, or the unit tier tests another writer.
    proc = docker_engine.run(IMAGES["build"], ["-c", "import importlib.metadata as m; print(m.version('tomli_w'))"],
                             entrypoint="python3")
    assert proc.returncode == 0, proc.output
    assert proc.stdout.strip() == DATA["host-python"]["tomli-w"]


def test_no_run_image_sets_lang():
    for kind in RUN_IMAGES:
        env = dict(e.split("=", 1) for e in inspect(IMAGES[kind])["Config"]["Env"])
        assert not {k for k in env if k == "LANG" or k.startswith("LC_")}, (kind, env)
    assert "LANG" in dict(e.split("=", 1) for e in inspect(IMAGES["build"])["Config"]["Env"])


@pytest.mark.parametrize("arch", MADE_ARCHES)
def test_run_image_status_lists_exactly_its_packages(arch):
    image = arches.local(IMAGES["run"], arch)
    libs = f"usr/lib/{arches.TRIPLETS[arch]}/"
    db = dpkg_db(image)
    packages = installed(db["status"])
    with_lists = {n[5:-5].split(":")[0] for n in db if n.startswith("info/") and n.endswith(".list")}
    assert packages == with_lists
    removed = [ln.strip() for ln in (ROOT / "stacks/run/remove").read_text().splitlines()
               if ln.strip() and not ln.startswith("#")]
    assert not packages & set(removed)
    assert {"python3", "libc6", "ca-certificates", "tzdata", "coreutils", "bash"} <= packages
    files = regular_files(image)
    assert any(f.startswith(libs) for f in files), f"no {libs}: the checks below would pass vacuously"
    assert not any(f.startswith(("var/lib/apt/", "var/cache/apt/", "var/cache/debconf/")) for f in files)
    for gone in ("usr/bin/perl", "usr/bin/apt-get", "usr/bin/dpkg", "usr/bin/mount", "usr/bin/su", "usr/bin/passwd"):
        assert gone not in files, gone
    # every program and library in the image belongs to a listed package
    owned = owners(db)
    unowned = {f for f in files if f.startswith(("usr/bin/", "usr/sbin/", libs))
               and f not in owned and "/gconv/" not in f}
    assert unowned == set()
    # ... and no listed package lost its programs or libraries
    missing = {f for f in owned if f.startswith(("usr/bin/", libs + "lib")) and f not in files}
    assert missing == set()


@pytest.mark.parametrize("arch", MADE_ARCHES)
@pytest.mark.parametrize("kind", ["run-static", "run-cc"])
def test_cut_run_images_list_the_packages_their_files_come_from(kind, arch):
    owned = owners(dpkg_db(arches.local(IMAGES["run"], arch)))
    packages = installed(dpkg_db(arches.local(IMAGES[kind], arch))["status"])
    files = regular_files(arches.local(IMAGES[kind], arch)) - {"var/lib/dpkg/status"}
    from_packages = {owned[f] for f in files if f in owned}
    assert packages >= from_packages
    # a listed package owns a file here, or generated one (ca-certificates' bundle)
    assert packages - from_packages <= {"ca-certificates"}
    assert {f for f in files if f not in owned} <= GENERATED | {"etc/os-release"}
    assert {"base-files", "tzdata", "netbase"} <= packages  # os-release, zoneinfo, services
    if kind == "run-cc":
        assert {"libc6", "libstdc++6", "libgcc-s1"} <= packages and any(p.startswith("libssl3") for p in packages)
    else:
        assert not {"libc6", "bash", "python3"} & packages


@pytest.mark.parametrize("file, line, needle", [
    ("packages", "no-such-package-funcpacks", "run/packages names no-such-package-funcpacks, which Debian"),
    ("remove", "bsdmainutils", "run/remove: package bsdmainutils is not installed in the run image"),
])
def test_a_bad_package_list_fails_naming_the_package_and_tags_nothing(tmp_path, file, line, needle):
    definitions = tmp_path / "stacks"
    shutil.copytree(ROOT / "stacks", definitions)
    path = definitions / "run" / file
    lines = path.read_text().splitlines()
    lines.insert(len(lines) - 1 if file == "remove" else len(lines), line)  # dpkg stays last
    path.write_text("\n".join(lines) + "\n")
    before = inspect(IMAGES["run"])["Id"]
    proc = run(["python3", "-m", "funcpacks_dev.images.stacks", "--stacks-dir", str(definitions), "--only", "run",
                "--arch", "host"])
    assert proc.returncode == 1
    assert needle in proc.stderr and str(path.parent) in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert inspect(IMAGES["run"])["Id"] == before
    assert not list((ROOT / "build" / "stacks").glob("*/run-rootfs.tmp"))



def test_run_dotnet_adds_icu_and_the_runtime_of_the_carried_sdk(tmp_path):
    """run-dotnet (make builder): the run image plus one layer with ICU, listed in the dpkg
    status, and the ASP.NET Core runtime of the SDK the builder carries."""
    image, run_image = IMAGES["run-dotnet"], IMAGES["run"]
    sdk = run_dotnet.carried_sdk(DATA, bundles.ensure(DATA))
    assert sdk is not None
    runtime_version = tomllib.loads((sdk.parent / f"{sdk.name}.toml").read_text())["runtime_version"]
    listed = docker_engine.run(image, ["--list-runtimes"], entrypoint="dotnet")
    assert listed.returncode == 0, listed.output
    assert [ln.split(" [")[0] for ln in listed.stdout.splitlines()] == [
        f"Microsoft.AspNetCore.App {runtime_version}", f"Microsoft.NETCore.App {runtime_version}"]
    assert inspect(image)["RootFS"]["Layers"][:-1] == inspect(run_image)["RootFS"]["Layers"]
    assert inspect(image)["Config"]["User"] == inspect(run_image)["Config"]["User"]
    added_packages = installed(dpkg_db(image)["status"]) - installed(dpkg_db(run_image)["status"])
    assert len(added_packages) == 1 and next(iter(added_packages)).startswith("libicu")
    added_files = regular_files(image) - regular_files(run_image) - {"var/lib/dpkg/status"}
    icu = {f for f in added_files if not f.startswith("usr/share/dotnet/")}
    assert {f.rsplit("/", 1)[1].split(".so.")[0] for f in icu if "/lib/" in f} == {"libicudata", "libicuuc", "libicui18n"}
    assert icu - {f for f in icu if "/lib/" in f} == {f"usr/share/doc/{next(iter(added_packages))}/copyright"}
    # made again, the image has the same layers: app images stay rebasable onto it
    again = f"funcpacks-test/run-dotnet-again:{tmp_path.name.lower()}"
    try:
        run_dotnet.build(DATA, sdk, again, "again")
        assert inspect(again)["RootFS"]["Layers"] == inspect(image)["RootFS"]["Layers"]
    finally:
        docker_engine.remove_images(again)
