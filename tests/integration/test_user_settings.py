"""Settings users of gcp-builder, OpenFunction's builders and Paketo already write, through
real pack, lifecycle and Docker: image labels of all three conventions, forcing the
language, Procfile processes, misspelt settings."""
from __future__ import annotations

import uuid

import pytest

from funcpacks_dev import docker_engine, funcbuild, versions
from helpers import SAMPLES, build, inspect, must_build, remove_image

DATA = versions.load()
GO_BUILDER = DATA["images"]["builder-go"]


@pytest.fixture
def tag():
    name = f"funcpacks-test/settings-{uuid.uuid4().hex[:8]}"
    yield name
    remove_image(name)


def run_process(image: str, process: str) -> docker_engine.Exited:
    return docker_engine.run(image, entrypoint=process, timeout=120)


def test_labels_of_three_conventions_on_one_image_and_a_misspelt_setting(tag):
    env = {"GOOGLE_LABEL_BUILD_ID": "b-17", "FUNC_LABEL_TEAM": "payments",
           "BP_IMAGE_LABELS": 'com.example.owner=ops "com.example.note=two words"',
           "BP_OCI_SOURCE": "https://git.example/fn", "GOOGLE_FUNCTON_TARGET": "Hello"}
    log = must_build(SAMPLES / "go-app", tag, env, builder=GO_BUILDER)
    labels = inspect(tag)["Config"]["Labels"]
    assert {k: labels.get(k) for k in ("google.build-id", "google.team", "com.example.owner", "com.example.note",
                                       "org.opencontainers.image.source")} == {
        "google.build-id": "b-17", "google.team": "payments", "com.example.owner": "ops",
        "com.example.note": "two words", "org.opencontainers.image.source": "https://git.example/fn"}
    warning = "GOOGLE_FUNCTON_TARGET is not a setting funcpacks knows; did you mean GOOGLE_FUNCTION_TARGET?"
    assert log.count(warning) == 1, log[-3000:]
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello, world")


# A Go app whose web process serves, and which also has a one-off "migrate" command.
GO_APP = """package main

import (
\t"fmt"
\t"net/http"
\t"os"
)

func main() {
\tif len(os.Args) > 1 && os.Args[1] == "migrate" {
\t\tfmt.Println("migrated", os.Args[2:])
\t\treturn
\t}
\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "web process") })
\thttp.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
"""


BOTH_PY = 'def hello(request):\n    return "built as python"\n'


def test_google_runtime_picks_the_language_of_a_mixed_source(tag, tmp_path):
    app = tmp_path / "both"
    app.mkdir()
    (app / "go.mod").write_text("module example.com/both\n\ngo 1.22\n")
    (app / "main.go").write_text(GO_APP)
    (app / "main.py").write_text(BOTH_PY)
    as_python = must_build(app, tag, {"GOOGLE_RUNTIME": "python313", "GOOGLE_FUNCTION_TARGET": "hello"})
    assert "asked for 3.13 in GOOGLE_RUNTIME" in as_python
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "built as python")
    must_build(app, tag, {"GOOGLE_RUNTIME": "go"})
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "web process")


def test_go_procfile_processes_run_without_a_shell(tag, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "go.mod").write_text("module example.com/procs\n\ngo 1.22\n")
    (app / "main.go").write_text(GO_APP)
    (app / "Procfile").write_text("web: app\nmigrate: app migrate --to 'v2 schema'\n")
    log = must_build(app, tag, {}, builder=GO_BUILDER)
    assert "process migrate: app migrate --to 'v2 schema' (from the Procfile)" in log
    proc = run_process(tag, "migrate")
    assert proc.returncode == 0 and proc.stdout.strip() == "migrated [--to v2 schema]", proc.stdout + proc.stderr
    with funcbuild.running(tag) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "web process")


@pytest.mark.parametrize("files, env, builder, needles", [
    ({"go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n"},
     {"GOOGLE_LABEL_1ST": "x"}, GO_BUILDER, ["GOOGLE_LABEL_1ST: the label name '1ST' must start with a letter"]),
    ({"go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n"},
     {"GOOGLE_RUNTIME": "ruby33"}, None, ["GOOGLE_RUNTIME='ruby33' is not a language funcpacks builds",
                                          "python, go, dotnet, nodejs"]),
    ({"go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n",
      "Procfile": "worker: app\n"}, {}, GO_BUILDER,
     ["the Procfile has no web process (it has: worker), and no entrypoint is set"]),
    ({"go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n"},
     {"GOOGLE_ENTRYPOINT": "./bin/server --port 8080"}, GO_BUILDER,
     ["GOOGLE_ENTRYPOINT runs ./bin/server, which is not in the image"]),
], ids=["label-key", "unknown-runtime", "procfile-without-web", "entrypoint-missing-file"])
def test_bad_settings_fail_with_the_rule(files, env, builder, needles, tmp_path, tag):
    app = tmp_path / "app"
    app.mkdir()
    for name, text in files.items():
        (app / name).write_text(text)
    proc = build(app, tag, env, builder=builder)
    assert proc.returncode != 0
    for needle in needles:
        assert needle in proc.stdout, proc.stdout[-4000:]
