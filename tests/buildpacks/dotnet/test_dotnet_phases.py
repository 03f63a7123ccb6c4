"""funcpacks/dotnet: bin/detect and bin/build run as the lifecycle runs them, against the
mirrored feed in ../shared/deps."""
from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from funcpacks import bundled
from funcpacks_dev import versions
from funcpacks_dev.images import builder
from funcpacks_dev.local_platform import mirrors
from funcpacks_dev.local_platform.mirrors import nuget_binding
from funcpacks_dev.versions import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
# An HTTP function of Google's .NET framework (class HelloWorld.Function) and a helper class.
GOOGLE_FUNCTION_SOURCE = FIXTURES / "dotnet" / "google-function"
WEB_PROJECT = ('<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n    <TargetFramework>{tfm}</TargetFramework>\n'
               '  </PropertyGroup>\n</Project>\n')


BUILDPACK = "dotnet"


# -- detect ---------------------------------------------------------------------------
def test_detect_project_file_or_sources(lifecycle, bp):
    (lifecycle.app / "App.csproj").write_text(WEB_PROJECT.format(tfm="net10.0"))
    res, plan = lifecycle.detect(bp)
    assert res.code == 0, res.output
    assert plan == {"provides": [{"name": "dotnet"}], "requires": [{"name": "dotnet"}]}
    (lifecycle.app / "App.csproj").unlink()
    (lifecycle.app / "Program.cs").write_text("")
    assert lifecycle.detect(bp)[0].code == 0  # build then says what is missing


def test_detect_fails_for_other_languages(lifecycle, bp):
    (lifecycle.app / "main.py").write_text("")
    (lifecycle.app / "go.mod").write_text("module x\n")
    res, _ = lifecycle.detect(bp)
    assert res.code == 100 and "not a .NET project" in res.output
    (lifecycle.app / "helper.cs").write_text("")  # a stray source beside a Python function
    assert lifecycle.detect(bp)[0].code == 100


def test_packaged_buildpack_carries_the_static_port_helper(bp):
    helper = bp / "libexec" / "port-env"
    assert helper.is_file() and helper.stat().st_mode & 0o111
    assert helper.read_bytes()[:4] == b"\x7fELF" and not (bp / "port-env").exists()


def test_build_stops_at_a_google_function_target_that_does_not_exist(lifecycle, bp):
    shutil.copytree(GOOGLE_FUNCTION_SOURCE, lifecycle.app, dirs_exist_ok=True)
    res = lifecycle.build(bp, {"GOOGLE_FUNCTION_TARGET": "HelloWorld.Fucntion", "BP_DEPENDENCY_MIRROR": "http://127.0.0.1:9"})
    assert res.code == 1 and "'HelloWorld.Fucntion' (GOOGLE_FUNCTION_TARGET) is not a class" in res.err
    assert "127.0.0.1:9" not in res.output  # checked before anything is downloaded


# -- build: bad input, with the mirrored feed -----------------------------------------
def _mirror_env(deps: Path) -> dict[str, str]:
    return {"FUNC_DOTNET_FEED": (deps / "dotnet").as_uri()}


def test_build_without_a_project_file(lifecycle, bp, dotnet_deps):
    (lifecycle.app / "Program.cs").write_text("")
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 1 and "no .NET project file" in res.err and "GOOGLE_BUILDABLE" in res.err


def test_solution_layout_names_the_projects_to_choose_from(lifecycle, bp, dotnet_deps):
    (lifecycle.app / "Shop.sln").write_text("")
    for rel in ("src/Api/Api.csproj", "tests/Api.Tests/Api.Tests.csproj"):
        (lifecycle.app / rel).parent.mkdir(parents=True)
        (lifecycle.app / rel).write_text(WEB_PROJECT.format(tfm="net10.0"))
    assert lifecycle.detect(bp)[0].code == 0
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 1 and "projects below it: src/Api/Api.csproj, tests/Api.Tests/Api.Tests.csproj" in res.err
    assert "GOOGLE_BUILDABLE=src/Api/Api.csproj" in res.err


def test_build_with_two_projects(lifecycle, bp, dotnet_deps):
    for name in ("A.csproj", "B.csproj"):
        (lifecycle.app / name).write_text(WEB_PROJECT.format(tfm="net10.0"))
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 1 and "2 project files" in res.err and "A.csproj, B.csproj" in res.err
    assert "GOOGLE_BUILDABLE=A.csproj" in res.err


