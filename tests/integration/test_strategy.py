"""The funcpacks Shipwright strategy, run step by step by the local strategy runner with
Docker and a real registry: digest result, caches, env encoding, failures, credentials."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest

import funcbuild
import mirrors
import registry
import strategy
import strategy_runner
import versions
from helpers import SAMPLES, layer_shas, remove_image
from http_servers import file_server

DATA = versions.load()
APIS = ["v1alpha1", "v1beta1"]
ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"])
USER, PASSWORD = "builder", f"pw-{uuid.uuid4().hex[:12]}"


def strategy_file(api: str) -> Path:
    return strategy.OUT_DIR / f"funcpacks-{api}.yaml"


def push_run_image(address: str, creds: str | None = None, key: str = "run") -> str:
    """Copies a run image into the registry (a registry export needs its run image there)."""
    image = DATA["images"][key]
    ref = f"{address}/{image}"
    cmd = ["skopeo", "copy", "--dest-tls-verify=false"]
    if creds:
        cmd += ["--dest-creds", creds]
    subprocess.run(cmd + [f"docker-daemon:{image}", f"docker://{ref}"], check=True, capture_output=True)
    return ref


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    directory = tmp_path_factory.mktemp("registry")
    address = registry.start(directory, f"127.0.0.1:{funcbuild.free_port()}")
    run_image = push_run_image(address)
    push_run_image(address, key="run-static")
    yield address, run_image
    registry.stop(directory)


def manifest_digest(address: str, repo: str, tag: str, creds: str | None = None) -> str:
    req = urllib.request.Request(f"http://{address}/v2/{repo}/manifests/{tag}", method="HEAD",
                                 headers={"Accept": ACCEPT})
    if creds:
        req.add_header("Authorization", "Basic " + base64.b64encode(creds.encode()).decode())
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers["Docker-Content-Digest"]


def run_strategy(api: str, sample: str, image: str, params: dict[str, str], tmp: Path, **kw) -> strategy_runner.Run:
    bindings = funcbuild.host_ca_binding()
    volume_dirs = dict(kw.pop("volume_dirs", {}))
    if bindings is not None:
        volume_dirs.setdefault("platform-bindings", bindings)
    return strategy_runner.run(strategy_file(api), SAMPLES / sample, image, params,
                               volume_dirs=volume_dirs, work=tmp / f"work-{uuid.uuid4().hex[:6]}", echo=False, **kw)


def pulled(image: str) -> str:
    subprocess.run(["docker", "pull", image], check=True, capture_output=True)
    return image


CASES = [
    # (api, sample, ENV_VARS, builder key, run image key, request path, answer)
    ("v1alpha1", "hello-world-python", "GOOGLE_FUNCTION_TARGET=hello_world#GOOGLE_FUNCTION_SIGNATURE_TYPE=http",
     "builder", "run", "/", "hello, world"),
    ("v1beta1", "hello-world-python", "GOOGLE_FUNCTION_TARGET=hello_world#GOOGLE_FUNCTION_SIGNATURE_TYPE=http",
     "builder", "run", "/", "hello, world"),
    ("v1beta1", "hello-world-go", "FUNC_NAME=HelloWorld#FUNC_CLEAR_SOURCE=true",
     "builder-go", "run-static", "/shipwright", "hello, shipwright!\n"),
]


@pytest.mark.parametrize("api, sample, env_vars, builder_key, run_key, path, answer", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_strategy_pushes_image_and_writes_exact_digest(api, sample, env_vars, builder_key, run_key, path, answer,
                                                      reg, tmp_path):
    address, _ = reg
    repo = f"fn/{sample}-{api}"
    image = f"{address}/{repo}:latest"
    run = run_strategy(api, sample, image, {
        "ENV_VARS": env_vars, "BUILDER_IMAGE": DATA["images"][builder_key],
        "RUN_IMAGE": f"{address}/{DATA['images'][run_key]}", "INSECURE_REGISTRIES": address}, tmp_path)
    assert [(s.container, s.code) for s in run.steps] == [
        ("step-prepare", 0), ("step-create", 0), ("step-results", 0)], run.steps[-1].output[-3000:]
    # the builder's own CNB_PLATFORM_API is used when the platform sets none
    assert f"CNB_PLATFORM_API={DATA['lifecycle']['platform-api']} creator" in run.step("create").output
    digest = run.result("shp-image-digest")
    assert digest == manifest_digest(address, repo, "latest").encode()  # no quotes, no newline
    try:
        by_digest = pulled(f"{address}/{repo}@{digest.decode()}")
        with funcbuild.running(by_digest) as (name, port):
            assert funcbuild.wait_http(f"http://127.0.0.1:{port}{path}") == (200, answer)
    finally:
        remove_image(f"{address}/{repo}@{digest.decode()}")


def test_openfunction_dotnet_walkthrough_through_the_strategy(reg, tmp_path, dotnet_deps):
    """The .NET walkthrough as a cluster runs it: the Function CR's env as ENV_VARS, the
    feed mirror and a NuGet folder feed given as service bindings in the strategy's
    platform-bindings volume (the binding carries its packages)."""
    address, run_image = reg
    repo = "fn/hello-world-dotnet"
    nuget = mirrors.nuget_binding(tmp_path / "nuget", "/platform/bindings/nuget/packages")
    (nuget / "packages").mkdir()
    for package in ("microsoft.netcore.app.ref.3.1.0.nupkg", "microsoft.aspnetcore.app.ref.3.1.10.nupkg"):
        shutil.copy(dotnet_deps / "nuget" / package, nuget / "packages" / package)
    with file_server(dotnet_deps) as (port, _):
        mirror = mirrors.dotnet_feed_binding(tmp_path / "dotnet-mirror", f"http://127.0.0.1:{port}")
        bindings = funcbuild.bindings_root(True, [nuget, mirror])
        run = run_strategy("v1beta1", "hello-world-dotnet", f"{address}/{repo}:latest", {
            "ENV_VARS": "GOOGLE_FUNCTION_TARGET=helloworld#GOOGLE_FUNCTION_SIGNATURE_TYPE=http",
            "RUN_IMAGE": run_image}, tmp_path, volume_dirs={"platform-bindings": bindings})
    assert run.code == 0, run.steps[-1].output[-3000:]
    assert "sources: nuget.config of the nugetconfig binding 'nuget'" in run.step("create").output
    digest = run.result("shp-image-digest").decode()
    try:
        with funcbuild.running(pulled(f"{address}/{repo}@{digest}")) as (name, port):
            assert funcbuild.wait_http(f"http://127.0.0.1:{port}/", timeout=60) == (200, "hello, world")
    finally:
        remove_image(f"{address}/{repo}@{digest}")


@pytest.mark.parametrize("api, cache", [("v1beta1", "volume"), ("v1alpha1", "image")])
def test_second_run_reuses_dependencies(api, cache, reg, tmp_path):
    """With the same cache volume, or (fresh volumes) with CACHE_IMAGE."""
    address, run_image = reg
    image = f"{address}/fn/cached-{cache}:latest"
    params = {"ENV_VARS": "FUNC_NAME=hello_world", "RUN_IMAGE": run_image}
    volume_dirs = {}
    if cache == "volume":
        volume_dirs["cache-dir"] = tmp_path / "cache"
        params["PLATFORM_API"] = "0.12"  # also: a platform that sets its own API version
    else:
        params["CACHE_IMAGE"] = f"{address}/fn/cache-image-cache:latest"
    first = run_strategy(api, "hello-world-python", image, params, tmp_path, volume_dirs=volume_dirs)
    assert first.code == 0, first.steps[-1].output[-3000:]
    if cache == "volume":
        assert "CNB_PLATFORM_API=0.12 creator" in first.step("create").output
    shas1 = layer_shas(pulled(image), "funcpacks/python")
    second = run_strategy(api, "hello-world-python", image, params, tmp_path, volume_dirs=volume_dirs)
    assert second.code == 0, second.steps[-1].output[-3000:]
    assert "Reusing layer 'dependencies': metadata matches" in second.step("create").output
    assert layer_shas(pulled(image), "funcpacks/python")["dependencies"] == shas1["dependencies"]
    remove_image(image)


def test_env_values_arrive_byte_exact(reg, tmp_path):
    """OpenFunction's ENV_VARS format for plain values, BUILD_ENV for the rest."""
    address, run_image = reg
    image = f"{address}/fn/app-env:latest"
    entrypoint = "gunicorn --bind 0.0.0.0:$PORT --env MARK=a=b#c  --workers 1 app:app"
    platform = tmp_path / "platform"
    run = run_strategy("v1beta1", "python-procfile-app", image, {
        "ENV_VARS": "PLAIN=value#WITH_EQUALS=x=y", "BUILD_ENV": f"GOOGLE_ENTRYPOINT={entrypoint}\nSPACED=a b  c\n",
        "RUN_IMAGE": run_image}, tmp_path, volume_dirs={"platform-dir": platform})
    assert run.code == 0, run.steps[-1].output[-3000:]
    files = {p.name: p.read_bytes() for p in (platform / "env").iterdir()}
    assert files == {"PLAIN": b"value", "WITH_EQUALS": b"x=y", "GOOGLE_ENTRYPOINT": entrypoint.encode(),
                     "SPACED": b"a b  c"}
    # ... and the buildpack received it: the image's web process is exactly that command
    meta = json.loads(json.loads(subprocess.run(["docker", "image", "inspect", pulled(image)], capture_output=True,
                                                text=True, check=True).stdout)[0]["Config"]["Labels"]
                      ["io.buildpacks.build.metadata"])
    web = next(p for p in meta["processes"] if p["type"] == "web")
    assert web["command"] == ["bash", "-c", entrypoint]
    with funcbuild.running(image) as (name, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello, world")
    remove_image(image)


def test_failing_build_fails_create_and_writes_no_digest(reg, tmp_path):
    address, run_image = reg
    run = run_strategy("v1beta1", "hello-world-python", f"{address}/fn/broken:latest",
                       {"ENV_VARS": "GOOGLE_FUNCTION_TARGET=nope", "RUN_IMAGE": run_image}, tmp_path)
    assert [s.container for s in run.steps] == ["step-prepare", "step-create"]
    assert run.step("create").code != 0
    assert "function 'nope' is not defined" in run.step("create").output
    assert run.result("shp-image-digest") is None


def test_registry_with_credentials_from_docker_config(tmp_path):
    directory = tmp_path / "auth-registry"
    address = registry.start(directory, f"127.0.0.1:{funcbuild.free_port()}",
                             htpasswd=registry.htpasswd_file(directory, USER, PASSWORD))
    try:
        creds = f"{USER}:{PASSWORD}"
        run_image = push_run_image(address, creds)
        image = f"{address}/fn/private:latest"
        params = {"ENV_VARS": "FUNC_NAME=hello_world", "RUN_IMAGE": run_image}
        denied = run_strategy("v1beta1", "hello-world-python", image, params, tmp_path)
        assert denied.step("create").code != 0 and denied.result("shp-image-digest") is None
        home = tmp_path / "home"
        (home / ".docker").mkdir(parents=True)
        auth = base64.b64encode(creds.encode()).decode()
        (home / ".docker" / "config.json").write_text(json.dumps({"auths": {address: {"auth": auth}}}))
        run = run_strategy("v1beta1", "hello-world-python", image, params, tmp_path, home=home)
        assert run.code == 0, run.steps[-1].output[-3000:]
        assert run.result("shp-image-digest") == manifest_digest(address, "fn/private", "latest", creds).encode()
    finally:
        registry.stop(directory)


def test_deploy_manifests_agree_with_versions():
    for path, text in strategy.expected().items():
        assert path.read_text() == text, f"{path} is stale: run python3 scripts/strategy.py write"
    for api in APIS:
        doc = strategy_runner.load(strategy_file(api))
        params = {p["name"]: p.get("default") for p in doc["spec"]["parameters"]}
        assert params["BUILDER_IMAGE"] == DATA["images"]["builder"]
        assert params["USER_ID"] == str(DATA["stack"]["user-id"]) and params["GROUP_ID"] == str(DATA["stack"]["group-id"])
        steps = strategy_runner.strategy_steps(doc)
        assert [s["name"] for s in steps] == ["prepare", "create", "results"]
        assert steps[1]["securityContext"]["runAsUser"] == DATA["stack"]["user-id"]
