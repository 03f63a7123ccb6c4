"""The Go buildpack through real pack, lifecycle, Docker, the Go module proxy and the
functions frameworks."""
from __future__ import annotations

import json
import uuid

import pytest

from funcpacks_dev import docker_engine, funcbuild, versions
from helpers import SAMPLES, copy_sample, image_file_names, inspect, recording_server, remove_image

DATA = versions.load()
GO_BUILDER = DATA["images"]["builder-go"]
CE_HEADERS = {"ce-specversion": "1.0", "ce-type": "com.example.go", "ce-source": "/tests", "ce-id": "go-1",
              "Content-Type": "application/json"}


def go_build(path, tag, env, builder=GO_BUILDER, extra=None):
    return funcbuild.pack_build(path, tag, env, extra, capture=True, builder_image=builder)


def must(proc):
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc.stdout


@pytest.fixture
def tag():
    name = f"funcpacks-test/go-{uuid.uuid4().hex[:8]}"
    yield name
    remove_image(name)


@pytest.fixture(scope="module")
def hello(tmp_path_factory):
    """hello-world-go built once with the Go builder (later tests rebuild the same tag)."""
    name = f"funcpacks-test/go-hello-{uuid.uuid4().hex[:6]}"
    app = copy_sample("hello-world-go", tmp_path_factory.mktemp("hello"))
    log = must(go_build(app, name, {"FUNC_NAME": "HelloWorld"}))
    yield name, app, log
    remove_image(name)


def test_hello_world_go_is_small_and_answers_on_port(hello):
    name, _, log = hello
    version = DATA["go"]["toolchain"]
    assert f"Go {version} (default {version}): the builder's toolchain, used in place" in log
    assert "Building layer 'go'" not in log and "verified h1:" not in log  # nothing downloaded
    assert inspect(name)["Size"] <= 20_000_000
    with funcbuild.running(name) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/funcpacks") == (200, "hello, funcpacks!\n")
    # a FUNC_CONTEXT set by OpenFunction wins over PORT
    ctx = json.dumps({"name": "x", "version": "v1", "port": "0", "runtime": "Knative"})
    other = funcbuild.free_port()
    with funcbuild.running(name, env={"FUNC_CONTEXT": ctx.replace('"0"', f'"{other}"')}) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{other}/ctx") == (200, "hello, ctx!\n")


def test_warm_rebuild_reuses_modules_and_build_cache(hello):
    name, app, _ = hello
    before = json.loads(inspect(name)["Config"]["Labels"]["io.buildpacks.lifecycle.metadata"])
    source = app / "hello.go"
    original = source.read_text()
    source.write_text(original.replace('"hello, %s!\\n"', '"hi, %s!\\n"'))
    try:
        _check_warm_rebuild(name, app, before)
    finally:  # the module's image answers "hello" again, whatever the order of the tests
        source.write_text(original)
        must(go_build(app, name, {"FUNC_NAME": "HelloWorld"}))


def _check_warm_rebuild(name, app, before):
    log = must(go_build(app, name, {"FUNC_NAME": "HelloWorld"}))
    for layer in ("go-mod-cache", "go-build-cache"):
        assert f"Reusing layer '{layer}': metadata matches" in log
    assert "the builder's toolchain, used in place" in log and "funcpacks/go:go'" not in log
    after = json.loads(inspect(name)["Config"]["Labels"]["io.buildpacks.lifecycle.metadata"])
    assert after["launcher"]["sha"] == before["launcher"]["sha"]
    assert after["runImage"]["topLayer"] == before["runImage"]["topLayer"]
    fn = lambda m: next(b for b in m["buildpacks"] if b["key"] == "funcpacks/go")["layers"]["function"]["sha"]  # noqa: E731
    assert fn(after) != fn(before)
    with funcbuild.running(name) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/again") == (200, "hi, again!\n")


def test_another_go_version_is_downloaded_verified_and_cached(tag):
    """A version the builder does not carry comes from the proxy into the `go` cache layer."""
    env = {"BP_GO_VERSION": "1.25"}
    log = must(go_build(SAMPLES / "go-app", tag, env))
    assert "Building layer 'go': Go 1.25." in log and "(BP_GO_VERSION=1.25: its newest release; not the builder's)" in log
    assert "verified h1:" in log and "checksum database" in log
    assert "Adding cache layer 'funcpacks/go:go'" in log
    again = must(go_build(SAMPLES / "go-app", tag, env))
    assert "Reusing layer 'go': metadata matches" in again and "verified h1:" not in again
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello, world")