def test_build_with_global_json_asking_for_an_sdk_the_feed_lacks(lifecycle, bp, dotnet_deps):
    (lifecycle.app / "App.csproj").write_text(WEB_PROJECT.format(tfm="net10.0"))
    (lifecycle.app / "global.json").write_text('{"sdk": {"version": "9.0.100", "rollForward": "latestPatch"}}')
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 1 and "global.json asks for SDK 9.0.100" in res.err
    assert "SDKs it has: 10.0.401" in res.err


def test_build_with_unreachable_mirror_names_the_url(lifecycle, bp):
    (lifecycle.app / "App.csproj").write_text(WEB_PROJECT.format(tfm="net10.0"))
    res = lifecycle.build(bp, {"BP_DEPENDENCY_MIRROR": "http://127.0.0.1:9"})
    assert res.code == 1 and "cannot reach" in res.err
    assert "http://127.0.0.1:9/dotnet/release-metadata/releases-index.json" in res.err


def test_hash_mismatch_fails_and_caches_nothing(lifecycle, bp, dotnet_deps, tmp_path):
    """A feed whose metadata carries Microsoft's hash for the mirror's repacked archive."""
    feed = tmp_path / "feed"
    shutil.copytree(dotnet_deps / "dotnet" / "release-metadata", feed / "release-metadata")
    releases = feed / "release-metadata" / "10.0" / "releases.json"
    mirror_hash = mirrors.newest_sdk(dotnet_deps / "dotnet")[1]
    releases.write_text(releases.read_text().replace(mirror_hash, mirrors.OFFICIAL_SDK_SHA512))
    assert mirrors.OFFICIAL_SDK_SHA512 in releases.read_text()
    (feed / "Sdk").symlink_to(dotnet_deps / "dotnet" / "Sdk")
    (lifecycle.app / "App.csproj").write_text(WEB_PROJECT.format(tfm="net10.0"))
    res = lifecycle.build(bp, {"FUNC_DOTNET_FEED": feed.as_uri()})
    assert res.code == 1 and "checksum mismatch: sha512" in res.err and "51c8b999af9e8dd9" in res.err
    assert "dotnet-sdk-10.0.401-linux-x64.tar.gz" in res.err
    layers = lifecycle.layers(bp)
    assert not (layers / "sdk").exists() and not (layers / "sdk.toml").exists()


