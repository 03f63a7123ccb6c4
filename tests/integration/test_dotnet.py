"""The .NET buildpack through real pack, lifecycle and Docker, offline: the SDK comes from
the mirrored .NET feed (../shared/deps/dotnet, served on 127.0.0.1 or mounted with a file
base) and packages from the NuGet folder feed (../shared/deps/nuget) through a nugetconfig
binding whose nuget.config allows no other source."""
from __future__ import annotations

import json
import shutil
import tarfile
import uuid
from pathlib import Path

import pytest

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.local_platform import mirrors
from helpers import (SAMPLES, build, copy_sample, image_entries, image_file_names, inspect, layer_shas, must_build,
                     remove_image)
from funcpacks_dev.local_platform.http_servers import file_server
from funcpacks_dev.local_platform.mirrors import DEPS

BP = "funcpacks/dotnet"
BP_LAYERS = "layers/funcpacks_dotnet"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dotnet"
MOUNT = mirrors.PACK_MOUNT  # the mirrors inside the build container, at /deps
FILE_FEED = {"BP_DEPENDENCY_MIRROR": "file:///deps"}
RUN_CC = versions.get("images.run-cc")
CE_HEADERS = {"ce-specversion": "1.0", "ce-type": "com.example.order", "ce-source": "/tests", "ce-id": "evt-42",
              "Content-Type": "application/json"}


@pytest.fixture
def tag():
    name = f"funcpacks-test/dotnet-{uuid.uuid4().hex[:8]}"
    yield name
    remove_image(name)


@pytest.fixture
def nuget_binding(tmp_path, dotnet_deps) -> tuple[Path, str]:
    """A nugetconfig binding: only the mounted folder feed, with a credential for it."""
    secret = f"nuget-s3cr3t-{uuid.uuid4().hex}"
    credentials = ("  <packageSourceCredentials>\n    <mirror>\n      <add key=\"Username\" value=\"funcuser\" />\n"
                   f"      <add key=\"ClearTextPassword\" value=\"{secret}\" />\n    </mirror>\n"
                   "  </packageSourceCredentials>\n")
    return mirrors.nuget_binding(tmp_path / "nuget-mirror", extra=credentials), secret


