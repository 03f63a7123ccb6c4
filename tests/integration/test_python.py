"""The Python buildpack through real pack, lifecycle, Docker and functions frameworks."""
from __future__ import annotations

import json
import uuid

import pytest

from funcpacks_dev import docker_engine, funcbuild, versions
from helpers import (SAMPLES, answer, build, copy_sample, inspect, layer_shas, must_build, recording_server,
                     remove_image, request_once)

BP = "funcpacks/python"
STACK_PYTHON = versions.load()["debian"]["python"]
# The seed sample's image on the slim run image (174 MB on the Debian 12 run image).
HELLO_WORLD_MAX_BYTES = 100_000_000


@pytest.fixture
def tag():
    name = f"funcpacks-test/py-{uuid.uuid4().hex[:8]}"
    yield name
    remove_image(name)


CE_HEADERS = {"ce-specversion": "1.0", "ce-type": "com.example.test", "ce-source": "/tests",
              "ce-id": "evt-1", "Content-Type": "application/json"}

SAMPLE_CASES = [
    # (sample, build env, method, expected body or None for "any 2xx")
    ("hello-world-python", {"GOOGLE_FUNCTION_TARGET": "hello_world", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http"}, "GET", "hello, world"),
    ("hello-world-python", {"FUNC_NAME": "hello_world", "FUNC_TYPE": "http"}, "GET", "hello, world"),
    ("python-no-requirements", {"FUNC_NAME": "hello"}, "GET", "hello, world"),
    ("python-cloudevent", {"GOOGLE_FUNCTION_TARGET": "on_event", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "cloudevent"}, "POST", None),
    ("python-cloudevent", {"FUNC_NAME": "on_event", "FUNC_TYPE": "cloudevent"}, "POST", None),
    ("python-procfile-app", {}, "GET", "hello, world"),
]


@pytest.mark.parametrize("sample, env, method, expected", SAMPLE_CASES,
                         ids=[f"{c[0]}-{'-'.join(sorted(c[1])) or 'procfile'}" for c in SAMPLE_CASES])
def test_sample_builds_runs_and_answers(sample, env, method, expected, tag):
    must_build(SAMPLES / sample, tag, env)
    status, body, logs = request_once(tag, method, b'{"msg": "hi"}', CE_HEADERS)
    assert 200 <= status < 300, (status, body, logs)
    if sample == "hello-world-python":
        size = inspect(tag)["Size"]
        assert size <= HELLO_WORLD_MAX_BYTES, f"{size / 1e6:.1f} MB"
    if expected is not None:
        assert body == expected
    if method == "POST":
        assert "received com.example.test evt-1" in logs


def test_the_python_builder_makes_the_general_builders_image_trying_python_alone(tag):
    """funcpacks/builder-python: the same buildpacks and run image as the general builder,
    without Go and .NET, so detect tries one group and the image's layers are the same."""
    python_builder = versions.get("images.builder-python")
    meta = json.loads(inspect(python_builder)["Config"]["Labels"]["io.buildpacks.builder.metadata"])
    assert sorted(bp["id"] for bp in meta["buildpacks"]) == ["funcpacks/ca-certificates", BP]
    env = {"FUNC_NAME": "hello"}
    must_build(SAMPLES / "python-no-requirements", tag, env)
    general = inspect(tag)["RootFS"]["Layers"]
    out = must_build(SAMPLES / "python-no-requirements", tag + "-own", env, ["-v"], builder=python_builder)
    try:
        assert "funcpacks/go" not in out and "funcpacks/dotnet" not in out
        assert "pass: funcpacks/python@" in out
        assert inspect(tag + "-own")["RootFS"]["Layers"] == general
        assert answer(tag + "-own") == (200, "hello, world")
    finally:
        remove_image(tag + "-own")


def test_launch_env_defaults_and_no_build_settings_in_config(tag):
    must_build(SAMPLES / "python-no-requirements", tag, {"FUNC_NAME": "hello"})
    cfg = inspect(tag)["Config"]
    # the function's settings are launch defaults inside layers, not image config env
    env = dict(e.split("=", 1) for e in cfg["Env"])
    assert "FUNC_NAME" not in env and "FUNCTION_TARGET" not in env
    # ... and docker run -e overrides them: a wrong target makes the framework fail
    with funcbuild.running(tag, env={"FUNCTION_TARGET": "missing_fn"}) as (name, port):
        with pytest.raises(TimeoutError):
            funcbuild.wait_http(f"http://127.0.0.1:{port}/", timeout=8)
        assert "missing_fn" in funcbuild.container_logs(name)
    with funcbuild.running(tag) as (name, port):
        status, body = funcbuild.wait_http(f"http://127.0.0.1:{port}/?name=funcpacks")
    assert (status, body) == (200, "hello, funcpacks")


def test_edit_source_reuses_dependencies_and_requirements_change_reinstalls(tmp_path, tag):
    app = copy_sample("hello-world-python", tmp_path)
    env = {"GOOGLE_FUNCTION_TARGET": "hello_world"}
    must_build(app, tag, env)
    first = layer_shas(tag, BP)
    (app / "main.py").write_text('def hello_world(request):\n    return "hello, again"\n')
    log = must_build(app, tag, env)
    assert "Reusing layer 'dependencies': metadata matches" in log
    # launch-only: neither restored nor exported again, the previous image's layer is kept
    assert f'Restoring metadata for "{BP}:dependencies" from app image' in log
    assert f'Restoring data for "{BP}:dependencies"' not in log
    assert f"Reusing layer '{BP}:dependencies'" in log
    second = layer_shas(tag, BP)
    assert second["dependencies"] == first["dependencies"]
    with funcbuild.running(tag) as (name, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello, again")
    (app / "requirements.txt").write_text((app / "requirements.txt").read_text() + "six==1.16.0\n")
    log = must_build(app, tag, env)
    assert "Building layer 'dependencies': changed: requirements" in log
    assert layer_shas(tag, BP)["dependencies"] != first["dependencies"]


def test_without_the_previous_image_the_dependencies_are_installed_again(tmp_path, tag):
    app = copy_sample("hello-world-python", tmp_path)
    env = {"GOOGLE_FUNCTION_TARGET": "hello_world"}
    must_build(app, tag, env)
    docker_engine.remove_images(tag)  # pack's cache volumes stay
    log = must_build(app, tag, env)
    assert "Building layer 'dependencies': no cached copy" in log
    assert f'Restoring data for "{BP}:pip-cache" from cache' in log
    with funcbuild.running(tag) as (name, port):
        assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello, world")


def test_two_builds_without_cache_give_the_same_image(tag):
    other = tag + "-again"
    try:
        for t in (tag, other):
            must_build(SAMPLES / "hello-world-python", t, {"GOOGLE_FUNCTION_TARGET": "hello_world"}, ["--clear-cache"])
        assert inspect(tag)["Id"] == inspect(other)["Id"]
    finally:
        remove_image(other)


def test_sbom_lists_installed_distributions(tmp_path, tag):
    app = copy_sample("hello-world-python", tmp_path)
    must_build(app, tag, {"GOOGLE_FUNCTION_TARGET": "hello_world"})
    # a rebuild keeps the environment without its contents: the SBOM comes from its record
    (app / "main.py").write_text((app / "main.py").read_text() + "\n# edited\n")
    assert "Reusing layer 'dependencies'" in must_build(app, tag, {"GOOGLE_FUNCTION_TARGET": "hello_world"})
    out = tmp_path / "sbom"
    proc = funcbuild.builder.run_pack([funcbuild.builder.pack_bin(), "sbom", "download", tag, "--output-dir",
                                       str(out)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    files = list(out.rglob("sbom.cdx.json"))
    deps = [f for f in files if "funcpacks_python" in str(f) and "dependencies" in str(f)]
    assert deps, files
    doc = json.loads(deps[0].read_text())
    comps = {c["name"].lower(): c["version"] for c in doc["components"]}
    assert comps["functions-framework"] == "1.4.3" and comps["markupsafe"] == "2.0.1"
    assert "gunicorn" in comps and "flask" in comps
    # gunicorn 20 imports pkg_resources at the top of a module: the last setuptools with it
    assert int(comps["setuptools"].split(".")[0]) < 81


HELLO = 'def hello_world(request):\n    return "hello, world"\n'
BAD_INPUTS = [
    ("target unset", {"main.py": HELLO}, {}, ["GOOGLE_FUNCTION_TARGET", "FUNC_NAME"]),
    ("target not defined", {"main.py": HELLO + "\ndef other(request):\n    return 1\n"},
     {"GOOGLE_FUNCTION_TARGET": "helo_world"}, ["function 'helo_world' is not defined", "hello_world, other"]),
    ("syntax error", {"main.py": "def hello_world(request):\n    return 'x'\n\nif True\n    pass\n"},
     {"FUNC_NAME": "hello_world"}, ["syntax error", "main.py:4", "if True"]),
    ("unsatisfiable requirement", {"main.py": HELLO, "requirements.txt": "flask==0.0.0.1\n"},
     {"FUNC_NAME": "hello_world"}, ["pip could not install the dependencies", "flask==0.0.0.1"]),
    ("runtime version not available", {"main.py": HELLO}, {"FUNC_NAME": "hello_world", "FUNC_RUNTIME_VERSION": "3.8"},
     ["Python 3.8 is not available", "FUNC_RUNTIME_VERSION", f"available versions: {STACK_PYTHON}."]),
    ("python version not available", {"main.py": HELLO}, {"FUNC_NAME": "hello_world", "GOOGLE_PYTHON_VERSION": "3.12",
                                                          "GOOGLE_RUNTIME_VERSION": STACK_PYTHON},
     ["Python 3.12 is not available", "GOOGLE_PYTHON_VERSION", f"available versions: {STACK_PYTHON}."]),
    ("runtime.txt not available", {"main.py": HELLO, "runtime.txt": "python-3.10.4\n"}, {"FUNC_NAME": "hello_world"},
     ["Python python-3.10.4 is not available", "runtime.txt", f"available versions: {STACK_PYTHON}."]),
    ("function source missing", {"main.py": HELLO}, {"GOOGLE_FUNCTION_TARGET": "hello_world",
                                                     "GOOGLE_FUNCTION_SOURCE": "handler.py"},
     ["function source file handler.py does not exist", "GOOGLE_FUNCTION_SOURCE"]),
    ("empty directory", {}, {"FUNC_NAME": "hello_world"}, ["No buildpack groups passed detection", "not a Python project"]),
]


@pytest.mark.parametrize("case, files, env, needles", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_fails_with_a_clear_message(case, files, env, needles, tmp_path, tag):
    app = tmp_path / "app"
    app.mkdir()
    for name, text in files.items():
        (app / name).write_text(text)
    proc = build(app, tag, env)
    assert proc.returncode != 0
    for needle in needles:
        assert needle in proc.stdout, proc.stdout[-4000:]
    assert not docker_engine.image_exists(tag)


def test_index_credentials_never_reach_the_image(tag):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    with recording_server() as (port, seen):
        index = f"http://funcuser:{secret}@127.0.0.1:{port}/simple/"
        must_build(SAMPLES / "python-no-requirements", tag,
                   {"FUNC_NAME": "hello", "PIP_EXTRA_INDEX_URL": index, "PIP_TRUSTED_HOST": "127.0.0.1"})
    assert seen, "pip never asked the extra index: the setting did not reach pip"
    cfg = json.dumps(inspect(tag))
    assert secret not in cfg
    data = docker_engine.save(tag).read()
    assert secret.encode() not in data
    assert b"funcuser" not in data