@pytest.mark.parametrize("image", [DATA["images"]["builder"], GO_BUILDER])
def test_bundled_toolchains_are_read_only_for_the_build_user(image):
    """The builder's toolchains belong to root: the build user reads them and writes nothing."""
    user = f"{DATA['stack']['build-user-id']}:{DATA['stack']['group-id']}"
    script = ("set -e; ls -d /cnb/buildpacks/*/*/bundled/*/; "
              "echo writable: $(find /cnb/buildpacks/*/*/bundled -writable | wc -l); "
              "echo not-root: $(find /cnb/buildpacks/*/*/bundled ! -user root | wc -l)")
    out = docker_engine.run(image, ["-c", script], entrypoint="/bin/sh", user=user, timeout=120, check=True).stdout
    assert f"go{DATA['go']['toolchain']}.linux-amd64/" in out
    if image == DATA["images"]["builder"]:
        assert f"dotnet-sdk-{DATA['dotnet']['sdk']}-linux-amd64/" in out
    assert "writable: 0" in out and "not-root: 0" in out, out


@pytest.mark.parametrize("sample, env, builder, path, expected", [
    ("hello-world-go", {"GOOGLE_FUNCTION_TARGET": "HelloWorld"}, DATA["images"]["builder"], "/gcp", "hello, gcp!\n"),
    ("go-google-function", {"GOOGLE_FUNCTION_TARGET": "Hello"}, GO_BUILDER, "/", "hello, world"),
    ("go-app", {}, GO_BUILDER, "/", "hello, world"),
], ids=["hello-world-go-GOOGLE-general-builder", "google-framework", "plain-app"])
def test_go_samples_answer(sample, env, builder, path, expected, tag):
    must(go_build(SAMPLES / sample, tag, env, builder))
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}{path}") == (200, expected)


def test_unregistered_name_with_openfunction_serves_every_registered_function(tag):
    log = must(go_build(SAMPLES / "go-two-handlers", tag, {"FUNC_NAME": "Nope", "FUNC_CLEAR_SOURCE": "true"}))
    assert "function 'Nope' is not registered" in log and "will serve: Greet, Receive" in log
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/greet") == (200, "hello, world")
        status, _ = funcbuild.wait_http(f"http://127.0.0.1:{port}/events", data=b"{}", headers=CE_HEADERS)
        assert 200 <= status < 300
        assert "received com.example.go go-1" in funcbuild.container_logs(container)
    # FUNC_CLEAR_SOURCE: the function's source is not in the image's /workspace
    files = image_file_names(tag)
    assert "workspace" in files or "workspace/" in files
    assert not [n for n in files if n.startswith("workspace/") and n.endswith((".go", "go.mod", "go.sum"))]


def test_two_builds_without_cache_give_the_same_image(tag):
    other = tag + "-again"
    try:
        for t in (tag, other):
            must(go_build(SAMPLES / "go-google-function", t, {"GOOGLE_FUNCTION_TARGET": "Hello"}, extra=["--clear-cache"]))
        assert inspect(tag)["Id"] == inspect(other)["Id"]
    finally:
        remove_image(other)


def _app(tmp_path, files):
    app = tmp_path / "app"
    app.mkdir()
    for n, t in files.items():
        (app / n).write_text(t)
    return app


GO_MOD = "module example.com/app\n\ngo 1.22\n"


