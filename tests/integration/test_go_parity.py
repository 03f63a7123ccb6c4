"""Go functions as gcp-builder and OpenFunction users already have them: no go.mod,
Google's framework for GOOGLE_* settings, legacy background events, vendor/ (module and
GOPATH style), private modules behind an authenticated proxy, cgo. Real pack, lifecycle,
Docker and module proxy."""
from __future__ import annotations

import json
import shutil
import uuid

import pytest

from funcpacks_dev import docker_engine, funcbuild, versions
from helpers import (SAMPLES, answer, build, copy_sample, image_file_names, image_layers, inspect, must_build,
                     recording_server, remove_image)
from module_proxy import Module, make_ca, serving_modules

DATA = versions.load()
GO_BUILDER = DATA["images"]["builder-go"]
GENERAL_BUILDER = DATA["images"]["builder"]
GOOGLE_FRAMEWORK = "github.com/GoogleCloudPlatform/functions-framework-go"


def go_build(path, tag, env, builder=GO_BUILDER, bindings=None):
    return build(path, tag, env, bindings=bindings, builder=builder)


def must_go_build(path, tag, env, builder=GO_BUILDER, bindings=None) -> str:
    return must_build(path, tag, env, bindings=bindings, builder=builder)


@pytest.fixture
def tag():
    name = f"funcpacks-test/go-parity-{uuid.uuid4().hex[:8]}"
    yield name
    remove_image(name)


def test_no_go_mod_builds_a_generated_module_and_serves_every_path(tag, tmp_path):
    app = copy_sample("go-no-gomod", tmp_path)
    log = must_go_build(app, tag, {"GOOGLE_FUNCTION_TARGET": "Hello"})
    assert "no go.mod: a module functions.local/app is made for the build" in log
    assert "Google's functions framework: go.mod names no functions framework and GOOGLE_FUNCTION_TARGET is set" in log
    assert sorted(p.name for p in app.iterdir()) == ["hello.go"]  # the user's tree is untouched
    files = image_file_names(tag)
    generated = "layers/funcpacks_go/function/generated-module/"
    assert {generated + "go.mod", generated + "go.sum"} <= files
    assert not [n for n in files if n.startswith("workspace/") and n.endswith(("go.mod", "go.sum"))]
    with funcbuild.running(tag) as (container, port):
        first = funcbuild.wait_http(f"http://127.0.0.1:{port}/")
        assert first[0] == 200 and first[1].startswith("hello from ")
        # gcp-builder's images serve the target on every path
        for path in ("/Hello", "/any/where"):
            assert funcbuild.wait_http(f"http://127.0.0.1:{port}{path}") == first
    # the modules the build resolved are in the SBOM with their go.sum hashes
    sbom = _function_sbom(tag)
    uuid_component = next(c for c in sbom["components"] if c["name"] == "github.com/google/uuid")
    go_sum = _extract(tag, generated + "go.sum")
    assert f"github.com/google/uuid {uuid_component['version']} {uuid_component['properties'][0]['value']}" in go_sum


def _extract(tag: str, name: str) -> str:
    """One file's text from the image's layers ('' when absent)."""
    found = ""
    for layer in image_layers(tag):
        for m in layer:
            if m.name.lstrip("./") == name and m.isfile():
                found = layer.extractfile(m).read().decode()
    return found


def _function_sbom(tag: str) -> dict:
    text = _extract(tag, "layers/sbom/launch/funcpacks_go/function/sbom.cdx.json")
    assert text, "no SBOM for the function layer"
    return json.loads(text)


def test_background_event_function_gets_a_legacy_storage_event(tag):
    must_go_build(SAMPLES / "go-background-event", tag,
                  {"GOOGLE_FUNCTION_TARGET": "OnFinalize", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "event"})
    event = {"context": {"eventId": "1147091835525187", "timestamp": "2026-11-29T10:00:00.000Z",
                         "eventType": "google.storage.object.finalize",
                         "resource": {"service": "storage.googleapis.com", "type": "storage#object",
                                      "name": "projects/_/buckets/uploads/objects/report.csv"}},
             "data": {"bucket": "uploads", "name": "report.csv", "contentType": "text/csv"}}
    headers = {"Content-Type": "application/json"}
    with funcbuild.running(tag) as (container, port):
        status, _ = funcbuild.wait_http(f"http://127.0.0.1:{port}/", data=json.dumps(event).encode(), headers=headers)
        assert status == 200
        assert "uploaded gs://uploads/report.csv (text/csv)" in funcbuild.container_logs(container)
        # the function's own error is the framework's 500
        event["data"] = {"bucket": "uploads"}
        status, _ = funcbuild.wait_http(f"http://127.0.0.1:{port}/", data=json.dumps(event).encode(), headers=headers)
        assert status == 500
    env = inspect(tag)["Config"]["Env"]
    assert "FUNCTION_TARGET=OnFinalize" not in env  # launch env lives in the layer, set by the launcher