# -- build: the whole build with the real SDK (slow: unpacks and runs it) --------------
@pytest.mark.slow
def test_build_publishes_with_a_runtime_layer_that_runs_the_app(lifecycle, bp, dotnet_deps, tmp_path):
    import subprocess
    import tomllib

    from funcpacks_dev.funcbuild import free_port, wait_http
    shutil.copytree(ROOT / "samples" / "hello-world-dotnet", lifecycle.app, dirs_exist_ok=True)
    nuget_binding(lifecycle.platform / "bindings" / "nuget", str(dotnet_deps / "nuget"))
    env = {**_mirror_env(dotnet_deps), "GOOGLE_FUNCTION_TARGET": "helloworld", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http",
           "GOOGLE_BUILD_ARGS": "-p:InformationalVersion=7.7.7-funcpacks"}
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    assert "--nologo" in res.out and "-p:InformationalVersion=7.7.7-funcpacks\n" in res.out  # appended
    assert "netcoreapp3.1 is out of support" in res.out and "informational" in res.out
    layers = lifecycle.layers(bp)
    launch = tomllib.loads((layers / "launch.toml").read_text())
    proc = launch["processes"][0]
    runtime, app = layers / "runtime", layers / "app"
    assert proc["type"] == "web" and proc["command"] == [str(runtime / "dotnet"), str(app / "HelloWorld.dll")]
    assert proc["working-dir"] == str(app)
    # only what the app resolves to: no SDK, no packs, one version of each framework
    assert sorted(p.name for p in runtime.iterdir() if p.is_dir()) == ["bin", "env.launch", "host", "lib", "shared"]
    assert os.readlink(runtime / "bin" / "dotnet") == "../dotnet"  # on the launch PATH, for Procfiles
    # the stack's ICU, which the run image does not carry, with its version links
    icu = {p.name for p in (runtime / "lib").iterdir()}
    assert {n.split(".so.")[0] for n in icu} == {"libicudata", "libicuuc", "libicui18n"}
    assert any((runtime / "lib" / n).is_symlink() for n in icu) and "ICU" in res.out
    assert sorted(p.name for p in (runtime / "shared").iterdir()) == ["Microsoft.AspNetCore.App", "Microsoft.NETCore.App"]
    assert (app / "env.launch" / "DOTNET_ROLL_FORWARD.default").read_text() == "Major"
    assert (app / "env.launch" / "FUNCTION_TARGET.default").read_text() == "helloworld"
    assert (app / "env.launch" / "FUNCTION_SIGNATURE_TYPE.default").read_text() == "http"
    assert (app / "exec.d" / "port-env").stat().st_mode & 0o111
    assert b"7.7.7-funcpacks" in (app / "HelloWorld.dll").read_bytes()  # the build args reached msbuild
    runtime_sbom = json.loads((layers / "runtime.sbom.cdx.json").read_text())
    assert {(c["name"], c["version"]) for c in runtime_sbom["components"]} >= {
        ("Microsoft.AspNetCore.App", "10.0.12"), ("Microsoft.NETCore.App", "10.0.12")}
    assert any(c["purl"].startswith("pkg:deb/debian/libicu") for c in runtime_sbom["components"])
    assert not list(lifecycle.app.glob("**/obj")), "build output must not land in the source"

    # the runtime layer alone runs the app (as the launcher would: working dir, env)
    port = free_port()
    server = subprocess.Popen(proc["command"], cwd=app, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={
        "PATH": "/usr/bin:/bin", "PORT": str(port), "DOTNET_ROLL_FORWARD": "Major", "HOME": str(tmp_path),
        "LD_LIBRARY_PATH": str(runtime / "lib")})
    try:
        assert wait_http(f"http://127.0.0.1:{port}/", timeout=60) == (200, "hello, world")
    finally:
        server.kill()
        server.wait()

    # warm rebuild after a one-line change: SDK and packages reused, no metadata read
    lifecycle.restore_as_cache(bp)
    startup = lifecycle.app / "Startup.cs"
    startup.write_text(startup.read_text().replace('"hello, world"', '"hello again"'))
    res = lifecycle.build(bp, {**env, "FUNC_DOTNET_FEED": "http://127.0.0.1:9/unreachable"})
    assert res.code == 1 and "127.0.0.1:9" in res.err  # another feed: the choice is made again
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    assert "Reusing layer 'sdk'" in res.out and "Reusing layer 'nuget-packages'" in res.out
    assert "not read again" in res.out and "download" not in res.out


@pytest.mark.slow
def test_explicit_version_wins_over_global_json(lifecycle, bp, dotnet_deps):
    shutil.copytree(ROOT / "samples" / "dotnet-minimal", lifecycle.app, dirs_exist_ok=True)
    (lifecycle.app / "global.json").write_text('{"sdk": {"version": "9.0.100", "rollForward": "disable"}}')
    nuget_binding(lifecycle.platform / "bindings" / "nuget", str(dotnet_deps / "nuget"))
    res = lifecycle.build(bp, {**_mirror_env(dotnet_deps), "FUNC_RUNTIME_VERSION": "10.0"})
    assert res.code == 0, res.output
    assert "SDK 10.0.401 (FUNC_RUNTIME_VERSION=10.0: newest SDK of channel 10.0)" in res.out
    assert "global.json's sdk.version is overridden by FUNC_RUNTIME_VERSION=10.0" in res.out
    assert (lifecycle.app / "global.json").is_file()  # the user's file is untouched


# -- the builder's own SDK, and any other SDK (slow: they publish) --------------------
@pytest.mark.slow
def test_bundled_sdk_is_used_in_place_without_the_feed(lifecycle, packaged_with_bundles, dotnet_deps, snapshot):
    bp = packaged_with_bundles["dotnet"]
    (bundled,) = [p for p in (bp / "bundled").iterdir() if p.is_dir()]
    before = snapshot(bundled)
    shutil.copytree(ROOT / "samples" / "dotnet-minimal", lifecycle.app, dirs_exist_ok=True)
    nuget_binding(lifecycle.platform / "bindings" / "nuget", str(dotnet_deps / "nuget"))
    # a feed nobody answers: the TargetFramework's channel is the builder's SDK's
    res = lifecycle.build(bp, {"FUNC_DOTNET_FEED": "http://127.0.0.1:9"})
    assert res.code == 0, res.output
    sdk = versions.get("dotnet.sdk")
    assert f"SDK {sdk} (TargetFramework net10.0: the builder's SDK of channel 10.0); the feed is not read" in res.out
    assert f"SDK {sdk}: the builder's, used in place" in res.out
    layers = lifecycle.layers(bp)
    assert not (layers / "sdk").exists() and (layers / "app" / "DotnetMinimal.dll").is_file()
    assert snapshot(bundled) == before  # never written to


