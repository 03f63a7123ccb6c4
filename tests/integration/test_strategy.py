"""The funcpacks Shipwright strategies as a cluster runs them: the Function CRs of
deploy/openfunction turned into Build/BuildRun as OpenFunction does, into a TaskRun by
Shipwright's own code and checked and resolved by Tekton's own code (the harness, for
the Shipwright release OpenFunction installs and the current one), then the resolved
steps run with Docker against a real registry: digest result, caches, env encoding,
failures, credentials."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.generate import manifests
from funcpacks_dev.images import registry
from funcpacks_dev.local_platform import mirrors, strategy_runner
from funcpacks_dev.local_platform.http_servers import file_server
from helpers import SAMPLES, assert_answers, image_entries, inspect, layer_shas, manifest_digest, remove_image

DATA = versions.load()
SHIPWRIGHTS = ["openfunction", "current"]
USER, PASSWORD = "builder", f"pw-{uuid.uuid4().hex[:12]}"


def function_file(sample: str) -> Path:
    return manifests.OUT_DIR / f"{sample}.yaml"


def function_builder(sample: str) -> str:
    return yaml.safe_load(function_file(sample).read_text())["spec"]["build"]["builder"]


def push_run_image(address: str, creds: str | None = None, key: str = "run") -> str:
    """Copies a run image into the registry (a registry export needs its run image there)."""
    image = DATA["images"][key]
    ref = f"{address}/{image}"
    cmd = ["skopeo", "copy", "--dest-tls-verify=false"]
    if creds:
        cmd += ["--dest-creds", creds]
    subprocess.run(cmd + [f"docker-daemon:{image}", f"docker://{ref}"], check=True, capture_output=True, timeout=600)
    return ref


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    directory = tmp_path_factory.mktemp("registry")
    address = registry.start(directory, f"127.0.0.1:{funcbuild.free_port()}")
    run_image = push_run_image(address)
    push_run_image(address, key="run-static")
    push_run_image(address, key="run-dotnet")
    yield address, run_image
    registry.stop(directory)


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    """A directory shaped like the repository the Function CRs name: their
    srcRepo.sourceSubPath (samples/<name>) is resolved inside it."""
    repo = tmp_path_factory.mktemp("repository")
    shutil.copytree(SAMPLES, repo / "samples")
    return repo


def run_function(shipwright: str, sample: str, image: str, params: dict[str, str], tmp: Path, repository: Path,
                 **kw) -> strategy_runner.Run:
    bindings = funcbuild.host_ca_binding()
    volume_dirs = dict(kw.pop("volume_dirs", {}))
    if bindings is not None:
        volume_dirs.setdefault("platform-bindings", bindings)
    return strategy_runner.run(function_file(sample), shipwright, repository, image, params,
                               volume_dirs=volume_dirs, work=tmp / f"work-{uuid.uuid4().hex[:6]}", echo=False, **kw)


def pulled(image: str) -> str:
    docker_engine.pull(image)
    return image


def assert_resolved_by_shipwright_and_tekton(run: strategy_runner.Run, shipwright: str, sample: str) -> None:
    """The harness exits 0 only when Shipwright's validation and Tekton's validation passed;
    what ran is what they resolved."""
    report = run.taskrun
    assert report["shipwright"] == f"v{DATA['shipwright'][shipwright]}"
    assert report["taskRun"]["spec"]["taskSpec"]["steps"], "Shipwright generated no steps"
    # the Function's spec.build.builder is the image of the create step
    assert run.resolved_step("create")["image"] == function_builder(sample)
    # the Function's sourceSubPath reached the creator through shp-source-context
    env = {e["name"]: e.get("value") for e in run.resolved_step("create")["env"]}
    assert env["SOURCE_CONTEXT"] == f"/workspace/source/samples/{sample}"
    assert f"-app=/workspace/source/samples/{sample}" in run.step("create").output


E2E = [
    # (sample, run image key, request path, answer)
    ("hello-world-python", "run", "/", "hello, world"),
    ("hello-world-go", "run-static", "/shipwright", "hello, shipwright!\n"),
    ("hello-world-dotnet", "run-dotnet", "/", "hello, world"),
]


@pytest.mark.parametrize("shipwright", SHIPWRIGHTS)
@pytest.mark.parametrize("sample, run_key, path, answer", E2E, ids=[c[0] for c in E2E])
def test_function_cr_to_running_image(shipwright, sample, run_key, path, answer, reg, repository, tmp_path,
                                      dotnet_deps):
    """Function CR -> Build/BuildRun -> TaskRun (Shipwright) -> validated and resolved
    (Tekton) -> steps in Docker -> image in the registry -> digest result -> it answers."""
    address, _ = reg
    repo = f"fn/{sample}-{shipwright}"
    image = f"{address}/{repo}:latest"
    params = {"RUN_IMAGE": f"{address}/{DATA['images'][run_key]}", "INSECURE_REGISTRIES": address}
    volume_dirs = {}
    if sample == "hello-world-dotnet":  # the walkthrough: feed mirror and NuGet feed as service bindings
        volume_dirs["platform-bindings"] = dotnet_bindings(tmp_path, dotnet_deps)
    with file_server(dotnet_deps) as (port, _):
        if sample == "hello-world-dotnet":
            mirror = mirrors.dotnet_feed_binding(tmp_path / "dotnet-mirror", f"http://127.0.0.1:{port}")
            shutil.copytree(mirror, volume_dirs["platform-bindings"] / mirror.name)
        run = run_function(shipwright, sample, image, params, tmp_path, repository, volume_dirs=volume_dirs)
    assert [(s.container, s.code) for s in run.steps] == [
        ("step-source-default", 0), ("step-prepare", 0), ("step-create", 0), ("step-results", 0)], \
        run.steps[-1].output[-3000:]
    assert_resolved_by_shipwright_and_tekton(run, shipwright, sample)
    # the builder's own CNB_PLATFORM_API is used when the platform sets none
    assert f"CNB_PLATFORM_API={DATA['lifecycle']['platform-api']} creator" in run.step("create").output
    digest = run.result("shp-image-digest")
    assert digest == manifest_digest(address, repo, "latest").encode()  # no quotes, no newline
    try:
        by_digest = pulled(f"{address}/{repo}@{digest.decode()}")
        # the volumes were world-writable; nothing the image got of them is
        assert [m.name for m in image_entries(by_digest) if (m.isdir() or m.isfile()) and m.mode & 0o002
                and m.name.lstrip("./").startswith(("workspace", "layers"))] == []
        assert_answers(by_digest, path, answer)
    finally:
        remove_image(f"{address}/{repo}@{digest.decode()}")


def dotnet_bindings(tmp_path: Path, dotnet_deps: Path) -> Path:
    """A bindings root with the host's CAs and a NuGet folder feed carrying its packages."""
    nuget = mirrors.nuget_binding(tmp_path / "nuget", "/platform/bindings/nuget/packages")
    (nuget / "packages").mkdir()
    for package in ("microsoft.netcore.app.ref.3.1.0.nupkg", "microsoft.aspnetcore.app.ref.3.1.10.nupkg"):
        shutil.copy(dotnet_deps / "nuget" / package, nuget / "packages" / package)
    root = tmp_path / "bindings"
    root.mkdir()
    host = funcbuild.host_ca_binding(tmp_path / "host-ca")
    if host is not None:
        shutil.copytree(host, root, dirs_exist_ok=True)
    shutil.copytree(nuget, root / nuget.name)
    return root


