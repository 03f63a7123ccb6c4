"""Knative Functions (func) functions through real pack, lifecycle and Docker: func's own
templates as `func create` writes them, built with the Go builder and served by
knative.dev/func-go, the way func's images serve them."""
from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest
import requests

from funcpacks_dev import docker_engine, funcbuild, versions
from helpers import build, copy_sample, inspect, must_build, remove_image

DATA = versions.load()
GO_BUILDER = DATA["images"]["builder-go"]
PYTHON_BUILDER = DATA["images"]["builder-python"]
# What func's pack builder passes to every Go build (knative/func pkg/buildpacks/builder.go).
FUNC_ENV = {"BPE_DEFAULT_LISTEN_ADDRESS": "[::]:8080", "BP_GO_WORKDIR": ".func/build"}
# ... and to a Python build, with its scaffolding and pre-buildpack (tests/fixtures/knative).
FUNC_PYTHON_ENV = {"BPE_DEFAULT_LISTEN_ADDRESS": "[::]:8080", "BP_PROCFILE_DEFAULT_PROCESS": "python -m service.main"}
FUNC_PYTHON_BUILD = Path(__file__).resolve().parents[1] / "fixtures" / "knative" / "python-build"
CE_HEADERS = {"ce-specversion": "1.0", "ce-type": "com.example.knative", "ce-source": "/tests", "ce-id": "kn-1",
              "Content-Type": "application/json"}


def _scaffold_as_func_build_does(app: Path) -> None:
    """What `func build --builder pack` leaves in the source before pack runs: its
    scaffolding module in .func/build (a main of its own, `replace function => ./f`) with
    `f` a relative link back to the function's root."""
    scaffold = app / ".func" / "build"
    scaffold.mkdir(parents=True)
    (scaffold / "go.mod").write_text("module s\n\nreplace function => ./f\n\ngo 1.25.0\n")
    (scaffold / "main.go").write_text('package main\n\nimport f "function"\n\nfunc main() { _ = f.New() }\n')
    (scaffold / "f").symlink_to("../..")


