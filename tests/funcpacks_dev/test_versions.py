"""versions.toml is the one source of truth: nothing else repeats a pin by hand."""
from __future__ import annotations

import subprocess
import tomllib

from funcpacks_dev import versions
from funcpacks_dev.generate import builder_toml
from funcpacks_dev.images import builder, flavors

ROOT = versions.ROOT


def tracked_files() -> list:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=60).stdout.split()
    return [ROOT / p for p in out if (ROOT / p).is_file()]


def test_pins_appear_only_in_versions_toml():
    data = versions.load()
    pins = {
        "pack": data["pack"]["version"],
        "lifecycle": data["lifecycle"]["version"],
        "functions-framework default": data["python"]["functions-framework"],
        "source-date-epoch": str(data["debian"]["source-date-epoch"]),
        "Go toolchain default": data["go"]["toolchain"],
    }
    offenders = []
    # Files generated from versions.toml (and checked against it below) may hold its pins.
    generated = set(builder_toml.top_level_files(data))
    for path in tracked_files():
        if path.name == "versions.toml" or path.suffix in (".png",) or path in generated:
            continue
        text = path.read_text(errors="ignore")
        offenders += [f"{path.relative_to(ROOT)}: {what} {pin}" for what, pin in pins.items() if pin in text]
    assert offenders == []


def test_buildpack_descriptors_agree_with_versions():
    data = versions.load()
    for name in flavors.OPTIONAL_FIRST + flavors.LANGUAGE_BUILDPACKS:
        desc = flavors.descriptor(flavors.BUILDPACKS_SRC / name)
        builder.check_descriptor(name, desc, data)  # raises on disagreement


def test_generated_builder_toml_uses_versions(tmp_path):
    data = versions.load()
    packaged = builder.package_buildpacks(tmp_path / "bps", data)
    doc = tomllib.loads(builder_toml.builder_toml(data, packaged, tmp_path))
    assert doc["build"]["image"] == data["images"]["build"]
    assert doc["run"]["images"] == [{"image": data["images"]["run"]}]
    assert doc["lifecycle"]["uri"].endswith(f"lifecycle-v{data['lifecycle']['version']}+linux.x86-64.tgz")
    assert {b["id"] for b in doc["buildpacks"]} == {"funcpacks/ca-certificates", "funcpacks/go", "funcpacks/dotnet",
                                                    "funcpacks/nodejs", "funcpacks/python"}
    assert [o["group"][1]["id"] for o in doc["order"]] == ["funcpacks/go", "funcpacks/dotnet", "funcpacks/nodejs",
                                                           "funcpacks/python"]
    for order in doc["order"]:
        first = order["group"][0]
        assert first["id"] == "funcpacks/ca-certificates" and first["optional"] is True
    python = tomllib.loads((packaged["python"] / "defaults.toml").read_text())
    assert python == {"functions-framework": data["python"]["functions-framework"],
                      "func-python": data["python"]["func-python"],
                      "uv-requirement": versions.uv_requirement(data).strip()}
    assert tomllib.loads((packaged["go"] / "defaults.toml").read_text()) == data["go"]
    assert tomllib.loads((packaged["nodejs"] / "defaults.toml").read_text()) == {
        k: data["nodejs"][k] for k in ("version", "index", "functions-framework", "pnpm", "yarn-classic", "yarn-berry")}
    go_doc = tomllib.loads(builder_toml.builder_toml(data, packaged, tmp_path, flavors.FLAVORS[1]))
    assert go_doc["run"]["images"] == [{"image": data["images"]["run-static"]}]
    assert [[g["id"] for g in o["group"]] for o in go_doc["order"]] == [["funcpacks/ca-certificates", "funcpacks/go"]]
    # the Go builder tells the buildpacks its run image is static (no shell, no C library)
    assert go_doc["build"]["env"] == [{"name": "FUNCPACKS_RUN_IMAGE", "value": "static", "suffix": "default"}]
    # the .NET builder: its run image carries the runtime of the SDK it carries
    dotnet_doc = tomllib.loads(builder_toml.builder_toml(data, packaged, tmp_path, flavors.FLAVORS[2]))
    assert dotnet_doc["run"]["images"] == [{"image": data["images"]["run-dotnet"]}]
    assert [[g["id"] for g in o["group"]] for o in dotnet_doc["order"]] == [["funcpacks/ca-certificates",
                                                                           "funcpacks/dotnet"]]
    assert dotnet_doc["build"]["env"] == [{"name": "FUNCPACKS_RUN_IMAGE", "value": "dotnet", "suffix": "default"}]
    # the Python builder: Python alone, on the general run image, with no build env of its own
    python_doc = tomllib.loads(builder_toml.builder_toml(data, packaged, tmp_path, flavors.FLAVORS[3]))
    assert python_doc["run"]["images"] == [{"image": data["images"]["run"]}]
    assert [[g["id"] for g in o["group"]] for o in python_doc["order"]] == [["funcpacks/ca-certificates",
                                                                           "funcpacks/python"]]
    assert [b["id"] for b in python_doc["buildpacks"]] == ["funcpacks/ca-certificates", "funcpacks/python"]
    assert "env" not in python_doc.get("build", {})
    # the packaged buildpack is self-contained: library and entry points inside it
    for bp in packaged.values():
        assert (bp / "lib" / "funcpacks" / "layers.py").is_file()
        assert (bp / "bin" / "detect").stat().st_mode & 0o111


