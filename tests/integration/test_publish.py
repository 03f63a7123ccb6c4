"""`make publish` into a real registry, then a build that takes its builder and run image
from there and only from there; a second publish pushes nothing; the manifests rendered
for the registry pin the builder by digest and pass Shipwright's and Tekton's checks."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib

import pytest
import requests
import yaml

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.images import arches, builder, flavors, publish, registry
from funcpacks_dev.local_platform import strategy_runner
from helpers import MANIFEST_ACCEPT, SAMPLES, inspect, make, manifest_digest, publish_to, remove_image

DATA = versions.load()
ROOT = versions.ROOT
TAG = publish.default_tag(DATA)
KEYS = publish.STACK_KEYS + publish.MADE_KEYS + publish.BUILDER_KEYS  # CI bundles the .NET SDK
# What make builder made for each architecture (no arm64 .NET SDK here: no builder-dotnet for it).
ARCH_KEYS = {arch: [k for k in KEYS if docker_engine.image_exists(arches.local(DATA["images"][k], arch))]
             for arch in arches.ARCHES}


def report_lines(output: str) -> dict[str, str]:
    """ref -> pushed | unchanged, from the command's report."""
    lines = [line.split() for line in output.splitlines() if line.startswith("publish: ") and "@sha256:" in line]
    return {words[2].split("@")[0]: words[1] for words in lines}