def _build(sample: str, tmp_path_factory, env: dict[str, str] | None = None, as_func: bool = False,
           builder: str = GO_BUILDER) -> tuple[str, str]:
    name = f"funcpacks-test/knative-{sample.removeprefix('knative-')}-{uuid.uuid4().hex[:6]}"
    app = copy_sample(sample, tmp_path_factory.mktemp(sample))
    if as_func:
        _scaffold_as_func_build_does(app)
    if builder == GO_BUILDER:
        env = dict(env or {}, GOPROXY="off")
    return name, must_build(app, name, dict(env or {}), builder=builder)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each sample built once, offline (the builder's seed carries func-go); the hooks
    sample as func's CLI hands it to pack: its scaffolding in the source, its settings."""
    images = {
        "knative-go-http": _build("knative-go-http", tmp_path_factory),
        "knative-go-cloudevents": _build("knative-go-cloudevents", tmp_path_factory),
        "knative-go-hooks": _build("knative-go-hooks", tmp_path_factory, FUNC_ENV, as_func=True),
    }
    yield images
    remove_image(*(name for name, _ in images.values()))


def _stop(container: str) -> tuple[dict, float, str]:
    """SIGTERM (docker stop, 10 s grace period): the state, how long it took, the log."""
    started = time.monotonic()
    docker_engine.client().containers.get(container).stop(timeout=10)
    took = time.monotonic() - started
    return docker_engine.client().api.inspect_container(container)["State"], took, funcbuild.container_logs(container)


def _health(port: int) -> None:
    for probe, body in (("liveness", "ALIVE"), ("readiness", "READY")):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/health/{probe}") == (200, body)


@pytest.mark.parametrize("sample", ["knative-go-http", "knative-go-cloudevents"])
def test_func_templates_build_offline_and_are_small(built, sample):
    name, log = built[sample]
    invoke = "cloudevent" if "cloudevents" in sample else "http"
    assert f"Knative Functions: func.yaml says runtime: go; an instanced {invoke} function" in log
    assert "go: downloading" not in log
    assert inspect(name)["Size"] <= 20_000_000
    # the label func's own builds carry, naming the middleware that serves the function
    assert inspect(name)["Config"]["Labels"]["middleware-version"] == DATA["go"]["knative-func-go"]


def test_the_http_template_answers_ok_and_its_health(built):
    name, _ = built["knative-go-http"]
    with funcbuild.running(name) as (_, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "OK\n")
        _health(port)


def test_the_cloudevents_template_answers_a_binary_event_with_its_event(built):
    name, _ = built["knative-go-cloudevents"]
    with funcbuild.running(name) as (container, port):
        _health(port)
        resp = requests.post(f"http://127.0.0.1:{port}/", data=b'{"hello": "knative"}', headers=CE_HEADERS, timeout=10)
        assert resp.status_code == 200, resp.text
        # func's template answers function.response, id response-<the event's id>, {"message": "OK"}
        assert (resp.headers["ce-type"], resp.headers["ce-id"], resp.headers["ce-source"]) == \
            ("function.response", "response-kn-1", "function")
        assert resp.json() == {"message": "OK"}
        assert "Received event" in funcbuild.container_logs(container)


def _listening(port: int) -> set[str]:
    """The local addresses sockets listen on at port, on this host (the containers share its
    network): '::' / '0.0.0.0' for all interfaces, '127.0.0.1' for loopback only."""
    found = set()
    for table, width in (("/proc/net/tcp6", 32), ("/proc/net/tcp", 8)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add({"0" * width: "::" if width == 32 else "0.0.0.0", "0100007F": "127.0.0.1"}.get(address, address))
    return found


def test_listen_address_defaults_to_port_on_all_interfaces_and_wins_when_set(built):
    """Without LISTEN_ADDRESS the function listens on [::]:$PORT (funcbuild.running sets
    PORT), where func-go alone would take PORT as 127.0.0.1:$PORT; LISTEN_ADDRESS, func-go's
    own setting, wins over PORT."""
    name, _ = built["knative-go-http"]
    with funcbuild.running(name) as (_, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "OK\n")
        assert _listening(port) == {"::"}
    other = funcbuild.free_port()
    with funcbuild.running(name, env={"LISTEN_ADDRESS": f"127.0.0.1:{other}"}) as (_, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{other}/") == (200, "OK\n")
        assert _listening(other) == {"127.0.0.1"} and not _listening(port)


def test_hooks_start_gets_the_environment_and_stop_runs_on_sigterm(built):
    """The settings func passes: its default LISTEN_ADDRESS is the image's, BP_GO_WORKDIR
    (func's own scaffolding) is not needed. Start receives the environment, Ready answers
    from the instance, and SIGTERM stops the container within the grace period, after Stop."""
    name, log = built["knative-go-hooks"]
    assert "BP_GO_WORKDIR=.func/build: func's scaffolding there is not used" in log
    assert "with Start, Stop, Alive, Ready" in log
    env = inspect(name)["Config"]["Env"]
    assert "LISTEN_ADDRESS=[::]:8080" not in env  # a launch default, set by the launcher, not baked as ENV
    container = f"funcpacks-{uuid.uuid4().hex[:10]}"
    # PORT set as Knative Serving sets it: func's LISTEN_ADDRESS default wins, as in func's images
    docker_engine.start(name, name=container, environment=["GREETING=servus", f"PORT={funcbuild.free_port()}"])
    try:
        assert funcbuild.wait_http("http://127.0.0.1:8080/knative") == (200, "servus from /knative\n")
        _health(8080)
        state, took, logs = _stop(container)
    finally:
        docker_engine.remove_container(container)
    assert "hooks: started with greeting servus" in logs
    assert "hooks: Stop called" in logs, logs
    assert state["ExitCode"] == 0 and took < 10, (state, took, logs)  # not killed at the end of the grace period


def test_a_func_yaml_naming_a_runtime_funcpacks_lacks_fails_the_build(tmp_path):
    app = copy_sample("knative-go-http", tmp_path / "app")
    (app / "func.yaml").write_text((app / "func.yaml").read_text().replace("runtime: go", "runtime: rust"))
    proc = build(app, f"funcpacks-test/knative-rust-{uuid.uuid4().hex[:6]}", {"GOPROXY": "off"}, builder=GO_BUILDER)
    assert proc.returncode != 0
    assert "func.yaml says runtime: rust, which funcpacks does not build" in proc.stdout, proc.stdout[-3000:]
    assert "where: func.yaml" in proc.stdout


# ---- Python: func's templates served by func-python ---------------------------------------

@pytest.fixture(scope="module")
def built_python(tmp_path_factory):
    images = {sample: _build(sample, tmp_path_factory, builder=PYTHON_BUILDER)
              for sample in ("knative-python-http", "knative-python-cloudevents")}
    yield images
    remove_image(*(name for name, _ in images.values()))


def test_the_python_http_template_answers_ok_its_health_and_stops_on_sigterm(built_python):
    name, log = built_python["knative-python-http"]
    assert "Knative Functions: func.yaml says runtime: python; an instanced (new()) http function" in log
    assert f"adding func-python=={DATA['python']['func-python']} (default pin)" in log
    assert "checked: function.new returns an instance with handle" in log
    with funcbuild.running(name) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "OK")
        assert _listening(port) == {"::", "0.0.0.0"}  # at $PORT, which func-python alone ignores
        # the template's alive() and ready() answer (True, "Alive") and (True, "Ready")
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/health/liveness") == (200, "Alive")
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/health/readiness") == (200, "Ready")
        state, took, logs = _stop(container)
    assert "Function starting" in logs and "Function stopping" in logs, logs
    assert state["ExitCode"] == 0 and took < 10, (state, took, logs)


def test_the_python_cloudevents_template_answers_a_binary_event_with_its_event(built_python):
    name, log = built_python["knative-python-cloudevents"]
    assert "an instanced (new()) cloudevent function" in log
    with funcbuild.running(name) as (container, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/health/readiness") == (200, "Ready")
        resp = requests.post(f"http://127.0.0.1:{port}/", data=b'{"hello": "knative"}', headers=CE_HEADERS, timeout=30)
        assert resp.status_code == 200, resp.text
        # func's Python template sends its response event in structured mode
        assert resp.headers["content-type"].startswith("application/cloudevents+json")
        event = resp.json()
        assert (event["type"], event["id"], event["source"], event["data"]) == \
            ("function.response", "response-kn-1", "function", {"message": "OK"})
        state, took, logs = _stop(container)
    assert "Request Received" in logs and "Function stopping" in logs, logs
    assert state["ExitCode"] == 0 and took < 10, (state, took, logs)


def test_a_python_function_builds_as_func_build_hands_it_to_pack(tmp_path):
    """func's Python path: its scaffolding in .func/build, its inline pre-buildpack (which
    moves the function into fn/ and the scaffolding to the root) in the project
    descriptor, its settings. The scaffolding's pyproject is Poetry's without a lock: it
    is resolved at build time, its path dependency on the function installed from the
    source; the Procfile's service serves the function."""
    app = copy_sample("knative-python-http", tmp_path / "app")
    shutil.copytree(FUNC_PYTHON_BUILD / "scaffolding", app / ".func" / "build")
    (app / ".func" / "build" / "f").symlink_to("../..")
    name = f"funcpacks-test/knative-python-func-{uuid.uuid4().hex[:6]}"
    try:
        log = must_build(app, name, FUNC_PYTHON_ENV, ["--descriptor", str(FUNC_PYTHON_BUILD / "project.toml")],
                         builder=PYTHON_BUILDER)
        assert "knative.dev/func/python-scaffolding" in log and "not a setting funcpacks knows" not in log
        assert "Poetry resolves the dependencies now" in log
        assert "names paths in the source, installed without a hash: -e file:///workspace/fn" in log
        with funcbuild.running(name, env={"PORT": str(funcbuild.free_port())}) as (container, _):
            # the scaffolding's service is an app (its Procfile): func-python's own default
            # address, [::]:8080, whatever PORT says, as in func's images
            assert funcbuild.wait_http("http://127.0.0.1:8080/") == (200, "OK")
            assert funcbuild.wait_http("http://127.0.0.1:8080/health/liveness") == (200, "Alive")
            state, took, logs = _stop(container)
        assert "Function stopping" in logs and state["ExitCode"] == 0 and took < 10, (state, took, logs)
    finally:
        remove_image(name)
