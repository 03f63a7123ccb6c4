"""`make builder`: package the buildpacks and create the builder image with pack.

Packaging makes each buildpack self-contained (pack copies the directory as-is): the
shared library goes to <buildpack>/lib/funcpacks and its entry point becomes bin/detect
and bin/build. builder.toml is generated from versions.toml into build/.

    python3 scripts/builder.py package DIR     # only package the buildpacks into DIR
    python3 scripts/builder.py toml            # print the generated builder.toml
    python3 scripts/builder.py create          # package, generate, pack builder create
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import versions  # noqa: E402

sys.path.insert(0, str(versions.ROOT / "src"))
from funcpacks import tomlw  # noqa: E402

ROOT = versions.ROOT
SRC_LIB = ROOT / "src" / "funcpacks"
BUILDPACKS_SRC = ROOT / "buildpacks"
BUILD_DIR = ROOT / "build"
TOOLS = ROOT / ".tools"

# Order groups: the CA certificates buildpack is optional and first in every group, so
# every language buildpack's downloads can trust a user's extra CAs.
# Go first, .NET before Python: a .NET project rarely carries Python files, while a
# Python project carrying a .csproj is rarer still.
LANGUAGE_BUILDPACKS = ["go", "dotnet", "python"]
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
# scripts/lifecycle/dockerfile_applier.go), and a builder name is what OpenFunction's
# spec.build.builder and pack's --builder already take.
FLAVORS = (
    Flavor("builder", "run", tuple(LANGUAGE_BUILDPACKS), "funcpacks: Go, .NET and Python functions on Debian {debian}"),
    # The Go buildpack refuses cgo builds for a run image without a C library.
    Flavor("builder-go", "run-static", ("go",), "funcpacks for Go: static binaries on a minimal Debian {debian} run image",
           (("FUNCPACKS_RUN_IMAGE", "static"),)),
)


class BuilderError(Exception):
    pass


def descriptor(bp_dir: Path) -> dict:
    with (bp_dir / "buildpack.toml").open("rb") as f:
        return tomllib.load(f)


def check_descriptor(name: str, desc: dict, data: dict) -> None:
    want_api, want_version = data["buildpacks"]["api"], data["buildpacks"]["version"]
    if desc.get("api") != want_api or desc["buildpack"].get("version") != want_version:
        raise BuilderError(
            f"buildpacks/{name}/buildpack.toml has api {desc.get('api')!r} version {desc['buildpack'].get('version')!r}; "
            f"versions.toml says api {want_api!r} version {want_version!r}: make them agree")


def package_buildpacks(dest: Path, data: dict | None = None) -> dict[str, Path]:
    """Copies every buildpack into dest/<name> with the library and entry points.
    Returns name -> packaged directory."""
    data = data or versions.load()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    out = {}
    for name in OPTIONAL_FIRST + LANGUAGE_BUILDPACKS:
        src = BUILDPACKS_SRC / name
        check_descriptor(name, descriptor(src), data)
        target = dest / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(src, target, ignore=ignore)
        shutil.copytree(SRC_LIB, target / "lib" / "funcpacks", ignore=ignore)
        (target / "bin").mkdir(exist_ok=True)
        for phase in ("detect", "build"):
            shutil.copy(SRC_LIB / "entrypoint.py", target / "bin" / phase)
            os.chmod(target / "bin" / phase, 0o755)
        if name == "python":
            (target / "framework-version").write_text(data["python"]["functions-framework"] + "\n")
            (target / "uv-requirement.txt").write_text(versions.uv_requirement(data))
        if name == "go":
            (target / "go-defaults.toml").write_text(tomlw.dumps(data["go"]))
        if name == "dotnet":
            build_port_env(target)
        out[name] = target
    return out


def build_port_env(packaged: Path) -> None:
    """The .NET buildpack's exec.d helper: a static Go binary, since it runs on run images
    without a shell (reproducible: -trimpath, no VCS stamp, no cgo)."""
    src = packaged / "port-env"
    out = packaged / "libexec" / "port-env"
    if shutil.which("go") is None:
        raise BuilderError("go is not installed: it builds the .NET buildpack's port-env helper; run 'make tools'")
    proc = subprocess.run(["go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", str(out), "."],
                          cwd=src, capture_output=True, text=True,
                          env=dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=mod"))
    if proc.returncode != 0:
        raise BuilderError(f"building {src}/main.go failed: {proc.stderr.strip()}")
    shutil.rmtree(src)


def builder_toml(data: dict, packaged: dict[str, Path], toml_dir: Path, flavor: Flavor = FLAVORS[0],
                 build_image: str | None = None, run_image: str | None = None,
                 run_mirrors: list[str] | None = None) -> str:
    """builder.toml for pack; paths are relative to toml_dir (where the file is written).
    The build and run image references default to versions.toml's names; a published
    builder names its registry's copies (scripts/publish.py)."""
    def rel(p: Path) -> str:
        return os.path.relpath(p, toml_dir)

    lifecycle = TOOLS / "lifecycle" / versions.lifecycle_archive_name(data)
    bp_version = data["buildpacks"]["version"]
    lines = ['# Generated by scripts/builder.py from versions.toml: do not edit.',
             f'description = "{flavor.description.format(debian=data["debian"]["version"])}"', ""]
    run_image = run_image or data["images"][flavor.run_image_key]
    build_image = build_image or data["images"]["build"]
    # a JSON array of strings is a TOML array
    mirrors = f"\nmirrors = {json.dumps(run_mirrors)}" if run_mirrors else ""
    for name, path in packaged.items():
        if name not in OPTIONAL_FIRST and name not in flavor.languages:
            continue
        lines += ["[[buildpacks]]", f'id = "{descriptor(path)["buildpack"]["id"]}"',
                  f'version = "{bp_version}"', f'uri = "{rel(path)}"', ""]
    for lang in flavor.languages:
        lines += ["[[order]]"]
        for name in OPTIONAL_FIRST:
            lines += ["  [[order.group]]", f'  id = "{descriptor(packaged[name])["buildpack"]["id"]}"',
                      f'  version = "{bp_version}"', "  optional = true", ""]
        lines += ["  [[order.group]]", f'  id = "{descriptor(packaged[lang])["buildpack"]["id"]}"',
                  f'  version = "{bp_version}"', ""]
    lines += ["[lifecycle]", f'uri = "{rel(lifecycle)}"', "",
              "[build]", f'image = "{build_image}"', ""]
    for name, value in flavor.build_env:
        lines += ["[[build.env]]", f'name = "{name}"', f'value = "{value}"', 'suffix = "default"', ""]
    lines += ["[[run.images]]", f'image = "{run_image}"{mirrors}', "",
              "# For platforms older than Platform API 0.12.",
              "[stack]", f'id = "{data["stack"]["id"]}"', f'build-image = "{build_image}"',
              f'run-image = "{run_image}"'] + ([f"run-image-mirrors = {json.dumps(run_mirrors)}"] if run_mirrors else []) + [""]
    return "\n".join(lines)


