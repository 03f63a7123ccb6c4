"""funcpacks/go: bin/detect and bin/build run as the lifecycle runs them (detect, the
build's early decisions before any download, and builds with the builder's own toolchain)."""
from __future__ import annotations

import pytest

from funcpacks_dev import versions


BUILDPACK = "go"


def test_detect_go_mod_or_go_files(lifecycle, bp):
    (lifecycle.app / "go.mod").write_text("module example.com/x\n\ngo 1.17\n")
    res, plan = lifecycle.detect(bp, {"FUNC_NAME": "HelloWorld"})
    assert res.code == 0, res.output
    assert plan["requires"] == [{"name": "go", "metadata": {"mode": "function"}}]
    (lifecycle.app / "go.mod").unlink()
    (lifecycle.app / "main.go").write_text("package main\n")
    res, plan = lifecycle.detect(bp)
    assert res.code == 0 and plan["requires"][0]["metadata"] == {"mode": "app"}


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
def test_build_uses_the_bundled_toolchain_in_place_and_downloads_nothing(lifecycle, packaged_with_bundles, snapshot):
    bp = packaged_with_bundles["go"]
    (bundled,) = [p for p in (bp / "bundled").iterdir() if p.is_dir()]
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