@pytest.mark.parametrize("shipwright, cache", [("current", "volume"), ("openfunction", "image")])
def test_second_run_reuses_dependencies(shipwright, cache, reg, repository, tmp_path):
    """With the same cache volume, or (fresh volumes) with CACHE_IMAGE."""
    address, run_image = reg
    image = f"{address}/fn/cached-{cache}:latest"
    params = {"RUN_IMAGE": run_image}
    volume_dirs = {}
    if cache == "volume":
        volume_dirs["cache-dir"] = tmp_path / "cache"
        params["PLATFORM_API"] = "0.12"  # also: a platform that sets its own API version
    else:
        params["CACHE_IMAGE"] = f"{address}/fn/cache-image-cache:latest"
    first = run_function(shipwright, "hello-world-python", image, params, tmp_path, repository,
                         volume_dirs=volume_dirs)
    assert first.code == 0, first.steps[-1].output[-3000:]
    if cache == "volume":
        assert "CNB_PLATFORM_API=0.12 creator" in first.step("create").output
    shas1 = layer_shas(pulled(image), "funcpacks/python")
    second = run_function(shipwright, "hello-world-python", image, params, tmp_path, repository,
                          volume_dirs=volume_dirs)
    assert second.code == 0, second.steps[-1].output[-3000:]
    assert "Reusing layer 'dependencies': metadata matches" in second.step("create").output
    assert layer_shas(pulled(image), "funcpacks/python")["dependencies"] == shas1["dependencies"]
    remove_image(image)