@pytest.mark.parametrize("case, files, env, needles", [
    ("target not registered (Google framework)", None, {"GOOGLE_FUNCTION_TARGET": "Helo"},
     ["function 'Helo' is not registered", "Hello"]),
    ("compile error", {"go.mod": GO_MOD, "main.go": "package main\n\nfunc main() {\n\tundefinedCall()\n}\n"}, {},
     ["the Go build failed", "main.go:4:2: undefined: undefinedCall"]),
    ("toolchain the proxy lacks", {"go.mod": "module example.com/app\n\ngo 1.22\n\ntoolchain go1.99.1\n",
                                   "main.go": "package main\n\nfunc main() {}\n"}, {},
     ["Go 1.99.1 (go.mod toolchain line 1.99.1) is not available from the Go proxy", "v0.0.1-go1.99.1.linux-amd64.zip"]),
    ("no go.mod and no .go files", {}, {"FUNC_NAME": "X"}, ["No buildpack groups passed detection", "not a Go project"]),
    ("no go.mod, an import no module provides",
     {"fn.go": 'package fn\n\nimport (\n\t"net/http"\n\n\t"github.com/funcpacks-example/no-such-module/pkg"\n)\n\n'
               'func F(w http.ResponseWriter, r *http.Request) { pkg.Do() }\n'}, {"GOOGLE_FUNCTION_TARGET": "F"},
     ["no module provides the import 'github.com/funcpacks-example/no-such-module/pkg'", "where: fn.go",
      "commit a go.mod and go.sum that require the module"]),
    ("event function whose data is not a struct or map",
     {"go.mod": GO_MOD, "ev.go": 'package ev\n\nimport "context"\n\nfunc OnText(ctx context.Context, s string) error { return nil }\n'},
     {"GOOGLE_FUNCTION_TARGET": "OnText", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "event"},
     ["function 'OnText' cannot be served by Google's functions framework: its data parameter has type string, "
      "which is not a struct or map type", "event: func(ctx context.Context, data T) error"]),
    ("FUNC_NAME and GOOGLE_FUNCTION_TARGET disagree", {"go.mod": GO_MOD, "fn.go": "package fn\n"},
     {"FUNC_NAME": "A", "GOOGLE_FUNCTION_TARGET": "B"},
     ["GOOGLE_FUNCTION_TARGET='B' and FUNC_NAME='A' name different functions", "GOOGLE_FUNCTION_TARGET would win, as in gcp-builder"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_input_fails_with_a_clear_message(case, files, env, needles, tmp_path, tag):
    app = copy_sample("go-google-function", tmp_path) if files is None else _app(tmp_path, files)
    proc = go_build(app, tag, env)
    assert proc.returncode != 0
    for needle in needles:
        assert needle in proc.stdout, proc.stdout[-4000:]


def test_goproxy_credentials_never_reach_the_image(tag):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    with recording_server() as (port, seen):
        # A token in the path, as some private proxies take it (the go command rightly
        # refuses user:password over plain http, and only 127.0.0.1 is reachable here).
        proxy = f"http://127.0.0.1:{port}/{secret}/mod"
        # An app whose module the builder's seed lacks (a seeded function downloads nothing).
        must(go_build(versions.ROOT / "tests" / "fixtures" / "go" / "uuid-app", tag,
                      {"FUNC_GOPROXY": f"{proxy},https://proxy.golang.org"}))
    assert any(secret in path for path, _ in seen), "the build never asked FUNC_GOPROXY's first proxy"
    assert secret not in json.dumps(inspect(tag))
    assert secret.encode() not in docker_engine.save(tag).read()


def test_buildable_selects_the_main_package(tmp_path, tag):
    app = _app(tmp_path, {"go.mod": GO_MOD, "tool.go": "package app\n\n// Version is shared by the commands.\nconst Version = \"1\"\n"})
    (app / "cmd" / "server").mkdir(parents=True)
    (app / "cmd" / "server" / "main.go").write_text(
        (SAMPLES / "go-app" / "main.go").read_text().replace('"hello, world"', '"hello from cmd/server"'))
    must(go_build(app, tag, {"FUNC_BUILDABLE": "./cmd/server"}))
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello from cmd/server")


def _vendored_without(tmp_path, edit):
    app = copy_sample("go-vendored", tmp_path)
    edit(app)
    return app


@pytest.mark.parametrize("case, edit, needles", [
    ("go.mod requires a module vendor/ lacks",
     lambda app: (app / "go.mod").write_text((app / "go.mod").read_text() + "\nrequire golang.org/x/text v0.3.7\n"),
     ["vendor/ does not match go.mod", "inconsistent vendoring", "run 'go mod vendor'"]),
    ("go.mod names no framework",
     lambda app: ((app / "framework.go").unlink(), (app / "go.mod").write_text(
         "\n".join(line for line in (app / "go.mod").read_text().splitlines() if "functions-framework-go" not in line))),
     ["go.mod does not require github.com/GoogleCloudPlatform/functions-framework-go, and a vendored build downloads nothing",
      'import _ "github.com/GoogleCloudPlatform/functions-framework-go/funcframework"', "go mod tidy && go mod vendor"]),
], ids=["inconsistent", "no-framework"])
def test_bad_vendored_tree_fails_with_the_fix(case, edit, needles, tmp_path, tag):
    proc = go_build(_vendored_without(tmp_path, edit), tag, {"GOOGLE_FUNCTION_TARGET": "Greet"})
    assert proc.returncode != 0
    for needle in needles:
        assert needle in proc.stdout, proc.stdout[-4000:]
