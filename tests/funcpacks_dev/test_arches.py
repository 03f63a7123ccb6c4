"""The architectures: local names, the emulator check, and what each architecture's
stacks and builders are made of."""
from __future__ import annotations

import tomllib

import pytest

from funcpacks_dev import versions
from funcpacks_dev.generate import builder_toml
from funcpacks_dev.images import arches, builder, bundles, stacks
from funcpacks_dev.images.flavors import FLAVORS

FOREIGN = next(a for a in arches.ARCHES if a != arches.host())


def test_the_host_keeps_the_versions_name_and_another_arch_gets_a_tag_of_its_own():
    image = versions.get("images.builder")
    assert arches.local(image, arches.host()) == image
    assert arches.local(image, FOREIGN) == f"{image}-{FOREIGN}"
    assert arches.named(["host", arches.host(), FOREIGN]) == [arches.host(), FOREIGN]
    assert arches.named(None) is None


def _entry(tmp_path, name: str, text: str):
    (tmp_path / "status").write_text("enabled\n")
    (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("text, why", [
    (None, "no emulator for"),
    ("disabled\ninterpreter /usr/libexec/qemu-binfmt/x\nflags: PF\n", "is disabled: run 'update-binfmts --enable"),
    ("enabled\ninterpreter /usr/libexec/qemu-binfmt/x\nflags: P\n", "lacks the F (fix-binary) flag"),
])
def test_an_emulator_that_cannot_serve_containers_is_named_with_the_fix(tmp_path, text, why):
    entry = {"amd64": "qemu-x86_64", "arm64": "qemu-aarch64"}[FOREIGN]
    (tmp_path / "status").write_text("enabled\n")
    if text is not None:
        (tmp_path / entry).write_text(text)
    assert why in arches.emulator_missing(FOREIGN, tmp_path)
    assert arches.emulator_missing(arches.host(), tmp_path) is None


def test_without_binfmt_misc_nothing_foreign_runs_and_make_tools_is_named(tmp_path):
    assert "binfmt_misc is not mounted" in arches.emulator_missing(FOREIGN, tmp_path)
    assert "run 'make tools'" in arches.emulator_missing(FOREIGN, tmp_path)
    assert "not an architecture funcpacks makes" in arches.emulator_missing("s390x", tmp_path)
    entry = {"amd64": "qemu-x86_64", "arm64": "qemu-aarch64"}[FOREIGN]
    ok = _entry(tmp_path, entry, "enabled\ninterpreter /usr/libexec/qemu-binfmt/x\nflags: PF\n")
    assert arches.emulator_missing(FOREIGN, ok) is None


@pytest.mark.parametrize("arch", arches.ARCHES)
def test_each_arch_stack_is_labelled_with_its_target_and_made_for_it(arch):
    data = versions.load()
    build = next(s for s in stacks.stacks(data) if s.name == "build")
    text = stacks.dockerfile(build, data, "digest", arch)
    assert f'"io.buildpacks.base.arch"="{arch}"' in text and '"io.buildpacks.base.os"="linux"' in text
    assert f"--architectures={arch}" in stacks.mmdebstrap_command(build, data, stacks.WORK_DIR / "x.tar", [], arch)
    # same package list, another architecture: another image
    assert stacks.inputs_hash(build, data, [], arch) != stacks.inputs_hash(build, data, [], FOREIGN if arch != FOREIGN
                                                                            else arches.host())


def test_a_foreign_builder_names_its_lifecycle_images_and_no_target_pack_would_refuse(tmp_path):
    data = versions.load()
    packaged = {name: tmp_path / "buildpacks" / name for name in ("ca-certificates", "go", "dotnet", "python")}
    flavor = next(f for f in FLAVORS if f.image_key == "builder-go")
    doc = tomllib.loads(builder_toml.builder_toml(
        data, packaged, tmp_path, flavor, arch="arm64", targets=False,
        build_image=arches.local(data["images"]["build"], "arm64"),
        run_image=arches.local(data["images"]["run-static"], "arm64")))
    assert doc["lifecycle"]["uri"].endswith("+linux.arm64.tgz")
    assert "targets" not in doc
    assert doc["build"]["image"].endswith("-arm64") and doc["run"]["images"][0]["image"].endswith("-arm64")
    committed = tomllib.loads((versions.ROOT / "builder-go.toml").read_text())
    assert committed["targets"] == [{"os": "linux", "arch": "amd64"}]
    assert committed["lifecycle"]["uri"].endswith("+linux.x86-64.tgz")


def test_every_buildpack_lists_each_arch_as_a_target(tmp_path):
    data = versions.load()
    desc = {"api": data["buildpacks"]["api"], "buildpack": {"version": data["buildpacks"]["version"]},
            "targets": [{"os": "linux", "arch": "amd64"}]}
    with pytest.raises(builder.BuilderError, match="linux/arm64"):
        builder.check_descriptor("go", desc, data)


@pytest.mark.parametrize("arch", arches.ARCHES)
def test_each_arch_carries_its_own_toolchain_seed_uv_and_sdk(arch):
    data = versions.load()
    names = {b.name: b for b in bundles.wanted(data, arch) if b.carried}
    go = f"go{data['go']['toolchain']}.linux-{arch}"
    node, framework = data["nodejs"]["version"], data["nodejs"]["functions-framework"]
    assert {go, f"{go}.seed", f"uv-{data['python']['uv']}-linux-{arch}",
            f"dotnet-sdk-{data['dotnet']['sdk']}-linux-{arch}", f"node-v{node}-linux-{arch}",
            f"functions-framework-{framework}-linux-{arch}"} == set(names)
    # Node.js of that arch, checked against its own pinned wheel sha256
    assert names[f"node-v{node}-linux-{arch}"].command[3] == data["nodejs"]["wheel-sha256"][arch]
    sdk = names[f"dotnet-sdk-{data['dotnet']['sdk']}-linux-{arch}"]
    # another architecture's SDK is never required: the mirrored feed holds linux-x64 only
    assert sdk.optional or arch == arches.host()
    # the seed is made by this machine's toolchain (cross-compiling), fetched but not carried
    seed = names[f"{go}.seed"]
    assert seed.command[1].endswith(f"go{data['go']['toolchain']}.linux-{arches.host()}")
    helpers = [b for b in bundles.wanted(data, arch) if not b.carried]
    # the framework is installed by this machine's Node.js (JavaScript only), fetched but not carried
    assert [b.name for b in helpers] == ([] if arch == arches.host() else
                                         [f"go{data['go']['toolchain']}.linux-{arches.host()}",
                                          f"node-v{node}-linux-{arches.host()}"])
    assert names[f"functions-framework-{framework}-linux-{arch}"].command[1].endswith(
        f"node-v{node}-linux-{arches.host()}")