def test_env_values_arrive_byte_exact(reg, repository, tmp_path):
    """OpenFunction's ENV_VARS format for plain values, BUILD_ENV for the rest."""
    address, run_image = reg
    image = f"{address}/fn/app-env:latest"
    entrypoint = "gunicorn --bind 0.0.0.0:$PORT --env MARK=a=b#c  --workers 1 app:app"
    platform = tmp_path / "platform"
    run = run_function("current", "python-procfile-app", image, {
        "ENV_VARS": "PLAIN=value#WITH_EQUALS=x=y", "BUILD_ENV": f"GOOGLE_ENTRYPOINT={entrypoint}\nSPACED=a b  c\n",
        "RUN_IMAGE": run_image}, tmp_path, repository, volume_dirs={"platform-dir": platform})
    assert run.code == 0, run.steps[-1].output[-3000:]
    files = {p.name: p.read_bytes() for p in (platform / "env").iterdir()}
    assert files == {"PLAIN": b"value", "WITH_EQUALS": b"x=y", "GOOGLE_ENTRYPOINT": entrypoint.encode(),
                     "SPACED": b"a b  c"}
    # ... and the buildpack received it: the image's web process is exactly that command
    meta = json.loads(inspect(pulled(image))["Config"]["Labels"]["io.buildpacks.build.metadata"])
    web = next(p for p in meta["processes"] if p["type"] == "web")
    assert web["command"] == ["bash", "-c", entrypoint]
    with funcbuild.running(image) as (name, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello, world")
    remove_image(image)


def test_failing_build_fails_create_and_writes_no_digest(reg, repository, tmp_path):
    address, run_image = reg
    run = run_function("current", "hello-world-python", f"{address}/fn/broken:latest",
                       {"BUILD_ENV": "GOOGLE_FUNCTION_TARGET=nope", "RUN_IMAGE": run_image}, tmp_path, repository)
    assert [s.container for s in run.steps] == ["step-source-default", "step-prepare", "step-create"]
    assert run.step("create").code != 0
    assert "function 'nope' is not defined" in run.step("create").output
    assert run.result("shp-image-digest") is None


def test_registry_that_refuses_the_push_then_credentials(repository, tmp_path):
    """No credentials and a wrong password: the registry refuses, step-create fails saying
    so, no digest. The right docker config.json in the steps' home: the push goes through."""
    directory = tmp_path / "auth-registry"
    address = registry.start(directory, f"127.0.0.1:{funcbuild.free_port()}",
                             htpasswd=registry.htpasswd_file(directory, USER, PASSWORD))
    try:
        creds = f"{USER}:{PASSWORD}"
        run_image = push_run_image(address, creds)
        image = f"{address}/fn/private:latest"
        params = {"RUN_IMAGE": run_image}

        def home_with(password: str) -> Path:
            home = tmp_path / f"home-{password}"
            (home / ".docker").mkdir(parents=True)
            auth = base64.b64encode(f"{USER}:{password}".encode()).decode()
            (home / ".docker" / "config.json").write_text(json.dumps({"auths": {address: {"auth": auth}}}))
            return home

        for home in (None, home_with("wrong")):
            denied = run_function("current", "hello-world-python", image, params, tmp_path, repository, home=home)
            assert [(s.container, s.code != 0) for s in denied.steps][-1] == ("step-create", True)
            output = denied.step("create").output
            assert address in output and "UNAUTHORIZED" in output.upper(), output[-2000:]
            assert denied.result("shp-image-digest") is None
        run = run_function("openfunction", "hello-world-python", image, params, tmp_path, repository,
                           home=home_with(PASSWORD))
        assert run.code == 0, run.steps[-1].output[-3000:]
        assert run.result("shp-image-digest") == manifest_digest(address, "fn/private", "latest", creds).encode()
    finally:
        registry.stop(directory)
