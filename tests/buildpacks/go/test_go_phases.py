"""funcpacks/go: bin/detect and bin/build run as the lifecycle runs them: detect, the
build's early decisions before any download, and whole builds with the builder's own
toolchain, across restores of their cache layers."""
from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest

from funcpacks_dev import versions
from funcpacks_dev.versions import ROOT

# A small Go app with one module dependency: quick to build, and it fills both Go caches
# (the builder's seed has another version of that module, v1.6.0, and none of the app's).
GO_APP = ROOT / "tests" / "fixtures" / "go" / "uuid-app"
HELLO = ROOT / "samples" / "hello-world-go"

BUILDPACK = "go"


def test_detect_go_mod_or_go_files(lifecycle, bp):
    (lifecycle.app / "go.mod").write_text("module example.com/x\n\ngo 1.17\n")
    res, plan = lifecycle.detect(bp, {"FUNC_NAME": "HelloWorld"})
    assert res.code == 0, res.output
    assert plan == {"provides": [{"name": "go"}], "requires": [{"name": "go"}]}
    (lifecycle.app / "go.mod").unlink()
    (lifecycle.app / "main.go").write_text("package main\n")
    res, plan = lifecycle.detect(bp)
    assert res.code == 0 and plan == {"provides": [{"name": "go"}], "requires": [{"name": "go"}]}


def test_detect_fails_without_go(lifecycle, bp):
    (lifecycle.app / "main.py").write_text("")
    res, _ = lifecycle.detect(bp, {"FUNC_NAME": "x"})
    assert res.code == 100 and "not a Go project" in res.output


@pytest.mark.parametrize("env, needles", [
    ({"CGO_ENABLED": "1", "FUNCPACKS_RUN_IMAGE": "static"}, ["needs the C library", "funcpacks/builder"]),
    ({"CGO_ENABLED": "yes"}, ["CGO_ENABLED='yes' is neither 0 nor 1"]),
    ({"FUNC_NAME": "A", "GOOGLE_FUNCTION_TARGET": "B"},
     ["GOOGLE_FUNCTION_TARGET='B' and FUNC_NAME='A' name different functions", "GOOGLE_FUNCTION_TARGET would win"]),
], ids=["cgo-on-static-run-image", "cgo-bad-value", "two-targets"])
def test_build_refuses_bad_settings_before_any_download(lifecycle, bp, env, needles):
    (lifecycle.app / "go.mod").write_text("module example.com/x\n\ngo 1.22\n")
    res = lifecycle.build(bp, env)
    assert res.code == 1, res.out
    for needle in needles:
        assert needle in res.err
    assert "Go toolchain" not in res.out


@pytest.mark.parametrize("files, needle", [
    ({"type": "netrc", "netrc": "machine x login u password p\n"}, "has no .netrc entry (entries: netrc)"),
    ({"type": "netrc", ".netrc": "# nothing\n"}, "names no machine"),
    ({"type": "git-credentials", "credentials": "protocol=https\nhost=git.corp\nusername=u\n"}, "lacks password"),
    ({"type": "netrc", ".netrc": "default login u password p\n"}, "has a 'default' entry"),
    ({"type": "netrc", ".netrc": 'machine h login u password "two words"\n'}, "a white-space in the password"),
], ids=["netrc-entry-missing", "netrc-empty", "git-credentials-incomplete", "netrc-default", "netrc-spaces"])
def test_build_refuses_bad_credential_bindings(lifecycle, bp, files, needle):
    (lifecycle.app / "go.mod").write_text("module example.com/x\n\ngo 1.22\n")
    binding = lifecycle.platform / "bindings" / "private"
    binding.mkdir(parents=True)
    for name, text in files.items():
        (binding / name).write_text(text)
    res = lifecycle.build(bp)
    assert res.code == 1 and needle in res.err, res.err
    assert "password p" not in res.out + res.err


def test_build_rejects_unreadable_go_version(lifecycle, bp):
    (lifecycle.app / "go.mod").write_text("module example.com/x\n\ngo 1.17\n")
    res = lifecycle.build(bp, {"FUNC_RUNTIME_VERSION": "latest"})
    assert res.code == 1 and "cannot read the Go version 'latest'" in res.err and "FUNC_RUNTIME_VERSION" in res.err