def every_ref(registries: list[str], action: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The report expected for every registry: each index and each architecture's image
    with action unless overridden."""
    refs = [publish.registry_refs(target, TAG, DATA) for target in registries]
    names = [r[k] for r in refs for k in KEYS]
    names += [f"{r[k]}-{arch}" for r in refs for arch, keys in ARCH_KEYS.items() for k in keys]
    return {ref: (overrides or {}).get(ref, action) for ref in names}


def test_publish_pushes_every_image_and_reports_digests(published, registries):
    reg, output = published
    assert report_lines(output) == every_ref(registries, "pushed")
    recorded = json.loads(publish.PUBLISHED.read_text())
    address, repo_ns = reg.split("/", 1)
    for key in KEYS:
        entry = recorded["images"][key]
        repo, tag = entry["ref"].removeprefix(f"{address}/").rsplit(":", 1)
        assert manifest_digest(address, repo, tag) == entry["digest"]
        assert f"{entry['ref']}@{entry['digest']}" in output


def test_builders_name_the_registry_run_images(published, registries):
    reg, mirror = registries
    refs = publish.registry_refs(reg, TAG, DATA)
    mirror_refs = publish.registry_refs(mirror, TAG, DATA)
    for flavor in flavors.FLAVORS:
        run, run_mirror = refs[flavor.run_image_key], mirror_refs[flavor.run_image_key]
        if not docker_engine.image_exists(refs[flavor.image_key]):  # another test removed the local copy
            docker_engine.pull(refs[flavor.image_key])
        meta = json.loads(inspect(refs[flavor.image_key])["Config"]["Labels"]["io.buildpacks.builder.metadata"])
        assert meta["stack"]["runImage"] == {"image": run, "mirrors": [run_mirror]}
        assert meta["images"] == [{"image": run, "mirrors": [run_mirror]}]
        assert DATA["images"][flavor.run_image_key] not in json.dumps(meta)  # no unpublished name
        # what the lifecycle itself reads in a cluster
        run_toml = docker_engine.run(refs[flavor.image_key], ["/cnb/run.toml"], entrypoint="cat", network_mode=None,
                                     check=True).stdout
        assert tomllib.loads(run_toml) == {"images": [{"image": run, "mirrors": [run_mirror]}]}


def build_from_registry(sample: str, app: str, builder_ref: str, env: dict[str, str], address: str,
                        extra: list[str] | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """pack build of a sample with a builder pulled from the registry (always), the app
    pushed there; the host's CAs as a binding. The later --pull-policy wins over the
    command's default."""
    cmd = funcbuild.pack_build_command(SAMPLES / sample, app, env,
                                       ["--pull-policy", "always", "--publish", "--insecure-registry", address,
                                        *(extra or [])], funcbuild.host_ca_binding(), builder_ref)
    proc = builder.run_pack(cmd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc


def test_pack_builds_from_the_registry_alone(published, tmp_path):
    """No registry-tagged image left in the daemon: pack pulls the builder, the lifecycle
    reads the run image from the registry and pushes the app there."""
    reg, _ = published
    refs = publish.registry_refs(reg, TAG, DATA)
    docker_engine.remove_images(*refs.values())
    address = reg.split("/")[0]
    app = f"{reg}/functions/hello:latest"
    proc = build_from_registry("hello-world-python", app, refs["builder"], {"GOOGLE_FUNCTION_TARGET": "hello_world"},
                               address)
    # the daemon had no such image: the builder came from the registry
    assert f"{TAG}: Pulling from {refs['builder'].split('/', 1)[1].rsplit(':', 1)[0]}" in proc.stdout
    try:
        docker_engine.pull(app)
        meta = json.loads(inspect(app)["Config"]["Labels"]["io.buildpacks.lifecycle.metadata"])
        # the lifecycle took this machine's architecture's run image from the index
        run_digest = json.loads(publish.PUBLISHED.read_text())["images"]["run"]["platforms"][arches.host()]
        assert meta["runImage"]["image"] == refs["run"]
        assert meta["runImage"]["reference"] == f"{refs['run'].rsplit(':', 1)[0]}@{run_digest}"
        with funcbuild.running(app) as (name, port):
            assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello, world")
    finally:
        remove_image(app)


def test_every_name_is_an_index_of_each_architecture_made_here(published):
    """builder, every run image and the build image: one name, one image per architecture
    (amd64 and, where the emulator runs here, arm64); each entry is that architecture's."""
    reg, _ = published
    address = reg.split("/")[0]
    refs = publish.registry_refs(reg, TAG, DATA)
    recorded = json.loads(publish.PUBLISHED.read_text())["images"]
    assert ARCH_KEYS["arm64"] or arches.emulator_missing("arm64"), "arm64 images must be made where the emulator runs"
    for key in KEYS:
        repo, tag = refs[key].removeprefix(f"{address}/").rsplit(":", 1)
        index = requests.get(f"http://{address}/v2/{repo}/manifests/{tag}", timeout=10,
                             headers={"Accept": publish.INDEX_TYPE}).json()
        assert index["mediaType"] == publish.INDEX_TYPE
        platforms = {m["platform"]["architecture"]: m["digest"] for m in index["manifests"]}
        assert set(platforms) == {arch for arch, keys in ARCH_KEYS.items() if key in keys}, key
        assert platforms == recorded[key]["platforms"]
        for arch, digest in platforms.items():
            manifest = requests.get(f"http://{address}/v2/{repo}/manifests/{digest}", timeout=10,
                                    headers={"Accept": MANIFEST_ACCEPT}).json()
            config = requests.get(f"http://{address}/v2/{repo}/blobs/{manifest['config']['digest']}", timeout=30).json()
            assert config["architecture"] == arch, (key, arch)


@pytest.mark.skipif(arches.emulator_missing("arm64") is not None, reason=f"no arm64 here: {arches.emulator_missing('arm64')}")
def test_pack_builds_for_arm64_from_the_registry_index(published):
    """The same builder name, --platform linux/arm64: pack takes the arm64 builder from the
    index, its lifecycle the arm64 run image, and the function image is arm64."""
    reg, _ = published
    refs = publish.registry_refs(reg, TAG, DATA)
    docker_engine.remove_images(*refs.values())
    address = reg.split("/")[0]
    app = f"{reg}/functions/hello-arm64:latest"
    build_from_registry("hello-world-go", app, refs["builder-go"], {"FUNC_NAME": "HelloWorld"}, address,
                        ["--platform", "linux/arm64"], timeout=1800)
    try:
        docker_engine.pull(app)
        attrs = inspect(app)
        assert attrs["Architecture"] == "arm64"
        meta = json.loads(attrs["Config"]["Labels"]["io.buildpacks.lifecycle.metadata"])
        platforms = json.loads(publish.PUBLISHED.read_text())["images"]["run-static"]["platforms"]
        assert meta["runImage"]["image"] == refs["run-static"]
        assert meta["runImage"]["reference"] == f"{refs['run-static'].rsplit(':', 1)[0]}@{platforms['arm64']}"
        with funcbuild.running(app) as (name, port):
            assert funcbuild.wait_http(f"http://127.0.0.1:{port}/arm", timeout=120) == (200, "hello, arm!\n")
    finally:
        remove_image(app)


def test_second_publish_pushes_nothing_and_a_rerun_pushes_only_what_is_missing(published, registries):
    reg, mirror = registries
    refs = publish.registry_refs(reg, TAG, DATA)
    again = publish_to(reg, mirror)
    assert again.returncode == 0, again.stderr[-3000:]
    assert report_lines(again.stdout) == every_ref(registries, "unchanged")
    # nothing changed since this machine made them: no builder is made again
    images = json.loads(publish.PUBLISHED.read_text())["images"]
    builders = sum(len(images[key]["platforms"]) for key in publish.BUILDER_KEYS if key in images)
    assert again.stdout.count("is made from the same inputs as the registry's: not made again") == builders > 0
    address = reg.split("/")[0]
    for entry in json.loads(publish.PUBLISHED.read_text())["images"].values():  # unchanged: the registry's digests
        repo, tag = entry["ref"].removeprefix(f"{address}/").rsplit(":", 1)
        assert manifest_digest(address, repo, tag) == entry["digest"]
    # the registry loses one image: the next publish pushes that one only
    repo, tag = refs["run-static"].removeprefix(f"{address}/").rsplit(":", 1)
    digest = json.loads(publish.PUBLISHED.read_text())["images"]["run-static"]["digest"]
    assert requests.delete(f"http://{address}/v2/{repo}/manifests/{digest}", timeout=10).status_code == 202
    rerun = publish_to(reg, mirror)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert report_lines(rerun.stdout) == every_ref(registries, "unchanged", {refs["run-static"]: "pushed"})


def test_rendered_manifests_pin_the_builder_and_pass_shipwright(published):
    reg, _ = published
    proc = make("deploy-manifests")
    assert proc.returncode == 0, proc.stderr
    recorded = json.loads(publish.PUBLISHED.read_text())["images"]
    out = ROOT / "build" / "deploy"
    pinned = {f"{e['ref']}@{e['digest']}" for e in recorded.values()}
    for fn_file in sorted((out / "openfunction").glob("*.yaml")):
        fn = yaml.safe_load(fn_file.read_text())
        assert fn["spec"]["build"]["builder"] in pinned
        assert fn["spec"]["image"].startswith(f"{reg}/functions/")
    for shipwright, api in (("openfunction", "v1alpha1"), ("current", "v1beta1")):
        strategy_file = out / "shipwright" / f"funcpacks-{api}.yaml"
        report = strategy_runner.resolve(out / "openfunction" / "hello-world-go.yaml", shipwright,
                                         strategy=strategy_file)
        create = next(s for s in report["resolvedTaskSpec"]["steps"] if s["name"] == "create")
        assert create["image"] == f"{recorded['builder-go']['ref']}@{recorded['builder-go']['digest']}"
    beta = yaml.safe_load((out / "shipwright" / "funcpacks-v1beta1.yaml").read_text())
    defaults = {p["name"]: p.get("default") for p in beta["spec"]["parameters"]}
    assert defaults["builder-image"] == f"{recorded['builder']['ref']}@{recorded['builder']['digest']}"


def test_wrong_credentials_and_a_registry_that_is_down(tmp_path):
    directory = tmp_path / "auth-registry"
    address = registry.start(directory, f"127.0.0.1:{funcbuild.free_port()}",
                             htpasswd=registry.htpasswd_file(directory, "ci", "right"))
    try:
        config = tmp_path / "docker"
        config.mkdir()
        (config / "config.json").write_text(json.dumps({"auths": {address: {"auth": "Y2k6d3Jvbmc="}}}))  # ci:wrong
        env = dict(os.environ, DOCKER_CONFIG=str(config))
        denied = make("publish", f"REGISTRY={address}/ns", "INSECURE=1", env=env)
        assert denied.returncode != 0
        assert re.search(rf"{re.escape(address)}/ns/build:{TAG}-(amd64|arm64): registry {re.escape(address)} "
                         "refused the credentials", denied.stderr), denied.stderr[-2000:]
    finally:
        registry.stop(directory)
    try:
        down = make("publish", f"REGISTRY={address}/ns", "INSECURE=1")
        assert down.returncode != 0 and f"registry {address} is not reachable" in down.stderr
    finally:  # the local names the refused publishes gave the images
        docker_engine.remove_images(*publish.registry_refs(f"{address}/ns", TAG, DATA).values(), force=False)
    plain = make("publish", "REGISTRY=not a registry")
    assert plain.returncode != 0 and "is not <host>[:port][/<namespace>]" in plain.stderr


@pytest.mark.skipif(arches.emulator_missing("arm64") is not None, reason=f"no arm64 here: {arches.emulator_missing('arm64')}")
def test_a_shipwright_build_on_an_arm64_node_takes_the_arm64_images(published, tmp_path):
    """The funcpacks strategy and the Function CR rendered for the registry (the builder
    pinned by its index's digest), resolved by Shipwright's own code and run with every
    step's image as an arm64 node pulls it: the function image is arm64 and answers, and
    the digest the strategy reports is the registry's."""
    reg, _ = published
    assert make("deploy-manifests").returncode == 0
    out = ROOT / "build" / "deploy"
    repository = tmp_path / "repository"
    shutil.copytree(SAMPLES, repository / "samples")
    address = reg.split("/")[0]
    image = f"{reg}/functions/hello-world-go-arm64:latest"
    bindings = funcbuild.host_ca_binding()
    run = strategy_runner.run(out / "openfunction" / "hello-world-go.yaml", "current", repository, image,
                              volume_dirs={"platform-bindings": bindings} if bindings else {}, work=tmp_path / "work",
                              echo=False, strategy=out / "shipwright" / "funcpacks-v1beta1.yaml", platform="linux/arm64")
    assert run.code == 0, "\n".join(f"{s.container} exited {s.code}" for s in run.steps) + run.steps[-1].output[-4000:]
    recorded = json.loads(publish.PUBLISHED.read_text())["images"]
    assert run.resolved_step("create")["image"] == f"{recorded['builder-go']['ref']}@{recorded['builder-go']['digest']}"
    repo, tag = image.removeprefix(f"{address}/").rsplit(":", 1)
    digest = run.result("shp-image-digest")
    assert digest == manifest_digest(address, repo, tag).encode()
    by_digest = f"{address}/{repo}@{digest.decode()}"
    try:
        docker_engine.pull(by_digest)
        assert inspect(by_digest)["Architecture"] == "arm64"
        with funcbuild.running(by_digest) as (_, port):
            assert funcbuild.wait_http(f"http://127.0.0.1:{port}/arm", timeout=120) == (200, "hello, arm!\n")
    finally:
        remove_image(by_digest)