@pytest.mark.slow
def test_an_sdk_the_builder_does_not_carry_is_downloaded_into_a_cache_layer(lifecycle, dotnet_deps, tmp_path):
    """A builder that carries another channel's SDK: this project's comes from the feed."""
    other = tmp_path / "carried" / "dotnet-sdk-9.0.100-linux-amd64"
    other.mkdir(parents=True)
    bundled.describe(other, "dotnet-sdk", "9.0.100", "amd64",
                     {"runtime_version": "9.0.0", "channel": "9.0", "url": "https://example.invalid/sdk.tar.gz",
                      "sha512": "0" * 128})
    bp = builder.package_buildpacks(tmp_path / "packaged", bundled={"dotnet": [other]}, any_user=True)["dotnet"]
    shutil.copytree(ROOT / "samples" / "dotnet-minimal", lifecycle.app, dirs_exist_ok=True)
    nuget_binding(lifecycle.platform / "bindings" / "nuget", str(dotnet_deps / "nuget"))
    # builder-dotnet's setting: its run image carries the carried SDK's runtime, which is
    # not the one this app was built with
    res = lifecycle.build(bp, {**_mirror_env(dotnet_deps), "FUNCPACKS_RUN_IMAGE": "dotnet"})
    assert res.code == 0, res.output
    assert "Building layer 'sdk': SDK 10.0.401 (not the builder's); no cached copy" in res.out
    assert "sha512 verified against the release metadata" in res.out
    sdk_toml = tomllib.loads((lifecycle.layers(bp) / "sdk.toml").read_text())
    assert sdk_toml["types"] == {"build": True, "cache": True, "launch": False}
    assert "(from the SDK that built it); the run image carries no shared framework: the runtime layer brings the app's" in res.out
    assert (lifecycle.layers(bp) / "runtime" / "dotnet").is_file()


@pytest.mark.slow
def test_a_run_image_with_the_carried_runtime_replaces_the_runtime_layer(lifecycle, packaged_with_bundles,
                                                                           dotnet_deps):
    """FUNCPACKS_RUN_IMAGE=dotnet (builder-dotnet): the app runs on the run image's
    runtime, so a runtime layer an earlier build left is dropped, not exported."""
    bp = packaged_with_bundles["dotnet"]
    shutil.copytree(ROOT / "samples" / "dotnet-minimal", lifecycle.app, dirs_exist_ok=True)
    nuget_binding(lifecycle.platform / "bindings" / "nuget", str(dotnet_deps / "nuget"))
    layers = lifecycle.layers(bp)
    layers.mkdir(parents=True, exist_ok=True)
    (layers / "runtime.toml").write_text('[types]\nlaunch = true\n[metadata]\nsdk = "10.0.401"\n')
    res = lifecycle.build(bp, {"FUNC_DOTNET_FEED": "http://127.0.0.1:9", "FUNCPACKS_RUN_IMAGE": "dotnet"})
    assert res.code == 0, res.output
    runtime = versions_runtime(bp)
    assert (f"runtime: the run image's, in /usr/share/dotnet (Microsoft.AspNetCore.App {runtime}, "
            f"Microsoft.NETCore.App {runtime}, with ICU); "
            "no runtime layer") in res.out
    assert not (layers / "runtime").exists() and not (layers / "runtime.toml").exists()
    assert not list(layers.glob("runtime.sbom.*"))
    launch = tomllib.loads((layers / "launch.toml").read_text())
    web = next(p for p in launch["processes"] if p["type"] == "web")
    assert web["command"] == ["/usr/share/dotnet/dotnet", str(layers / "app" / "DotnetMinimal.dll")]


def versions_runtime(bp: Path) -> str:
    """The runtime version of the SDK a packaged buildpack carries."""
    (found,) = bundled.all_of(bp, "dotnet-sdk")
    return found.facts["runtime_version"]


