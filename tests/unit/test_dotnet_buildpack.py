"""funcpacks/dotnet: detect and the build's decisions run as the lifecycle runs them,
against the mirrored feed in ../shared/deps, and its pure modules against recorded
release metadata (tests/unit/fixtures/dotnet-feed, in the official schema)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from funcpacks_dev.testing import mirrors
from funcpacks_dev.testing.mirrors import dotnet_feed_binding, nuget_binding
from funcpacks.errors import UserError

FIXTURE_FEED = Path(__file__).parent / "fixtures" / "dotnet-feed"
OFFICIAL = "https://builds.dotnet.microsoft.com/dotnet"
WEB_PROJECT = ('<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n    <TargetFramework>{tfm}</TargetFramework>\n'
               '  </PropertyGroup>\n</Project>\n')


BUILDPACK = "dotnet"


def fixture_feed():
    from dotnet_buildpack.feed import Feed
    return Feed(base=FIXTURE_FEED.as_uri())


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


# -- feed: URL mapping and metadata ---------------------------------------------------
@pytest.mark.parametrize("env, expected", [
    ({}, OFFICIAL + "/Sdk/1/x.tar.gz"),
    ({"FUNC_DOTNET_FEED": "http://127.0.0.1:9/mirrors/dotnet/"}, "http://127.0.0.1:9/mirrors/dotnet/Sdk/1/x.tar.gz"),
    ({"FUNC_DOTNET_FEED": "file:///deps/dotnet"}, "file:///deps/dotnet/Sdk/1/x.tar.gz"),
    ({"BP_DEPENDENCY_MIRROR": "file:///deps"}, "file:///deps/dotnet/Sdk/1/x.tar.gz"),
    ({"BP_DEPENDENCY_MIRROR_BUILDS_DOTNET_MICROSOFT_COM": "https://mirror.example/{originalHost}"},
     "https://mirror.example/builds.dotnet.microsoft.com/dotnet/Sdk/1/x.tar.gz"),
    # the .NET setting wins over the general mirror
    ({"FUNC_DOTNET_FEED": "http://a.example/d", "BP_DEPENDENCY_MIRROR": "http://b.example"},
     "http://a.example/d/Sdk/1/x.tar.gz"),
])
def test_feed_maps_the_official_base(env, expected):
    from dotnet_buildpack.feed import Feed
    assert Feed.from_env(env).map(OFFICIAL + "/Sdk/1/x.tar.gz") == expected


def test_feed_mapping_from_a_dependency_mirror_binding(tmp_path):
    from dotnet_buildpack.feed import Feed
    dotnet_feed_binding(tmp_path / "bindings" / "mirror", "http://127.0.0.1:8000")
    feed = Feed.from_env({"SERVICE_BINDING_ROOT": str(tmp_path / "bindings")})
    assert feed.map(OFFICIAL + "/release-metadata/releases-index.json") == \
        "http://127.0.0.1:8000/dotnet/release-metadata/releases-index.json"
    assert "dependency mirror" in feed.describe()


def test_recorded_metadata_parses_channels_and_sdks():
    feed = fixture_feed()
    channels = feed.channels()
    assert [(c.version, c.eol) for c in channels] == [("10.0", False), ("9.0", False), ("8.0", True)]
    x64 = feed.sdks(channels[0], "amd64")
    assert [s.version for s in x64] == ["10.0.401", "10.0.400", "10.0.301", "10.0.300", "10.0.110", "10.0.109",
                                        "10.0.100"]
    assert x64[0].url == OFFICIAL + "/Sdk/10.0.401/dotnet-sdk-10.0.401-linux-x64.tar.gz"
    assert x64[0].runtime_version == "10.0.12" and len(x64[0].sha512) == 128
    arm = feed.sdks(channels[0], "arm64")
    assert arm[0].url.endswith("linux-arm64.tar.gz") and arm[0].sha512 != x64[0].sha512


def test_the_mirror_metadata_parses(dotnet_deps):
    from dotnet_buildpack.feed import Feed
    feed = Feed(base=(dotnet_deps / "dotnet").as_uri())
    sdks = feed.all_sdks("amd64")
    assert [s.version for s in sdks] == ["10.0.401"]
    assert sdks[0].sha512.startswith("93defcbc1f1a1a74")  # deps/README.md


# -- which SDK ------------------------------------------------------------------------
@pytest.mark.parametrize("tfm, version, eol", [
    ("net10.0", "10.0.401", ""),
    ("net9.0", "9.0.308", ""),
    ("net8.0", "10.0.401", "net8.0"),  # the channel is end-of-life
    ("netcoreapp3.1", "10.0.401", "netcoreapp3.1"),  # the feed no longer lists it
    ("net5.0", "10.0.401", "net5.0"),
])
def test_sdk_from_target_framework(tfm, version, eol):
    from dotnet_buildpack import sdk_choice
    choice = sdk_choice.from_target_framework(tfm, fixture_feed(), "amd64")
    assert (choice.sdk.version, choice.eol_framework) == (version, eol)


@pytest.mark.parametrize("tfm", ["net11.0", "net48", "netstandard2.0"])
def test_sdk_for_an_unknown_framework_fails(tfm):
    from dotnet_buildpack import sdk_choice
    with pytest.raises(UserError):
        sdk_choice.from_target_framework(tfm, fixture_feed(), "amd64")


@pytest.mark.parametrize("request_, version", [("10.0", "10.0.401"), ("9", "9.0.308"), ("10.0.300", "10.0.300"),
                                              ("10.0.11", "10.0.400"), ("v9.0.113", "9.0.113")])
def test_explicit_sdk_request(request_, version):
    from dotnet_buildpack import sdk_choice
    assert sdk_choice.explicit(request_, "FUNC_RUNTIME_VERSION", fixture_feed(), "amd64").sdk.version == version


def test_explicit_version_the_feed_lacks_lists_what_it_has():
    from dotnet_buildpack import sdk_choice
    with pytest.raises(UserError) as exc:
        sdk_choice.explicit("7.0.100", "GOOGLE_RUNTIME_VERSION", fixture_feed(), "amd64")
    text = exc.value.render("t")
    assert "GOOGLE_RUNTIME_VERSION=7.0.100" in text and "10.0.401, 10.0.400" in text and "9.0.308" in text


@pytest.mark.parametrize("requested, policy, chosen", [
    ("10.0.300", "patch", "10.0.300"),
    ("10.0.302", "patch", None),
    ("10.0.101", "patch", "10.0.110"),
    ("10.0.101", "feature", "10.0.110"),
    ("10.0.111", "feature", "10.0.301"),
    ("10.0.111", "latestFeature", "10.0.401"),
    ("10.0.109", "latestPatch", "10.0.110"),
    ("9.0.200", "minor", "9.0.308"),
    ("9.0.200", "major", "9.0.308"),
    ("9.0.400", "minor", None),
    ("9.0.400", "major", "10.0.110"),
    ("9.0.200", "latestMajor", "10.0.401"),
    ("9.0.100", "latestMinor", "9.0.308"),
    ("10.0.300", "disable", "10.0.300"),
    ("10.0.299", "disable", None),
])
def test_global_json_roll_forward(requested, policy, chosen):
    from dotnet_buildpack import sdk_choice
    versions = [s.version for s in fixture_feed().all_sdks("amd64")]
    assert sdk_choice.roll_forward(requested, policy, versions) == chosen


# -- project, runtime, NuGet, publish -------------------------------------------------
def test_project_parse(tmp_path):
    from dotnet_buildpack import project
    (tmp_path / "fn.fsproj").write_text(
        '<Project Sdk="Microsoft.NET.Sdk">\n<PropertyGroup><TargetFrameworks>net8.0;net10.0;netstandard2.0'
        '</TargetFrameworks><AssemblyName>Fn.Api</AssemblyName></PropertyGroup>\n<ItemGroup>'
        '<PackageReference Include="Google.Cloud.Functions.Hosting" Version="2.2.1" /></ItemGroup></Project>')
    p = project.parse_project(tmp_path / "fn.fsproj")
    assert (p.target_framework, p.assembly_name) == ("net10.0", "Fn.Api")
    assert p.references("google.cloud.functions.hosting")


def test_runtime_resolution_follows_the_host_rules(tmp_path):
    from dotnet_buildpack import frameworks
    assert frameworks.pick("10.0.0", ["8.0.31", "10.0.11", "10.0.12", "11.0.1"]) == "10.0.12"
    assert frameworks.pick("8.0.0", ["8.0.31", "10.0.12"]) == "8.0.31"
    assert frameworks.pick("3.1.0", ["10.0.12", "10.0.3", "11.0.0"]) == "10.0.12"
    assert frameworks.pick("11.0.0", ["10.0.12"]) is None
    sdk = tmp_path / "sdk"
    for fw in ("Microsoft.NETCore.App", "Microsoft.AspNetCore.App"):
        (sdk / "shared" / fw / "10.0.12").mkdir(parents=True)
    (sdk / "shared" / "Microsoft.AspNetCore.App" / "10.0.12" / "Microsoft.AspNetCore.App.runtimeconfig.json").write_text(
        json.dumps({"runtimeOptions": {"framework": {"name": "Microsoft.NETCore.App", "version": "10.0.12"}}}))
    # netcoreapp3.1 shape: one framework, which builds on another
    found = frameworks.resolve(sdk, {"runtimeOptions": {"framework": {"name": "Microsoft.AspNetCore.App",
                                                                          "version": "3.1.0"}}})
    assert [(f.name, f.version, f.major_roll) for f in found] == [
        ("Microsoft.AspNetCore.App", "10.0.12", True), ("Microsoft.NETCore.App", "10.0.12", False)]
    with pytest.raises(UserError, match="Microsoft.WindowsDesktop.App"):
        frameworks.resolve(sdk, {"runtimeOptions": {"frameworks": [
            {"name": "Microsoft.WindowsDesktop.App", "version": "10.0.0"}]}})


def test_nuget_sources_app_config_then_binding_then_default(tmp_path):
    from dotnet_buildpack import nuget
    app, platform = tmp_path / "app", tmp_path / "platform"
    app.mkdir()
    assert nuget.sources(app, app, {}, platform).config_file is None
    binding = nuget_binding(platform / "bindings" / "feed")
    got = nuget.sources(app, app, {}, platform)
    assert got.config_file == binding / "nuget.config" and "binding 'feed'" in got.description
    (app / "NuGet.Config").write_text((binding / "nuget.config").read_text())
    got = nuget.sources(app, app, {}, platform)
    assert got.config_file is None and "NuGet.Config" in got.description


def test_package_cache_key_follows_project_files_not_sources(tmp_path):
    from dotnet_buildpack import nuget
    (tmp_path / "App.csproj").write_text(WEB_PROJECT.format(tfm="net10.0"))
    (tmp_path / "Program.cs").write_text("// one")
    (tmp_path / "obj").mkdir()
    (tmp_path / "obj" / "x.csproj").write_text("build output")
    key = nuget.inputs_hash(tmp_path)
    (tmp_path / "Program.cs").write_text("// two")
    (tmp_path / "obj" / "x.csproj").write_text("other build output")
    assert nuget.inputs_hash(tmp_path) == key
    (tmp_path / "Directory.Build.props").write_text("<Project />")
    assert nuget.inputs_hash(tmp_path) != key


def test_packages_for_the_sbom_come_from_the_assets_file(tmp_path):
    from dotnet_buildpack import nuget
    (tmp_path / "project.assets.json").write_text(json.dumps({"libraries": {
        "CloudNative.CloudEvents/2.9.0": {"type": "package"}, "Lib/1.0.0": {"type": "project"}}}))
    assert [(c.name, c.version, c.purl) for c in nuget.packages(tmp_path / "project.assets.json")] == [
        ("CloudNative.CloudEvents", "2.9.0", "pkg:nuget/CloudNative.CloudEvents@2.9.0")]


def test_publish_errors_are_shown_relative_to_the_source():
    from dotnet_buildpack import publish
    work = Path("/tmp/funcpacks-dotnet/src")
    out = ("  Determining projects to restore...\n"
           "/tmp/funcpacks-dotnet/src/Program.cs(7,20): error CS1002: ; expected [/tmp/funcpacks-dotnet/src/App.csproj]\n"
           "/tmp/funcpacks-dotnet/src/Program.cs(7,20): error CS1002: ; expected [/tmp/funcpacks-dotnet/src/App.csproj]\n"
           "/tmp/funcpacks-dotnet/src/App.csproj : error NU1101: Unable to find package Nope. No packages exist with "
           "this id in source(s): mirror [/tmp/funcpacks-dotnet/src/App.csproj]\n")
    assert publish.errors(out, work) == [
        "Program.cs(7,20): error CS1002: ; expected",
        "App.csproj: error NU1101: Unable to find package Nope. No packages exist with this id in source(s): mirror"]


GOOGLE_PROJECT = ('<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup><OutputType>Exe</OutputType>'
                  '<TargetFramework>net10.0</TargetFramework></PropertyGroup>\n  <ItemGroup>'
                  '<PackageReference Include="Google.Cloud.Functions.Hosting" Version="2.2.1" /></ItemGroup>\n'
                  '</Project>\n')
GOOGLE_FUNCTION = ("using Google.Cloud.Functions.Framework;\nusing Microsoft.AspNetCore.Http;\n\n"
                   "namespace HelloWorld;\n\npublic class Function : IHttpFunction\n{\n"
                   "    public async Task HandleAsync(HttpContext context) =>\n"
                   "        await context.Response.WriteAsync(\"hello, world\");\n}\n\n"
                   "internal class Helper { }\n")


def test_google_function_target_is_checked_against_the_sources(tmp_path):
    from dotnet_buildpack import function_check
    (tmp_path / "Fn.csproj").write_text(GOOGLE_PROJECT)
    (tmp_path / "Function.cs").write_text(GOOGLE_FUNCTION)
    (tmp_path / "obj").mkdir()
    (tmp_path / "obj" / "Generated.cs").write_text("namespace X { class Function : IHttpFunction {} }")
    assert function_check.check("HelloWorld.Function", "FUNC_NAME", tmp_path / "Fn.csproj", tmp_path)
    assert function_check.check("Function", "FUNC_NAME", tmp_path / "Fn.csproj", tmp_path)
    with pytest.raises(UserError) as exc:
        function_check.check("HelloWorld.Missing", "GOOGLE_FUNCTION_TARGET", tmp_path / "Fn.csproj", tmp_path)
    text = exc.value.render("t")
    assert "'HelloWorld.Missing' (GOOGLE_FUNCTION_TARGET) is not a class" in text
    assert "HelloWorld.Function (Function.cs)" in text and "X.Function" not in text and "Helper" not in text


def test_build_stops_at_a_google_function_target_that_does_not_exist(lifecycle, bp):
    (lifecycle.app / "Fn.csproj").write_text(GOOGLE_PROJECT)
    (lifecycle.app / "Function.cs").write_text(GOOGLE_FUNCTION)
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
    shutil.copytree(Path(__file__).parents[2] / "samples" / "hello-world-dotnet", lifecycle.app, dirs_exist_ok=True)
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
    shutil.copytree(Path(__file__).parents[2] / "samples" / "dotnet-minimal", lifecycle.app, dirs_exist_ok=True)
    (lifecycle.app / "global.json").write_text('{"sdk": {"version": "9.0.100", "rollForward": "disable"}}')
    nuget_binding(lifecycle.platform / "bindings" / "nuget", str(dotnet_deps / "nuget"))
    res = lifecycle.build(bp, {**_mirror_env(dotnet_deps), "FUNC_RUNTIME_VERSION": "10.0"})
    assert res.code == 0, res.output
    assert "SDK 10.0.401 (FUNC_RUNTIME_VERSION=10.0: newest SDK of channel 10.0)" in res.out
    assert "global.json's sdk.version is overridden by FUNC_RUNTIME_VERSION=10.0" in res.out
    assert (lifecycle.app / "global.json").is_file()  # the user's file is untouched


def test_config_resolves_each_setting_once_in_precedence_order(tmp_path, capsys):
    from dotnet_buildpack import config
    from dotnet_buildpack.feed import OFFICIAL_BASE
    from funcpacks.log import Logger
    env = {"GOOGLE_BUILDABLE": "src/Api", "BP_DOTNET_PROJECT_PATH": "src/Other", "FUNC_DOTNET_TRIMMED": "true",
           "FUNC_NAME": "Fn", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http", "FUNC_RUNTIME_VERSION": "10.0",
           "BP_DOTNET_FRAMEWORK_VERSION": "8.0", "GOOGLE_BUILD_ARGS": "-p:A=1", "BP_DOTNET_PUBLISH_FLAGS": "-v:m",
           "FUNC_DOTNET_FEED": "https://mirror.example/dotnet/", "BP_IMAGE_LABELS": "team=x"}
    cfg = config.resolve(env, tmp_path, Logger("t"))
    assert (cfg.project.value, cfg.project.source) == ("src/Api", "GOOGLE_BUILDABLE")
    assert "GOOGLE_BUILDABLE='src/Api' wins over BP_DOTNET_PROJECT_PATH='src/Other'" in capsys.readouterr().out
    assert cfg.trimmed.source == "FUNC_DOTNET_TRIMMED"
    assert (cfg.target.value, cfg.signature.value) == ("Fn", "http")
    assert (cfg.sdk_request.value, cfg.sdk_request.source) == ("10.0", "FUNC_RUNTIME_VERSION")
    assert cfg.publish_args == ("-p:A=1", "-v:m")
    assert cfg.feed.base == "https://mirror.example/dotnet" and cfg.image_labels == {"team": "x"}
    plain = config.resolve({"FUNC_DOTNET_TRIMMED": "no", "GOOGLE_RUNTIME": "dotnet10",
                            "BP_DOTNET_FRAMEWORK_VERSION": "8.0"}, tmp_path, Logger("t"))
    assert plain.trimmed is None and plain.feed.base == OFFICIAL_BASE and plain.project is None
    assert (plain.sdk_request.source, plain.version_hint.value) == ("BP_DOTNET_FRAMEWORK_VERSION", "10")