def launch_env(image: str) -> dict[str, str]:
    """The environment the launcher gives the process (launch env files, exec.d)."""
    out = docker_engine.run(image, ["env"], entrypoint="/cnb/lifecycle/launcher", check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def layer_size(image: str, prefix: str) -> int:
    """Bytes of the regular files under prefix in the image's layers."""
    return sum(m.size for m in image_entries(image) if m.isfile() and m.name.lstrip("./").startswith(prefix))


def sdk_archive_size() -> int:
    """What the SDK layer holds: every file of the SDK archive, unpacked."""
    archive = next((DEPS / "dotnet" / "Sdk").glob("*/dotnet-sdk-*-linux-x64.tar.gz"))
    with tarfile.open(archive) as tar:
        return sum(m.size for m in tar if m.isfile())


# hello-world-dotnet was 271 MB on the Debian 12 run image, which carried ICU: moving ICU
# into the runtime layer may cost it at most 5%.
DOTNET_HELLO_MAX_BYTES = 285_000_000


def test_hello_world_dotnet_with_the_walkthrough_env(tag, tmp_path, nuget_binding, dotnet_deps):
    """OpenFunction's netcoreapp3.1 sample, unmodified shape, exactly the walkthrough's
    env; the feed mirror is served over HTTP and named by a dependency-mirror binding."""
    binding, secret = nuget_binding
    with file_server(dotnet_deps) as (port, seen):
        out = must_build(SAMPLES / "hello-world-dotnet", tag,
                         {"GOOGLE_FUNCTION_TARGET": "helloworld", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http"},
                         MOUNT, [binding, mirrors.dotnet_feed_binding(tmp_path / "dotnet-mirror", f"http://127.0.0.1:{port}")])
    # the out-of-support framework's SDK is chosen from the feed's metadata; it is the
    # builder's own, so no archive is read
    assert "/dotnet/release-metadata/releases-index.json" in seen
    assert not [p for p in seen if p.endswith(".tar.gz")], seen
    assert "netcoreapp3.1 is out of support" in out and "DOTNET_ROLL_FORWARD=Major" in out
    assert f"SDK {versions.get('dotnet.sdk')}: the builder's, used in place" in out
    with funcbuild.running(tag) as (name, port):
        status, body = funcbuild.wait_http(f"http://127.0.0.1:{port}/", timeout=60)
        logs = funcbuild.container_logs(name)
    assert (status, body) == (200, "hello, world"), logs
    env = launch_env(tag)
    assert env["FUNCTION_TARGET"] == "helloworld" and env["FUNCTION_SIGNATURE_TYPE"] == "http"
    assert env["DOTNET_ROLL_FORWARD"] == "Major"

    # the runtime layer: only the host and the two frameworks the app resolves to
    names = image_file_names(tag)
    runtime = f"{BP_LAYERS}/runtime/"
    assert f"{runtime}dotnet" in names
    assert {n.split("/")[4] for n in names if n.startswith(f"{runtime}shared/") and n.count("/") > 4} == {
        "Microsoft.AspNetCore.App", "Microsoft.NETCore.App"}
    assert not any(n.startswith((f"{runtime}sdk/", f"{runtime}packs/", f"{BP_LAYERS}/sdk/")) for n in names)
    icu_bytes = layer_size(tag, f"{runtime}lib/")
    runtime_bytes, sdk_bytes = layer_size(tag, runtime) - icu_bytes, sdk_archive_size()
    assert sdk_bytes >= 3 * runtime_bytes, (sdk_bytes, runtime_bytes)
    # ICU, which the run image does not carry, comes with the runtime (and is what the app
    # just used: without it .NET refuses to start unless globalization is invariant)
    assert {n.rsplit("/", 1)[1].split(".so.")[0] for n in names if n.startswith(f"{runtime}lib/")} == {
        "libicudata", "libicuuc", "libicui18n"}
    assert "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT" not in env and icu_bytes > 20_000_000
    assert f"/{runtime}lib" in env.get("LD_LIBRARY_PATH", "").split(":"), env.get("LD_LIBRARY_PATH")
    size = inspect(tag)["Size"]
    assert size <= DOTNET_HELLO_MAX_BYTES, f"{size / 1e6:.1f} MB"

    # the binding's credential is nowhere in the image
    data = docker_engine.save(tag).read()
    assert secret.encode() not in data and b"ClearTextPassword" not in data
    assert secret not in json.dumps(inspect(tag))


def test_procfile_processes_of_a_dotnet_app(tag, tmp_path, nuget_binding):
    """Every Procfile process type is a process of the image; `dotnet` is on the launch PATH."""
    binding, _ = nuget_binding
    app = copy_sample("dotnet-minimal", tmp_path)
    (app / "Procfile").write_text("web: dotnet DotnetMinimal.dll\nruntimes: dotnet --list-runtimes\n")
    out = must_build(app, tag, {**FILE_FEED, "BP_DOTNET_PUBLISH_FLAGS": "-p:InvariantGlobalization=true"},
                     MOUNT, [binding])
    assert "process runtimes: dotnet --list-runtimes (from the Procfile)" in out
    assert "-p:InvariantGlobalization=true" in out  # Paketo's publish flags reach dotnet publish
    listed = docker_engine.run(tag, entrypoint="runtimes", timeout=120)
    assert listed.returncode == 0 and "Microsoft.NETCore.App 10.0." in listed.stdout, listed.stdout + listed.stderr
    with funcbuild.running(tag) as (name, port):
        status, body = funcbuild.wait_http(f"http://127.0.0.1:{port}/", timeout=60)
        logs = funcbuild.container_logs(name)
    assert (status, body) == (200, "hello, world"), logs


def test_trimmed_minimal_api_on_the_small_run_image(tag, nuget_binding):
    binding, _ = nuget_binding
    out = must_build(SAMPLES / "dotnet-minimal", tag, {**FILE_FEED, "FUNC_DOTNET_TRIMMED": "true",
                                                       "FUNC_CLEAR_SOURCE": "true"},
                     [*MOUNT, "--run-image", RUN_CC], [binding])
    assert "self-contained, trimmed for linux-x64" in out
    size = inspect(tag)["Size"]
    assert size <= 50_000_000, f"{size / 1e6:.1f} MB"
    names = image_file_names(tag)
    assert f"{BP_LAYERS}/app/DotnetMinimal" in names and not any("/runtime/" in n for n in names)
    assert not any(n.startswith("workspace/") and n.endswith((".cs", ".csproj")) for n in names)  # FUNC_CLEAR_SOURCE
    assert not any(n.endswith(("bin/sh", "bin/bash")) or "libicu" in n for n in names)
    # the app reads no PORT: the exec.d helper turns PORT into ASPNETCORE_HTTP_PORTS
    with funcbuild.running(tag) as (name, port):
        status, body = funcbuild.wait_http(f"http://127.0.0.1:{port}/", timeout=60)
        logs = funcbuild.container_logs(name)
    assert (status, body) == (200, "hello, world"), logs
    # an explicit ASPNETCORE_URLS wins over PORT
    explicit = funcbuild.free_port()
    with funcbuild.running(tag, {"ASPNETCORE_URLS": f"http://127.0.0.1:{explicit}"}) as (name, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{explicit}/", timeout=60) == (200, "hello, world")
        assert f"http://127.0.0.1:{explicit}" in funcbuild.container_logs(name)
    # a PORT that is not a port stops the container with the reason
    bad = docker_engine.run(tag, environment=["PORT=eighty"], timeout=120)
    assert bad.returncode != 0 and 'PORT="eighty" is not a TCP port number' in bad.stderr


def test_cloudevents_app_and_warm_rebuild(tag, tmp_path, nuget_binding, dotnet_deps):
    binding, _ = nuget_binding
    src = copy_sample("dotnet-cloudevents", tmp_path)
    with file_server(dotnet_deps / "dotnet") as (port, seen):
        env = {"FUNC_DOTNET_FEED": f"http://127.0.0.1:{port}"}
        first_log = must_build(src, tag, env, MOUNT, [binding])
        # net10.0 is the channel of the builder's SDK: the feed is not even read
        assert seen == [] and "the builder's SDK of channel 10.0); the feed is not read" in first_log
        with funcbuild.running(tag) as (name, cport):
            status, body = funcbuild.wait_http(f"http://127.0.0.1:{cport}/", data=b'{"qty": 3}', headers=CE_HEADERS,
                                               timeout=60)
            logs = funcbuild.container_logs(name)
        assert (status, body) == (200, "evt-42 com.example.order"), logs
        first = layer_shas(tag, BP)

        sboms = tmp_path / "sbom"
        proc = funcbuild.builder.run_pack([funcbuild.builder.pack_bin(), "sbom", "download", tag, "--output-dir",
                                           str(sboms)], capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr
        docs = {f.parent.name: json.loads(f.read_text()) for f in sboms.rglob("sbom.cdx.json")
                if "funcpacks_dotnet" in str(f)}
        assert {(c["name"], c["version"]) for c in docs["app"]["components"]} >= {
            ("CloudNative.CloudEvents", "2.9.0"), ("CloudNative.CloudEvents.SystemTextJson", "2.9.0")}
        assert ("Microsoft.NETCore.App", "10.0.12") in {(c["name"], c["version"]) for c in docs["runtime"]["components"]}

        # one-line change: packages and runtime are reused, nothing is downloaded
        program = src / "Program.cs"
        program.write_text(program.read_text().replace('$"{cloudEvent.Id} {cloudEvent.Type}"',
                                                       '$"{cloudEvent.Type} {cloudEvent.Id}"'))
        seen.clear()
        out = must_build(src, tag, env, MOUNT, [binding])
    assert seen == [], seen
    for layer in ("nuget-packages", "runtime"):
        assert f"Reusing layer '{layer}'" in out, out[-4000:]
    assert "funcpacks/dotnet:sdk'" not in out  # no SDK layer is restored or cached
    second = layer_shas(tag, BP)
    assert second["runtime"] == first["runtime"] and second["app"] != first["app"]
    with funcbuild.running(tag) as (name, cport):
        status, body = funcbuild.wait_http(f"http://127.0.0.1:{cport}/", data=b"{}", headers=CE_HEADERS, timeout=60)
    assert (status, body) == (200, "com.example.order evt-42")


BAD_INPUTS = [
    # (source, extra env, what the output must say)
    (FIXTURES / "compile-error", {}, ["Program.cs(3,38): error CS1002: ; expected", "dotnet publish failed"]),
    (FIXTURES / "missing-package", {}, ["error NU1101: Unable to find package Funcpacks.NoSuchPackage",
                                        "source(s): mirror", "restoring the NuGet packages failed"]),
    (FIXTURES / "two-projects", {}, ["2 project files", "Api.csproj, Worker.csproj", "GOOGLE_BUILDABLE"]),
    (FIXTURES / "unknown-sdk", {}, ["global.json asks for SDK 9.0.100", "SDKs it has: 10.0.401"]),
    (FIXTURES / "two-projects", {"FUNC_BUILDABLE": "Missing.csproj"}, ["'Missing.csproj' does not exist"]),
    (SAMPLES / "dotnet-minimal", {"FUNC_RUNTIME_VERSION": "8.0.100"},
     ["FUNC_RUNTIME_VERSION=8.0.100: the .NET feed has no such SDK", "SDKs it has: 10.0.401"]),
    # netcoreapp3.1 asks the feed which SDK builds it (net10.0 would not: the builder's SDK)
    (SAMPLES / "hello-world-dotnet", {"BP_DEPENDENCY_MIRROR": "http://127.0.0.1:9"},
     ["cannot reach", "http://127.0.0.1:9/dotnet/release-metadata/releases-index.json"]),
]


@pytest.mark.parametrize("src, env, needles", BAD_INPUTS, ids=[
    "compile-error", "missing-package", "two-projects", "unknown-sdk", "missing-buildable", "unknown-version",
    "unreachable-mirror"])
def test_bad_input_fails_with_its_message(src, env, needles, tag, nuget_binding):
    binding, _ = nuget_binding
    proc = build(src, tag, {**FILE_FEED, **env}, MOUNT, [binding])
    assert proc.returncode != 0
    for needle in needles:
        assert needle in proc.stdout, proc.stdout[-4000:]
    assert "api.nuget.org" not in proc.stdout  # no source beyond the binding's was tried
    assert not docker_engine.image_exists(tag)


def test_no_project_file(tag, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "Program.cs").write_text('System.Console.WriteLine("hi");\n')
    proc = build(src, tag, FILE_FEED, MOUNT)
    assert proc.returncode != 0
    assert "no .NET project file (.csproj, .fsproj or .vbproj)" in proc.stdout, proc.stdout[-3000:]


def test_hash_mismatch_stops_the_build(tag, tmp_path, nuget_binding, dotnet_deps):
    """A feed whose metadata lists an SDK the builder does not carry (10.0.402, its archive
    the mirror's) with Microsoft's sha512 for the mirror's repacked archive."""
    binding, _ = nuget_binding
    feed = tmp_path / "feed"
    shutil.copytree(dotnet_deps / "dotnet" / "release-metadata", feed / "release-metadata")
    (feed / "Sdk").symlink_to(dotnet_deps / "dotnet" / "Sdk")
    releases = feed / "release-metadata" / "10.0" / "releases.json"
    mirror_hash = mirrors.newest_sdk(dotnet_deps / "dotnet")[1]
    releases.write_text(releases.read_text().replace(mirror_hash, mirrors.OFFICIAL_SDK_SHA512)
                        .replace('"version": "10.0.401"', '"version": "10.0.402"'))
    with file_server(feed) as (port, seen):
        proc = build(SAMPLES / "dotnet-minimal", tag, {"FUNC_DOTNET_FEED": f"http://127.0.0.1:{port}",
                                                       "FUNC_RUNTIME_VERSION": "10.0.402"}, MOUNT, [binding])
    assert "/Sdk/10.0.401/dotnet-sdk-10.0.401-linux-x64.tar.gz" in seen
    assert proc.returncode != 0
    assert "checksum mismatch: sha512 of the download is 93defcbc1f1a1a74..., expected 51c8b999af9e8dd9..." in proc.stdout
    assert "nothing was kept" in proc.stdout and "unpack" not in proc.stdout


def test_two_clean_builds_give_the_same_image(tag, nuget_binding):
    """Reproducible: the same source and SDK, two cache-less builds, one image ID."""
    binding, _ = nuget_binding
    other = f"{tag}-again"
    try:
        ids = []
        for name in (tag, other):
            must_build(SAMPLES / "dotnet-minimal", name, FILE_FEED, [*MOUNT, "--clear-cache"], [binding])
            ids.append(inspect(name)["Id"])
        assert ids[0] == ids[1]
    finally:
        remove_image(other)


def test_builder_dotnet_runs_the_app_on_its_run_image_runtime(tag, tmp_path, nuget_binding):
    """builder-dotnet: the app resolves to the runtime run-dotnet carries (the builder's
    SDK's), so its image has no runtime layer, and a one-line change rebuilds only the
    app layer."""
    binding, _ = nuget_binding
    src = copy_sample("hello-world-dotnet", tmp_path)
    env = {"GOOGLE_FUNCTION_TARGET": "helloworld", **FILE_FEED}
    out = must_build(src, tag, env, MOUNT, [binding], builder=versions.get("images.builder-dotnet"))
    assert "runtime: the run image's, in /usr/share/dotnet (Microsoft.AspNetCore.App " in out
    assert "no runtime layer" in out and "Adding layer 'funcpacks/dotnet:runtime'" not in out
    assert set(layer_shas(tag, BP)) == {"app"}
    assert not any(n.startswith(f"{BP_LAYERS}/runtime") for n in image_file_names(tag))
    meta = json.loads(inspect(tag)["Config"]["Labels"]["io.buildpacks.lifecycle.metadata"])
    run_dotnet = inspect(versions.get("images.run-dotnet"))
    assert meta["runImage"]["topLayer"] == run_dotnet["RootFS"]["Layers"][-1]  # rebasable onto a newer run-dotnet
    env_seen = launch_env(tag)
    assert env_seen["DOTNET_ROLL_FORWARD"] == "Major" and env_seen["DOTNET_ROOT"] == "/usr/share/dotnet"
    with funcbuild.running(tag) as (name, port):
        status, body = funcbuild.wait_http(f"http://127.0.0.1:{port}/", timeout=60)
        logs = funcbuild.container_logs(name)
    assert (status, body) == (200, "hello, world"), logs

    startup = src / "Startup.cs"
    startup.write_text(startup.read_text().replace("hello, world", "hello, run-dotnet"))
    out = must_build(src, tag, env, MOUNT, [binding], builder=versions.get("images.builder-dotnet"))
    assert "Adding layer 'funcpacks/dotnet:app'" in out and "funcpacks/dotnet:runtime" not in out
    with funcbuild.running(tag) as (name, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/", timeout=60) == (200, "hello, run-dotnet")
