"""funcpacks/dotnet: its modules against recorded release metadata
(tests/fixtures/dotnet-feed, in the official schema) and the mirrored feed."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from funcpacks.errors import UserError
from funcpacks_dev.local_platform.mirrors import dotnet_feed_binding, nuget_binding
from funcpacks_dev.versions import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_FEED = FIXTURES / "dotnet-feed"
# An HTTP function of Google's .NET framework (class HelloWorld.Function) and a helper class.
GOOGLE_FUNCTION_SOURCE = FIXTURES / "dotnet" / "google-function"
OFFICIAL = "https://builds.dotnet.microsoft.com/dotnet"
WEB_PROJECT = ('<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n    <TargetFramework>{tfm}</TargetFramework>\n'
               '  </PropertyGroup>\n</Project>\n')


def fixture_feed():
    from dotnet_buildpack.feed import Feed
    return Feed(base=FIXTURE_FEED.as_uri())


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
    with pytest.raises(UserError) as err:
        sdk_choice.from_target_framework(tfm, fixture_feed(), "amd64")
    assert tfm in err.value.what and err.value.fix


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


def test_google_function_target_is_checked_against_the_sources(tmp_path):
    from dotnet_buildpack import function_check
    shutil.copytree(GOOGLE_FUNCTION_SOURCE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "obj").mkdir()
    (tmp_path / "obj" / "Generated.cs").write_text("namespace X { class Function : IHttpFunction {} }")
    assert function_check.check("HelloWorld.Function", "FUNC_NAME", tmp_path / "Fn.csproj", tmp_path)
    assert function_check.check("Function", "FUNC_NAME", tmp_path / "Fn.csproj", tmp_path)
    with pytest.raises(UserError) as exc:
        function_check.check("HelloWorld.Missing", "GOOGLE_FUNCTION_TARGET", tmp_path / "Fn.csproj", tmp_path)
    text = exc.value.render("t")
    assert "'HelloWorld.Missing' (GOOGLE_FUNCTION_TARGET) is not a class" in text
    assert "HelloWorld.Function (Function.cs)" in text and "X.Function" not in text and "Helper" not in text


def test_config_resolves_each_setting_once_in_precedence_order(tmp_path, capsys):
    from dotnet_buildpack import config
    from dotnet_buildpack.feed import OFFICIAL_BASE
    from funcpacks.log import Logger
    env = {"GOOGLE_BUILDABLE": "src/Api", "BP_DOTNET_PROJECT_PATH": "src/Other", "FUNC_DOTNET_TRIMMED": "true",
           "FUNC_NAME": "Fn", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http", "FUNC_RUNTIME_VERSION": "10.0",
           "BP_DOTNET_FRAMEWORK_VERSION": "8.0", "GOOGLE_BUILD_ARGS": "-p:A=1", "BP_DOTNET_PUBLISH_FLAGS": "-v:m",
           "FUNC_DOTNET_FEED": "https://mirror.example/dotnet/", "BP_IMAGE_LABELS": "team=x"}
    cfg = config.resolve(tmp_path, env, tmp_path, Logger("t"))
    assert (cfg.project.value, cfg.project.source) == ("src/Api", "GOOGLE_BUILDABLE")
    assert "GOOGLE_BUILDABLE='src/Api' wins over BP_DOTNET_PROJECT_PATH='src/Other'" in capsys.readouterr().out
    assert cfg.trimmed.source == "FUNC_DOTNET_TRIMMED"
    assert (cfg.target.value, cfg.signature.value) == ("Fn", "http")
    assert (cfg.sdk_request.value, cfg.sdk_request.source) == ("10.0", "FUNC_RUNTIME_VERSION")
    assert cfg.publish_args == ("-p:A=1", "-v:m")
    assert cfg.feed.base == "https://mirror.example/dotnet" and cfg.launch.image_labels == {"team": "x"}
    plain = config.resolve(tmp_path, {"FUNC_DOTNET_TRIMMED": "no", "GOOGLE_RUNTIME": "dotnet10",
                                      "BP_DOTNET_FRAMEWORK_VERSION": "8.0"}, tmp_path, Logger("t"))
    assert plain.trimmed is None and plain.feed.base == OFFICIAL_BASE and plain.project is None
    assert (plain.sdk_request.source, plain.version_hint.value) == ("BP_DOTNET_FRAMEWORK_VERSION", "10")


# -- the builder's own SDK -----------------------------------------------------------------
def test_the_builders_sdk_serves_requests_that_name_it_or_its_channel():
    from dotnet_buildpack.feed import SdkFile
    from dotnet_buildpack.project import GlobalJson
    from dotnet_buildpack.sdk_choice import from_bundled
    own = [SdkFile("10.0.401", "10.0.12", "10.0", "https://example.invalid/sdk.tar.gz", "ab" * 64)]

    def chosen(explicit="", gj=None, tfm="net10.0"):
        choice = from_bundled(own, explicit, "FUNC_RUNTIME_VERSION" if explicit else "", gj, tfm)
        return choice.why if choice else None

    assert chosen() == "TargetFramework net10.0: the builder's SDK of channel 10.0"
    assert chosen(tfm="net8.0") is None and chosen(tfm="netcoreapp3.1") is None  # the feed says which SDK
    for request in ("10.0", "10", "10.0.x", "10.0.*", "10.0.401", "10.0.12"):
        assert chosen(request) is not None, request
    assert chosen("10.0.402") is None and chosen("9.0") is None
    # global.json: an exact match under patch or disable; other policies may prefer a
    # newer SDK of the feed, and an unknown one is for the feed path to report
    assert chosen(gj=GlobalJson("10.0.401", "patch")) and chosen(gj=GlobalJson("10.0.401", "disable"))
    for policy in ("feature", "latestPatch", "major", "bogus"):
        assert chosen(gj=GlobalJson("10.0.401", policy)) is None, policy
    assert chosen(gj=GlobalJson("10.0.400", "patch")) is None


# -- run_image: which apps run-dotnet's runtime serves ----------------------------------
def _sdk_with(root: Path, frameworks: dict[str, str]) -> Path:
    for name, version in frameworks.items():
        (root / "shared" / name / version).mkdir(parents=True)
    aspnet = root / "shared" / "Microsoft.AspNetCore.App"
    for version_dir in aspnet.glob("*"):
        (version_dir / "Microsoft.AspNetCore.App.runtimeconfig.json").write_text(json.dumps(
            {"runtimeOptions": {"framework": {"name": "Microsoft.NETCore.App", "version": version_dir.name}}}))
    return root


def _asks(name: str, version: str) -> dict:
    return {"runtimeOptions": {"frameworks": [{"name": name, "version": version}]}}


def test_run_image_serves_what_its_runtime_resolves_and_nothing_else(tmp_path):
    from dotnet_buildpack import run_image
    sdk = _sdk_with(tmp_path, {"Microsoft.NETCore.App": "10.0.12", "Microsoft.AspNetCore.App": "10.0.12"})
    served = run_image.serves(sdk, _asks("Microsoft.AspNetCore.App", "10.0.0"))
    assert [(f.name, f.version) for f in served] == [("Microsoft.AspNetCore.App", "10.0.12"),
                                                     ("Microsoft.NETCore.App", "10.0.12")]
    rolled = run_image.serves(sdk, _asks("Microsoft.NETCore.App", "3.1.0"))
    assert [(f.version, f.major_roll) for f in rolled] == [("10.0.12", True)]
    assert run_image.serves(sdk, _asks("Microsoft.WindowsDesktop.App", "10.0.0")) is None
    assert run_image.serves(sdk, _asks("Microsoft.NETCore.App", "11.0.0")) is None
    assert [f"{f.name} {f.version}" for f in run_image.all_frameworks(sdk)] == [
        "Microsoft.AspNetCore.App 10.0.12", "Microsoft.NETCore.App 10.0.12"]


def test_only_builder_dotnet_says_its_run_image_carries_the_runtime(tmp_path):
    from dotnet_buildpack import config
    from funcpacks.log import Logger

    def carries(env):
        return config.resolve(tmp_path, env, tmp_path, Logger("t")).run_image_carries_runtime
    assert carries({"FUNCPACKS_RUN_IMAGE": "dotnet"})
    assert not carries({"FUNCPACKS_RUN_IMAGE": "static"}) and not carries({})


# -- restore_outputs: the package graph a rebuild publishes with --no-restore ------------
def _restored_project(work: Path, version: str = "[2.9.0, )") -> Path:
    obj = work / "src" / "App" / "obj"
    obj.mkdir(parents=True)
    (obj / "project.assets.json").write_text(json.dumps({"project": {"frameworks": {"net10.0": {
        "dependencies": {"CloudNative.CloudEvents": {"target": "Package", "version": version}}}}}}))
    (obj / "App.csproj.nuget.g.props").write_text("<Project />")
    (obj / "App.dll").write_text("build output, not restore's")
    return obj


def test_restore_outputs_come_back_only_under_the_same_key(tmp_path):
    from dotnet_buildpack import restore_outputs
    layer, work, fresh = tmp_path / "layer", tmp_path / "work", tmp_path / "fresh"
    _restored_project(work)
    (work / "key").mkdir()  # a project directory of that name cannot clash with the key
    restore_outputs.save(layer, work, "k1")
    assert sorted(p.name for p in (layer / ".restore-outputs" / "tree" / "src" / "App" / "obj").iterdir()) == [
        "App.csproj.nuget.g.props", "project.assets.json"]
    assert not restore_outputs.put_back(layer, fresh, "k2") and not fresh.exists()
    assert restore_outputs.put_back(layer, fresh, "k1")
    assert sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()) == [
        "src/App/obj/App.csproj.nuget.g.props", "src/App/obj/project.assets.json"]
    restore_outputs.forget(layer)
    assert not restore_outputs.put_back(layer, tmp_path / "again", "k1")


@pytest.mark.parametrize("version, central", [("[2.*, )", {}), ("[2.9.0, )", {"CloudNative.CloudEvents": "2.*"})])
def test_a_floating_version_is_restored_every_time(tmp_path, version, central):
    from dotnet_buildpack import restore_outputs
    layer, work = tmp_path / "layer", tmp_path / "work"
    obj = _restored_project(work, version)
    assets = json.loads((obj / "project.assets.json").read_text())
    assets["project"]["frameworks"]["net10.0"]["centralPackageVersions"] = central
    (obj / "project.assets.json").write_text(json.dumps(assets))
    restore_outputs.save(layer, work, "k")
    assert not restore_outputs.put_back(layer, tmp_path / "fresh", "k")


def test_the_restore_key_follows_imports_environment_and_inputs_but_not_the_container(tmp_path):
    from dotnet_buildpack import restore_outputs
    (tmp_path / "App.csproj").write_text("<Project />")
    base = restore_outputs.key(tmp_path, {"HOSTNAME": "a", "PATH": "/bin"}, "sdk 10.0.401")
    assert restore_outputs.key(tmp_path, {"HOSTNAME": "b", "PATH": "/bin", "CNB_BP_PLAN_PATH": "/tmp/p1/plan.toml"},
                               "sdk 10.0.401") == base
    assert restore_outputs.key(tmp_path, {"HOSTNAME": "a", "PATH": "/bin", "RestoreSources": "x"},
                               "sdk 10.0.401") != base
    assert restore_outputs.key(tmp_path, {"HOSTNAME": "a", "PATH": "/bin"}, "sdk 10.0.402") != base
    (tmp_path / "eng").mkdir()
    (tmp_path / "eng" / "Versions.props").write_text("<Project />")
    assert restore_outputs.key(tmp_path, {"HOSTNAME": "a", "PATH": "/bin"}, "sdk 10.0.401") != base


def test_the_sources_count_without_their_credentials(tmp_path):
    from dotnet_buildpack import nuget
    config = tmp_path / "nuget.config"
    body = ('<configuration><packageSources><add key="m" value="https://feed.example/v3" /></packageSources>'
            '<packageSourceCredentials><m><add key="ClearTextPassword" value="{}" /></m></packageSourceCredentials>'
            '</configuration>')
    config.write_text(body.format("s3cr3t"))
    first = nuget.without_credentials(config)
    config.write_text(body.format("other"))
    assert nuget.without_credentials(config) == first
    assert "s3cr3t" not in first and "https://feed.example/v3" in first