def test_function_manifests_match_versions_and_samples():
    from funcpacks_dev.generate import manifests
    files = manifests.expected()
    for path, text in files.items():
        assert path.read_text() == text, f"{path} is stale: run python3 -m funcpacks_dev.generate.manifests write"
        assert any(f'builder: "{versions.get(f"images.{f.image_key}")}"' in text for f in flavors.FLAVORS)
    # every sample has a Function CR and every CR a sample
    samples = {p.name for p in (ROOT / "samples").iterdir() if p.is_dir()}
    assert {p.stem for p in files} == samples


def test_top_level_builder_tomls_are_generated_from_versions():
    files = builder_toml.top_level_files()
    assert sorted(p.name for p in files) == ["builder-dotnet.toml", "builder-go.toml", "builder-node.toml",
                                                    "builder-python.toml", "builder.toml"]
    for path, text in files.items():
        assert path.read_text() == text, f"{path.name} is stale: run make generate"
        doc = tomllib.loads(text)
        # every path it names is the packaged buildpacks' or the lifecycle tarball make tools builds
        assert all(bp["uri"].startswith("build/buildpacks/") for bp in doc["buildpacks"])
        assert doc["lifecycle"]["uri"] == f".tools/lifecycle/{versions.lifecycle_archive_name(versions.load())}"


def test_readme_settings_reference_is_the_settings_table():
    from funcpacks_dev.generate import settings_reference
    from funcpacks import settings
    (path, text), = settings_reference.expected().items()
    assert path.read_text() == text, "README.md's settings reference is stale: run python3 -m funcpacks_dev.generate.settings_reference write"
    for d in settings.TABLE:
        for name in d.names:
            assert f"`{name}`" in text


def test_poetry_tool_lock_pins_what_versions_says():
    from funcpacks_dev.generate import tool_locks
    assert tool_locks.check(versions.load()) == []
    lines = tool_locks.LOCK.read_text().splitlines()
    pinned = [ln for ln in lines if ln and not ln.startswith((" ", "#"))]
    # every distribution carries its hashes, so --require-hashes can install the file
    assert pinned and all(ln.endswith("\\") for ln in pinned)


def test_shipwright_strategies_agree_with_versions():
    import yaml

    from funcpacks_dev.generate import strategy
    DATA = versions.load()
    for path, text in strategy.expected().items():
        assert path.read_text() == text, f"{path} is stale: run python3 -m funcpacks_dev.generate.strategy write"
    for api in ("v1alpha1", "v1beta1"):
        doc = yaml.safe_load((strategy.OUT_DIR / f"funcpacks-{api}.yaml").read_text())
        params = {p["name"]: p.get("default") for p in doc["spec"]["parameters"]}
        assert not {"BUILDER_IMAGE", "CONTEXT_DIR", "DOCKERFILE"} & set(params)
        assert params.get("builder-image") == (DATA["images"]["builder"] if api == "v1beta1" else None)
        assert params["USER_ID"] == str(DATA["stack"]["build-user-id"])
        assert params["GROUP_ID"] == str(DATA["stack"]["group-id"])
        steps = doc["spec"]["steps" if api == "v1beta1" else "buildSteps"]
        assert [s["name"] for s in steps] == ["prepare", "create", "results"]
        assert steps[1]["securityContext"]["runAsUser"] == DATA["stack"]["build-user-id"]