# -- build: the package cache across a restore ---------------------------------------
@pytest.mark.slow
def test_a_rebuild_with_the_same_package_graph_publishes_without_restoring(lifecycle, packaged_with_bundles,
                                                                           dotnet_deps):
    bp = packaged_with_bundles["dotnet"]
    shutil.copytree(ROOT / "samples" / "dotnet-cloudevents", lifecycle.app, dirs_exist_ok=True)
    secret = "nuget-s3cr3t-restore"
    nuget_binding(lifecycle.platform / "bindings" / "nuget", str(dotnet_deps / "nuget"),
                  extra=('  <packageSourceCredentials>\n    <mirror>\n      <add key="Username" value="u" />\n'
                         f'      <add key="ClearTextPassword" value="{secret}" />\n    </mirror>\n'
                         '  </packageSourceCredentials>\n'))
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 0, res.output
    layers = lifecycle.layers(bp)
    kept = layers / "nuget-packages" / ".restore-outputs"
    assert (kept / "key").is_file() and list(kept.rglob("obj/project.assets.json"))
    # what the cache keeps of the restore names the binding's file, never its credential
    kept_bytes = b"".join(f.read_bytes() for f in kept.rglob("*") if f.is_file())
    assert secret.encode() not in kept_bytes and b"ClearTextPassword" not in kept_bytes
    assert "--no-restore" not in res.out
    first_sbom = (layers / "app.sbom.cdx.json").read_text()

    lifecycle.restore_as_cache(bp)
    source = next(lifecycle.app.glob("*.cs"))
    source.write_text(source.read_text() + "\n// a one-line change\n")
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 0, res.output
    assert "publishing with --no-restore" in res.out
    command = next(ln for ln in res.out.splitlines() if "dotnet publish " in ln)
    assert command.endswith(" --no-restore"), command
    assert (layers / "app" / "DotnetCloudEvents.dll").is_file()
    assert (layers / "app.sbom.cdx.json").read_text() == first_sbom  # the same packages, from the kept graph
    assert not list(lifecycle.app.rglob("obj"))  # the user's source stays clean

    # a kept graph that no longer fits (the seal does not see a same-size change): the
    # publish without a restore fails, and the build restores and publishes again
    lifecycle.restore_as_cache(bp)
    (assets,) = kept.rglob("obj/project.assets.json")
    assets.write_text("{}".ljust(assets.stat().st_size))
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 0, res.output
    assert "publishing without a restore failed (dotnet publish failed" in res.out
    assert (layers / "app" / "DotnetCloudEvents.dll").is_file()
    assert json.loads((next(kept.rglob("obj/project.assets.json"))).read_text())["project"]  # saved again

    # another publish option: restore again
    lifecycle.restore_as_cache(bp)
    res = lifecycle.build(bp, {**_mirror_env(dotnet_deps), "BP_DOTNET_PUBLISH_FLAGS": "-p:Deterministic=true"})
    assert res.code == 0, res.output
    assert "--no-restore" not in res.out


@pytest.mark.slow
def test_damaged_package_cache_is_restored_again_not_used(lifecycle, packaged_with_bundles, dotnet_deps):
    """A truncated assembly in the restored package folder would be compiled against or
    published as it is (restore takes an installed package's files on trust)."""
    bp = packaged_with_bundles["dotnet"]
    shutil.copytree(ROOT / "samples" / "dotnet-cloudevents", lifecycle.app, dirs_exist_ok=True)
    nuget_binding(lifecycle.platform / "bindings" / "nuget", str(dotnet_deps / "nuget"))
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 0, res.output
    layers = lifecycle.layers(bp)
    seal = tomllib.loads((layers / "nuget-packages.toml").read_text())["metadata"]["seal"]
    assert seal["files"] > 0 and f"NuGet packages sealed: {seal['files']} files / " in res.out

    lifecycle.restore_as_cache(bp)
    assembly = next((layers / "nuget-packages" / "cloudnative.cloudevents").glob("2.9.0/lib/*/CloudNative.CloudEvents.dll"))
    size = assembly.stat().st_size
    os.truncate(assembly, size // 2)
    res = lifecycle.build(bp, _mirror_env(dotnet_deps))
    assert res.code == 0, res.output
    n = seal["files"]
    assert re.search(rf"Building layer 'nuget-packages': contents damaged: {n} files / .+ recorded, {n} files / .+ found",
                     res.out), res.out
    assert assembly.stat().st_size == size  # restored again from the feed