# -- the builder's own toolchain --------------------------------------------------------
@pytest.mark.slow
def test_build_uses_the_bundled_toolchain_in_place_and_downloads_nothing(lifecycle, packaged_with_bundles, snapshot):
    bp = packaged_with_bundles["go"]
    bundled = bp / "bundled"  # the toolchain and the seed
    before = snapshot(bundled)
    # a `go` layer cached by an earlier build, from a builder without the toolchain
    layers = lifecycle.layers(bp)
    (layers / "go" / "bin").mkdir(parents=True)
    (layers / "go.toml").write_text('[metadata]\nversion = "1.25.0"\narch = "amd64"\nlayout = "3"\n')
    (lifecycle.app / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (lifecycle.app / "main.go").write_text('package main\n\nfunc main() { println("hi") }\n')
    # GOPROXY=off: any download (toolchain or module) would fail the build
    res = lifecycle.build(bp, {"GOPROXY": "off"})
    assert res.code == 0, res.output
    version = versions.get("go.toolchain")
    assert f"Go {version} (default {version}): the builder's toolchain, used in place" in res.out
    assert not (layers / "go").exists() and not (layers / "go.toml").exists()  # the old one is dropped
    assert (layers / "function" / "bin" / "app").is_file()
    assert snapshot(bundled) == before  # never written to


# -- whole builds, with the cache layers restored between them --------------------------
def _app(lifecycle, bp) -> Path:
    """The app in place; the layers directory."""
    shutil.copytree(GO_APP, lifecycle.app, dirs_exist_ok=True)
    return lifecycle.layers(bp)


def _build(lifecycle, bp) -> str:
    res = lifecycle.build(bp)
    assert res.code == 0, res.output
    assert "the builder's toolchain, used in place" in res.out
    return res.out


def _files_and_bytes(directory: Path) -> tuple[int, int]:
    files = [p for p in directory.rglob("*") if p.is_file() or p.is_symlink()]
    return len(files), sum(p.lstat().st_size for p in files if p.is_file())


def _outputs_holding(build_cache: Path, text: bytes) -> list[Path]:
    return [p for p in build_cache.glob("??/*-d") if p.is_file() and text in p.read_bytes()]


def _outputs_less_indexes(build_cache: Path) -> dict[str, int]:
    """The output files and their sizes, less the go command's package indexes: it indexes
    a package outside the module cache only when its files are over 2 s old, so whether
    the app's own package (copied at the start of the build) gets one depends on timing."""
    return {p.name: p.stat().st_size for p in build_cache.glob("??/*-d")
            if p.is_file() and not p.read_bytes().startswith(b"go index")}


@pytest.mark.slow
def test_build_cache_keeps_what_the_last_build_used_and_stays_the_same_size(lifecycle, packaged_with_bundles):
    bp = packaged_with_bundles["go"]
    layers = _app(lifecycle, bp)
    cache = layers / "go-build-cache"
    out = _build(lifecycle, bp)
    assert "Building layer 'go-build-cache': no cached copy" in out and "dropped" not in out
    assert _outputs_holding(cache, b"hello, %s\n")  # the app's compiled package

    lifecycle.restore_as_cache(bp)
    main = lifecycle.app / "main.go"
    main.write_text(main.read_text().replace("hello, %s", "hi, %s"))
    out = _build(lifecycle, bp)
    assert "Reusing layer 'go-build-cache'" in out and "this build did not use" in out
    # what only the first build used is gone: its compiled package of the app among them
    assert not _outputs_holding(cache, b"hello, %s\n") and _outputs_holding(cache, b"hi, %s\n")

    sizes, outputs = [], []
    for _ in range(3):  # rebuilds without a change
        lifecycle.restore_as_cache(bp)
        out = _build(lifecycle, bp)
        sizes.append(_files_and_bytes(cache))
        outputs.append(_outputs_less_indexes(cache))
        seal = tomllib.loads((layers / "go-build-cache.toml").read_text())["metadata"]["seal"]
        assert (seal["files"], seal["bytes"]) == sizes[-1]
        assert f"build cache sealed: {sizes[-1][0]} files / " in out
    assert outputs[0] == outputs[1] == outputs[2]
    # stable: at most the app's package index (an action and an output file) comes and goes
    files, size = zip(*sizes)
    assert max(files) - min(files) <= 2 and max(size) - min(size) <= 4096, sizes


@pytest.mark.slow
def test_damaged_cache_layers_are_rebuilt_not_used(lifecycle, packaged_with_bundles):
    """Half a module source would not compile (or would compile into something else), and
    half a compiled package is a miss at best: both layers are rebuilt instead."""
    bp = packaged_with_bundles["go"]
    layers = _app(lifecycle, bp)
    _build(lifecycle, bp)
    lifecycle.restore_as_cache(bp)
    module_file = layers / "go-mod-cache" / "github.com" / "google" / "uuid@v1.5.0" / "uuid.go"
    size = module_file.stat().st_size
    biggest_output = max(layers.glob("go-build-cache/??/*-d"), key=lambda p: p.stat().st_size)
    for damaged in (module_file, biggest_output):
        damaged.chmod(0o644)  # the go command leaves module files read-only
        os.truncate(damaged, damaged.stat().st_size // 2)

    out = _build(lifecycle, bp)
    for name in ("go-mod-cache", "go-build-cache"):
        line = next(line for line in out.splitlines() if f"Building layer '{name}'" in line)
        assert "contents damaged:" in line and " recorded, " in line and " found" in line, line
    assert module_file.stat().st_size == size  # downloaded again
    assert (layers / "function" / "bin" / "app").is_file()


# -- the builder's seed -------------------------------------------------------------------
@pytest.mark.slow
def test_a_function_on_a_default_framework_builds_from_the_seed_offline(lifecycle, packaged_with_bundles, snapshot):
    """The seed holds what a build of a function on each default framework leaves in the
    caches: such a function downloads nothing and compiles only its own packages, the seed
    is read in place and never written, and the cache layers keep only what it lacks."""
    bp = packaged_with_bundles["go"]
    bundled = bp / "bundled"
    before = snapshot(bundled)
    shutil.copytree(HELLO, lifecycle.app, dirs_exist_ok=True)
    layers = lifecycle.layers(bp)
    res = lifecycle.build(bp, {"FUNC_NAME": "HelloWorld", "GOPROXY": "off"})
    assert res.code == 0, res.output
    assert "module cache: the builder's seed linked in" in res.out
    assert "build cache: the builder's seed is read in place" in res.out
    assert (layers / "function" / "bin" / "function").is_file()
    assert snapshot(bundled) == before
    # the links are gone: the module cache holds nothing of the framework's graph, the
    # build cache only the function's own packages (a few entries, not thousands)
    modcache, buildcache = layers / "go-mod-cache", layers / "go-build-cache"
    assert not [p for p in modcache.rglob("*") if p.is_symlink()]
    assert not list(modcache.glob("github.com/*/*@*")), sorted(modcache.rglob("*"))[:20]
    files, size = _files_and_bytes(buildcache)
    assert files < 60 and size < 5_000_000, (files, size)
    assert _outputs_holding(buildcache, b"hello, %s!")  # the function's compiled package

    # a rebuild after a change: the same, from the restored layers
    lifecycle.restore_as_cache(bp)
    hello = lifecycle.app / "hello.go"
    hello.write_text(hello.read_text().replace("hello, %s!", "hi, %s!"))
    res = lifecycle.build(bp, {"FUNC_NAME": "HelloWorld", "GOPROXY": "off"})
    assert res.code == 0, res.output
    assert "Reusing layer 'go-build-cache'" in res.out and "Reusing layer 'go-mod-cache'" in res.out
    assert _outputs_holding(buildcache, b"hi, %s!") and not _outputs_holding(buildcache, b"hello, %s!")
    assert snapshot(bundled) == before


@pytest.mark.slow
@pytest.mark.parametrize("sample", ["knative-go-http", "knative-go-cloudevents"])
def test_a_knative_function_builds_from_the_seed_offline(lifecycle, packaged_with_bundles, sample):
    """func's templates as `func create` writes them: the build adds knative.dev/func-go at
    its pin and compiles the generated main with the module proxy turned off."""
    bp = packaged_with_bundles["go"]
    shutil.copytree(ROOT / "samples" / sample, lifecycle.app, dirs_exist_ok=True)
    res = lifecycle.build(bp, {"GOPROXY": "off"})
    assert res.code == 0, res.output
    invoke = "cloudevent" if "cloudevents" in sample else "http"
    assert f"Knative Functions: func.yaml says runtime: go; an instanced {invoke} function" in res.out
    assert f"adding knative.dev/func-go@{versions.get('go.knative-func-go')}" in res.out
    assert "go: downloading" not in res.output
    binary = lifecycle.layers(bp) / "function" / "bin" / "function"
    assert binary.is_file() and os.access(binary, os.X_OK)
    files, _ = _files_and_bytes(lifecycle.layers(bp) / "go-build-cache")
    assert files < 60, files  # the function's own package and main: func-go came compiled in the seed


@pytest.mark.slow
def test_a_cache_layer_filled_without_the_seed_starts_empty_with_it(lifecycle, packaged, packaged_with_bundles):
    """What a builder without the seed cached would be a copy of the seed: dropped once."""
    layers = _app(lifecycle, packaged["go"])
    res = lifecycle.build(packaged["go"])
    assert res.code == 0, res.output
    lifecycle.restore_as_cache(packaged["go"])
    bp = packaged_with_bundles["go"]
    out = _build(lifecycle, bp)
    for name in ("go-mod-cache", "go-build-cache"):
        line = next(line for line in out.splitlines() if f"layer '{name}'" in line)
        assert line.strip().startswith(f"Building layer '{name}'") and "seed" in line, line
    assert (layers / "go-mod-cache" / "github.com" / "google" / "uuid@v1.5.0").is_dir()


@pytest.mark.slow
@pytest.mark.parametrize("target_var", ["FUNC_NAME", "GOOGLE_FUNCTION_TARGET"])
def test_a_function_without_go_sum_gets_its_framework_from_the_seed_offline(lifecycle, packaged_with_bundles,
                                                                            target_var):
    """The build adds the framework (go get at its pin) and resolves its whole module graph
    with the module proxy turned off: the seed has the modules and the checksum database's
    answers for them."""
    bp = packaged_with_bundles["go"]
    (lifecycle.app / "go.mod").write_text("module example.com/fn\n\ngo 1.22\n")
    (lifecycle.app / "fn.go").write_text('package fn\n\nimport "net/http"\n\n'
                                         'func Hello(w http.ResponseWriter, r *http.Request) {}\n')
    res = lifecycle.build(bp, {target_var: "Hello", "GOPROXY": "off"})
    assert res.code == 0, res.output
    assert "adding github.com/" in res.out and "go: downloading" not in res.output
    assert (lifecycle.layers(bp) / "function" / "bin" / "function").is_file()