def test_vendored_module_builds_from_vendor_and_asks_the_proxy_for_no_module(tag):
    with recording_server() as (port, seen):
        log = must_go_build(SAMPLES / "go-vendored", tag, {
            "GOOGLE_FUNCTION_TARGET": "Greet",
            "FUNC_GOPROXY": f"http://127.0.0.1:{port},https://proxy.golang.org"})
    assert "built from vendor/ (vendor/modules.txt): no module is downloaded" in log
    assert f"{GOOGLE_FRAMEWORK}/funcframework is vendored" in log
    paths = [path for path, _ in seen]
    # the toolchain is the builder's: nothing at all is fetched through the proxy
    assert paths == [], paths
    status, body = answer(tag)
    assert status == 200 and body.startswith("vendored ")


def test_gopath_style_vendor_without_go_mod(tag, tmp_path):
    app = tmp_path / "app"
    (app / "vendor" / "example.com" / "shout").mkdir(parents=True)
    (app / "vendor" / "example.com" / "shout" / "shout.go").write_text(
        'package shout\n\nimport "strings"\n\n// Loud upper-cases s.\nfunc Loud(s string) string { return strings.ToUpper(s) + "!" }\n')
    (app / "fn.go").write_text(
        'package fn\n\nimport (\n\t"fmt"\n\t"net/http"\n\n\t"example.com/shout"\n)\n\n'
        '// Shout answers loudly.\nfunc Shout(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, shout.Loud("gopath")) }\n')
    log = must_go_build(app, tag, {"GOOGLE_FUNCTION_TARGET": "Shout"})
    assert "no go.mod but a vendor/ directory: built in GOPATH mode" in log
    assert f"vendor/ lacks {GOOGLE_FRAMEWORK}/funcframework: fetching {GOOGLE_FRAMEWORK}@" in log
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/x") == (200, "GOPATH!")


def test_cgo_function_runs_on_the_general_builder_and_is_refused_by_builder_go(tag):
    log = must_go_build(SAMPLES / "go-cgo", tag, {"GOOGLE_FUNCTION_TARGET": "Query", "CGO_ENABLED": "1"},
                        builder=GENERAL_BUILDER)
    assert "cgo enabled (CGO_ENABLED=1)" in log
    status, body = answer(tag)
    assert status == 200 and body.startswith("sqlite 3.") and body.endswith(" says 42\n"), body
    proc = go_build(SAMPLES / "go-cgo", tag + "-static", {"GOOGLE_FUNCTION_TARGET": "Query", "CGO_ENABLED": "1"})
    remove_image(tag + "-static")
    assert proc.returncode != 0
    assert "CGO_ENABLED=1 makes a binary that needs the C library" in proc.stdout
    assert "Go toolchain" not in proc.stdout  # refused before anything is downloaded


PRIVATE = "private.example/greeting"


def _private_fixture(tmp_path, port):
    app = tmp_path / "app"
    app.mkdir()
    (app / "go.mod").write_text(f"module example.com/usesprivate\n\ngo 1.22\n\nrequire {PRIVATE} v1.0.0\n")
    (app / "fn.go").write_text(
        f'package usesprivate\n\nimport (\n\t"fmt"\n\t"net/http"\n\n\t"{PRIVATE}"\n)\n\n'
        '// Hello answers with the private module\'s greeting.\n'
        'func Hello(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, greeting.Text()) }\n')
    env = {"GOOGLE_FUNCTION_TARGET": "Hello", "GOPRIVATE": "private.example", "GONOPROXY": "none",
           "FUNC_GOPROXY": f"https://127.0.0.1:{port},https://proxy.golang.org"}
    return app, env


def test_private_module_through_an_authenticated_proxy_with_a_netrc_binding(tag, tmp_path):
    ca = make_ca(tmp_path)
    secret = f"tok-{uuid.uuid4().hex}"
    module = Module(PRIVATE, "v1.0.0", {
        "go.mod": f"module {PRIVATE}\n\ngo 1.22\n",
        "greeting.go": 'package greeting\n\n// Text is the greeting.\nfunc Text() string { return "hello from a private module" }\n'})
    ca_binding = tmp_path / "proxy-ca"
    ca_binding.mkdir()
    (ca_binding / "type").write_text("ca-certificates")
    shutil.copy(ca.ca_cert, ca_binding / "proxy-ca.crt")
    with serving_modules([module], "funcpacks-bot", secret, ca) as (port, asked):
        app, env = _private_fixture(tmp_path, port)
        netrc = tmp_path / "module-credentials"
        netrc.mkdir()
        (netrc / "type").write_text("netrc")
        (netrc / ".netrc").write_text(f"machine 127.0.0.1:{port}\n  login funcpacks-bot\n  password {secret}\n")
        # without the binding: the proxy's 401, and what to do about it
        refused = go_build(app, tag, env, bindings=[ca_binding])
        assert refused.returncode != 0
        assert "answered 401 Unauthorized" in refused.stdout and "service binding of type netrc" in refused.stdout
        log = must_go_build(app, tag, env, bindings=[ca_binding, netrc])
    assert f"credentials for 127.0.0.1:{port} from the netrc binding 'module-credentials' (build only)" in log
    assert (f"/{PRIVATE}/@v/v1.0.0.zip", True) in asked.seen
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello from a private module")
    # the credentials are nowhere: not in the log, the image's config, or any file of the image
    assert secret not in log
    assert secret not in json.dumps(inspect(tag))
    saved = docker_engine.save(tag).read()
    assert secret.encode() not in saved and b"funcpacks-bot" not in saved