def pack_bin() -> str:
    pack = TOOLS / "bin" / "pack"
    if not pack.exists():
        raise BuilderError(f"{pack} is missing: run 'make tools'")
    return str(pack)


def inputs_digest(toml_path: Path, packaged: dict[str, Path], data: dict) -> str:
    """Everything the builder image is made of; unchanged inputs -> reuse the image."""
    h = hashlib.sha256(toml_path.read_bytes())
    for path in packaged.values():
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(str(f.relative_to(path)).encode() + b"\0" + f.read_bytes())
    h.update((TOOLS / "lifecycle" / versions.lifecycle_archive_name(data)).read_bytes())
    for image in (data["images"][k] for k in ("build", "run", "run-static", "run-cc")):
        out = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise BuilderError(f"stack image {image} is missing: run 'make stacks'")
        h.update(out.stdout.encode())
    return h.hexdigest()


def create(data: dict) -> None:
    pack = pack_bin()
    if not (TOOLS / "lifecycle" / versions.lifecycle_archive_name(data)).exists():
        raise BuilderError("the lifecycle tarball is missing: run 'make tools'")
    packaged = package_buildpacks(BUILD_DIR / "buildpacks", data)
    for flavor in FLAVORS:
        toml_path = BUILD_DIR / f"{flavor.image_key}.toml"
        toml_path.write_text(builder_toml(data, packaged, BUILD_DIR, flavor))
        image = data["images"][flavor.image_key]
        stamp = BUILD_DIR / f"{flavor.image_key}.inputs"
        digest = inputs_digest(toml_path, packaged, data)
        exists = subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0
        if exists and stamp.exists() and stamp.read_text() == digest:
            print(f"builder: {image} is up to date")
            continue
        stamp.unlink(missing_ok=True)
        print(f"builder: pack builder create {image}", flush=True)
        proc = subprocess.run([pack, "builder", "create", image, "--config", str(toml_path),
                               "--pull-policy", "if-not-present"], env=pack_env())
        if proc.returncode != 0:
            raise BuilderError(f"pack builder create {image} failed (exit {proc.returncode}); see the output above")
        stamp.write_text(digest)


def pack_env() -> dict[str, str]:
    """pack with its own home under .tools, where our builder is trusted."""
    home = TOOLS / "pack-home"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.toml"
    images = [versions.get(f"images.{f.image_key}") for f in FLAVORS]
    if not config.exists() or any(i not in config.read_text() for i in images):
        trusted = ", ".join(f'{{ name = "{i}" }}' for i in images)
        config.write_text(f'trusted-builders = [{trusted}]\npull-policy = "if-not-present"\n')
    # pack in a container makes a new cache volume per build unless it has a stable key;
    # one random key per checkout keeps warm rebuilds warm.
    key_file = home / "volume-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(16))
    return dict(os.environ, PACK_HOME=str(home), PACK_VOLUME_KEY=key_file.read_text().strip())


def main(argv: list[str]) -> int:
    data = versions.load()
    try:
        if argv[:1] == ["package"] and len(argv) == 2:
            package_buildpacks(Path(argv[1]), data)
        elif argv == ["toml"]:
            packaged = package_buildpacks(BUILD_DIR / "buildpacks", data)
            print(builder_toml(data, packaged, BUILD_DIR))
        elif argv == ["create"]:
            create(data)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except BuilderError as exc:
        print(f"builder: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
