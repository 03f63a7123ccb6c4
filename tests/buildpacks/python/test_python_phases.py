"""funcpacks/python: bin/detect and bin/build run as the lifecycle runs them."""
from __future__ import annotations

import json
import tomllib

import pytest

from wheels import make_wheel

from funcpacks_dev import versions

HELLO = 'def hello_world(request):\n    return "hello, world"\n'


BUILDPACK = "python"  # the `bp` fixture
STACK_PYTHON = versions.load()["debian"]["python"]


def write(app, files: dict[str, str]) -> None:
    for name, text in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)


# ---- detect ---------------------------------------------------------------------------

def test_detect_function_mode_writes_plan(lifecycle, bp):
    write(lifecycle.app, {"main.py": HELLO})
    res, plan = lifecycle.detect(bp, {"GOOGLE_FUNCTION_TARGET": "hello_world"})
    assert res.code == 0, res.output
    assert plan == {"provides": [{"name": "python"}], "requires": [{"name": "python"}]}


def test_detect_app_mode_from_procfile(lifecycle, bp):
    write(lifecycle.app, {"requirements.txt": "", "Procfile": "web: python3 -m http.server $PORT\n"})
    res, plan = lifecycle.detect(bp)
    assert res.code == 0, res.output
    assert plan == {"provides": [{"name": "python"}], "requires": [{"name": "python"}]}


def test_detect_not_python_fails_with_100(lifecycle, bp):
    write(lifecycle.app, {"go.mod": "module x\n"})
    res, _ = lifecycle.detect(bp, {"FUNC_NAME": "X"})
    assert res.code == 100
    assert "not a Python project" in res.output


def test_detect_empty_directory_fails_with_100(lifecycle, bp):
    res, _ = lifecycle.detect(bp)
    assert res.code == 100


def test_detect_python_without_target_says_which_variable(lifecycle, bp):
    write(lifecycle.app, {"main.py": HELLO, "requirements.txt": ""})
    res, plan = lifecycle.detect(bp)
    assert res.code == 100 and plan == {}
    assert "GOOGLE_FUNCTION_TARGET" in res.output and "FUNC_NAME" in res.output


def test_detect_honours_func_src(lifecycle, bp):
    write(lifecycle.app, {"fn/handler.py": HELLO})
    res, _ = lifecycle.detect(bp, {"FUNC_NAME": "hello_world", "FUNC_SRC": "fn/handler.py"})
    assert res.code == 0, res.output


# ---- build: bad input -------------------------------------------------------------------

@pytest.mark.parametrize("files, env, code, needles", [
    ({"main.py": HELLO}, {"GOOGLE_FUNCTION_TARGET": "nope"}, 1,
     ["function 'nope' is not defined", "hello_world"]),
    ({"main.py": "def a(r):\n    return 1\n\ndef b(:\n"}, {"FUNC_NAME": "a"}, 1,
     ["syntax error", "main.py:4", "def b(:"]),
    ({"main.py": HELLO}, {"FUNC_NAME": "hello_world", "FUNC_SRC": "missing.py"}, 1,
     ["missing.py does not exist", "FUNC_SRC", "main.py"]),
    ({"main.py": HELLO}, {"FUNC_NAME": "hello_world", "GOOGLE_RUNTIME_VERSION": "3.7"}, 1,
     ["Python 3.7 is not available", "GOOGLE_RUNTIME_VERSION", f"{STACK_PYTHON}."]),
    ({"main.py": HELLO, ".python-version": "2.7\n"}, {"FUNC_NAME": "hello_world"}, 1,
     ["Python 2.7 is not available", ".python-version"]),
    # gcp-builder's Python-only setting wins over the runtime version (and over the file)
    ({"main.py": HELLO, ".python-version": "3\n"}, {"FUNC_NAME": "hello_world", "FUNC_PYTHON_VERSION": "3.6",
                                                   "FUNC_RUNTIME_VERSION": "3"}, 1,
     ["Python 3.6 is not available", "FUNC_PYTHON_VERSION"]),
    ({"main.py": HELLO}, {"FUNC_NAME": "hello_world", "GOOGLE_PYTHON_PACKAGE_MANAGER": "pipenv"}, 1,
     ["unknown Python package manager 'pipenv'", "GOOGLE_PYTHON_PACKAGE_MANAGER", "pip, uv, poetry"]),
    ({"main.py": HELLO, "pyproject.toml": "[project\n"}, {"FUNC_NAME": "hello_world"}, 1,
     ["pyproject.toml is not valid TOML"]),
    ({"main.py": HELLO, "uv.lock": "version = 1\n"}, {"FUNC_NAME": "hello_world"}, 1,
     ["uv.lock has no pyproject.toml next to it"]),
    ({"main.py": HELLO}, {"FUNC_NAME": "hello_world", "FUNC_TYPE": "grpc"}, 1,
     ["unknown function signature type 'grpc'", "http, event, cloudevent"]),
])
def test_build_rejects_bad_input_before_installing(lifecycle, bp, files, env, code, needles):
    write(lifecycle.app, files)
    res = lifecycle.build(bp, env)
    assert res.code == code, res.output
    for needle in needles:
        assert needle in res.err, res.output
    assert not (lifecycle.layers(bp) / "dependencies").exists()
    assert not (lifecycle.layers(bp) / "launch.toml").exists()


def test_build_refuses_two_different_function_names(lifecycle, bp):
    write(lifecycle.app, {"main.py": HELLO})
    res = lifecycle.build(bp, {"GOOGLE_FUNCTION_TARGET": "nope", "FUNC_NAME": "hello_world"})
    assert res.code == 1
    assert "GOOGLE_FUNCTION_TARGET='nope' and FUNC_NAME='hello_world' name different functions" in res.err
    assert not (lifecycle.layers(bp) / "launch.toml").exists()


# ---- build: the CNB contract ----------------------------------------------------------------

@pytest.fixture
def wheelhouse(tmp_path):
    d = tmp_path / "wheels"
    make_wheel(d, "tiny-dep", "1.2.3", {"tiny_dep/__init__.py": "VALUE = 42\n"})
    make_wheel(d, "tiny-app", "0.1.0", {"tiny_app/__init__.py": "from tiny_dep import VALUE\n"}, ["tiny-dep==1.2.3"])
    return d


def offline_pip(wheelhouse) -> dict[str, str]:
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse)}


def test_build_app_writes_layers_launch_env_and_sbom(lifecycle, bp, wheelhouse):
    write(lifecycle.app, {"requirements.txt": "tiny-app==0.1.0\n", "Procfile": "web: python3 -m tiny_app\n"})
    res = lifecycle.build(bp, offline_pip(wheelhouse))
    assert res.code == 0, res.output
    layers = lifecycle.layers(bp)
    deps = tomllib.loads((layers / "dependencies.toml").read_text())
    assert deps["types"] == {"launch": True, "build": False, "cache": False}
    assert deps["metadata"]["python"].startswith("3.")
    # what a rebuild that keeps the previous image's layer needs: recorded, not compared
    assert deps["metadata"]["recorded"]["distributions"] == ["tiny-app==0.1.0", "tiny-dep==1.2.3"]
    assert "python" in deps["metadata"]["recorded"]["programs"]
    target = lifecycle.container().target
    assert deps["metadata"]["distro"] == f"debian-{target.distro_version}" and deps["metadata"]["arch"] == target.arch
    assert tomllib.loads((layers / "pip-cache.toml").read_text())["types"] == {"launch": False, "build": True, "cache": True}
    assert (layers / "dependencies/env.launch/PYTHONUNBUFFERED.default").read_text() == "1"
    launch = tomllib.loads((layers / "launch.toml").read_text())
    assert launch["processes"] == [{"type": "web", "command": ["bash", "-c", "python3 -m tiny_app"], "default": True}]
    # byte-code is compiled with unchecked hashes (flag 0b11 in the pyc header): no timestamps
    pycs = list((layers / "dependencies").glob("lib/python*/site-packages/tiny_dep/__pycache__/*.pyc"))
    assert pycs and int.from_bytes(pycs[0].read_bytes()[4:8], "little") == 0b01
    bom = json.loads((layers / "dependencies.sbom.cdx.json").read_text())
    assert {(c["name"], c["version"]) for c in bom["components"]} == {("tiny-app", "0.1.0"), ("tiny-dep", "1.2.3")}
    # no pip inside the launch layer
    assert not list((layers / "dependencies").glob("lib/python*/site-packages/pip"))


def test_rebuild_keeps_the_previous_images_dependencies_and_requirement_change_reinstalls(lifecycle, bp, wheelhouse):
    write(lifecycle.app, {"requirements.txt": "tiny-app==0.1.0\n", "Procfile": "web: python3 -m tiny_app\n"})
    assert lifecycle.build(bp, offline_pip(wheelhouse)).code == 0
    layers = lifecycle.layers(bp)
    first = tomllib.loads((layers / "dependencies.toml").read_text())
    sbom = (layers / "dependencies.sbom.cdx.json").read_text()
    lifecycle.restore_as_cache(bp, previous_image=True)
    (layers / "dependencies.sbom.cdx.json").unlink()
    # no index and no wheels: anything that installed would fail
    res = lifecycle.build(bp, {"PIP_NO_INDEX": "1"})
    assert res.code == 0, res.output
    assert "Reusing layer 'dependencies': metadata matches" in res.out
    assert "the previous image's layer is kept as it is" in res.out
    # nothing is written into the kept layer (the exporter would export it instead), its
    # types are written again although the restored toml had none, the record is kept
    assert not (layers / "dependencies").exists()
    assert tomllib.loads((layers / "dependencies.toml").read_text()) == first
    assert (layers / "dependencies.sbom.cdx.json").read_text() == sbom
    lifecycle.restore_as_cache(bp, previous_image=True)
    write(lifecycle.app, {"requirements.txt": "tiny-dep==1.2.3\n", "Procfile": "web: python3 -m tiny_dep\n"})
    res = lifecycle.build(bp, offline_pip(wheelhouse))
    assert res.code == 0, res.output
    assert "Building layer 'dependencies': changed: requirements" in res.out
    bom = json.loads((layers / "dependencies.sbom.cdx.json").read_text())
    assert [c["name"] for c in bom["components"]] == ["tiny-dep"]
    assert tomllib.loads((layers / "dependencies.toml").read_text())["metadata"]["recorded"]["distributions"] == \
        ["tiny-dep==1.2.3"]


def test_without_a_previous_image_the_dependencies_are_installed_again(lifecycle, bp, wheelhouse):
    write(lifecycle.app, {"requirements.txt": "tiny-app==0.1.0\n", "Procfile": "web: python3 -m tiny_app\n"})
    first = lifecycle.build(bp, offline_pip(wheelhouse))
    assert first.code == 0 and "Building layer 'pip-cache': no cached copy: pip downloads what it needs" in first.out
    lifecycle.restore_as_cache(bp)  # the image is gone: no metadata for the launch-only layer
    assert not (lifecycle.layers(bp) / "dependencies.toml").exists()
    assert (lifecycle.layers(bp) / "pip-cache").is_dir()  # the installer's cache is kept
    res = lifecycle.build(bp, offline_pip(wheelhouse))
    assert res.code == 0, res.output
    assert "Building layer 'dependencies': no cached copy" in res.out
    # pip keeps nothing of local wheel files: the restored cache is empty, and says so
    assert "Reusing layer 'pip-cache': pip's cache as the previous build left it (0 files;" in res.out
    assert list((lifecycle.layers(bp) / "dependencies").glob("lib/python*/site-packages/tiny_app"))


def test_kept_dependencies_pass_the_framework_check_from_what_was_recorded(lifecycle, bp, wheelhouse):
    make_wheel(wheelhouse, "functions-framework", "1.4.3", {"functions_framework/__init__.py": ""})
    write(lifecycle.app, {"main.py": HELLO, "requirements.txt": "functions-framework==1.4.3\ntiny-dep==1.2.3\n"})
    env = {"FUNC_NAME": "hello_world", **offline_pip(wheelhouse)}
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    layers = lifecycle.layers(bp)
    lifecycle.restore_as_cache(bp, previous_image=True)
    (layers / "dependencies.sbom.cdx.json").unlink()
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    assert "Reusing layer 'dependencies'" in res.out and not (layers / "dependencies").exists()
    bom = json.loads((layers / "dependencies.sbom.cdx.json").read_text())
    assert {(c["name"], c["version"]) for c in bom["components"]} == {("functions-framework", "1.4.3"),
                                                                      ("tiny-dep", "1.2.3")}
    launch = tomllib.loads((layers / "launch.toml").read_text())
    assert launch["processes"][0]["command"] == [str(layers / "dependencies" / "bin" / "functions-framework")]
    # the signature type is no input of the layer: the recorded framework version decides
    lifecycle.restore_as_cache(bp, previous_image=True)
    res = lifecycle.build(bp, {**env, "FUNC_TYPE": "cloudevent"})
    assert res.code == 1, res.output
    assert "Reusing layer 'dependencies'" in res.out
    assert "signature type cloudevent needs functions-framework >= 2.0; the requirements pin 1.4.3" in res.err


def test_unsatisfiable_requirement_shows_pips_reason_and_caches_nothing(lifecycle, bp, wheelhouse):
    write(lifecycle.app, {"requirements.txt": "tiny-dep==9.9.9\n", "Procfile": "web: x\n"})
    res = lifecycle.build(bp, offline_pip(wheelhouse))
    assert res.code == 1
    assert "pip could not install the dependencies" in res.err
    assert "No matching distribution found for tiny-dep==9.9.9" in res.err
    layers = lifecycle.layers(bp)
    assert not (layers / "dependencies").exists() and not (layers / "dependencies.toml").exists()


def test_function_mode_adds_default_framework_pin(lifecycle, bp, wheelhouse):
    """The default pin comes from versions.toml; offline, pip's failure names exactly it."""
    from funcpacks_dev import versions
    pin = versions.get("python.functions-framework")
    write(lifecycle.app, {"main.py": HELLO})
    res = lifecycle.build(bp, {"FUNC_NAME": "hello_world", **offline_pip(wheelhouse)})
    assert f"adding functions-framework=={pin} (default pin)" in res.out
    assert res.code == 1 and f"functions-framework=={pin}" in res.err


def test_func_framework_version_overrides_default(lifecycle, bp, wheelhouse):
    write(lifecycle.app, {"main.py": HELLO})
    res = lifecycle.build(bp, {"FUNC_NAME": "hello_world", "FUNC_FRAMEWORK_VERSION": "3.8.0", **offline_pip(wheelhouse)})
    assert "adding functions-framework==3.8.0 (FUNC_FRAMEWORK_VERSION)" in res.out


def test_skipped_framework_injection_fails_when_nothing_provides_it(lifecycle, bp, wheelhouse):
    write(lifecycle.app, {"main.py": HELLO, "requirements.txt": "tiny-dep==1.2.3\n"})
    res = lifecycle.build(bp, {"FUNC_NAME": "hello_world", "GOOGLE_SKIP_FRAMEWORK_INJECTION": "true",
                               **offline_pip(wheelhouse)})
    assert res.code == 1, res.output
    assert "says not to add it" in res.out and "adding functions-framework" not in res.out
    assert "functions-framework is not installed, and GOOGLE_SKIP_FRAMEWORK_INJECTION=true says not to add it" in res.err
    assert "where: requirements.txt" in res.err


def test_pip_settings_reach_pip_only(lifecycle, bp, wheelhouse):
    write(lifecycle.app, {"requirements.txt": "tiny-dep\n", "Procfile": "web: x\n"})
    res = lifecycle.build(bp, {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse)})
    assert res.code == 0, res.output
    layers = lifecycle.layers(bp)
    written = "".join(p.read_text(errors="ignore") for p in layers.rglob("*") if p.is_file() and "env" in p.parts)
    assert str(wheelhouse) not in written


def test_vendored_wheels_build_with_no_index_and_a_missing_one_is_named(lifecycle, bp, wheelhouse):
    import shutil
    shutil.copytree(wheelhouse, lifecycle.app / "vendor")
    write(lifecycle.app, {"requirements.txt": "tiny-app==0.1.0\n", "Procfile": "web: python3 -m tiny_app\n"})
    # the index is unreachable: only the vendored directory can serve the wheels
    env = {"GOOGLE_VENDOR_PIP_DEPENDENCIES": "vendor", "PIP_INDEX_URL": "http://127.0.0.1:9/simple"}
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    assert "installing only from the vendored directory vendor (GOOGLE_VENDOR_PIP_DEPENDENCIES)" in res.out
    bom = json.loads((lifecycle.layers(bp) / "dependencies.sbom.cdx.json").read_text())
    assert {(c["name"], c["version"]) for c in bom["components"]} == {("tiny-app", "0.1.0"), ("tiny-dep", "1.2.3")}
    (lifecycle.app / "vendor" / "tiny_dep-1.2.3-py3-none-any.whl").unlink()
    res = lifecycle.build(bp, env)
    assert res.code == 1, res.output
    assert "the vendored directory vendor has no distribution for tiny-dep" in res.err
    assert "where: GOOGLE_VENDOR_PIP_DEPENDENCIES" in res.err and "pip download" in res.err


@pytest.mark.parametrize("setup, value, needle", [
    (None, "wheels", "the vendored directory 'wheels' does not exist in the source"),
    ("empty", "empty", "the vendored directory 'empty' holds no wheel or sdist"),
    (None, "../outside", "leads outside the source (with '..')"),
])
def test_vendored_directory_bad_inputs(lifecycle, bp, setup, value, needle):
    write(lifecycle.app, {"main.py": HELLO})
    if setup:
        (lifecycle.app / setup).mkdir()
    res = lifecycle.build(bp, {"FUNC_NAME": "hello_world", "FUNC_VENDOR_PIP_DEPENDENCIES": value})
    assert res.code == 1 and needle in res.err and "FUNC_VENDOR_PIP_DEPENDENCIES" in res.err, res.output
    assert not (lifecycle.layers(bp) / "dependencies").exists()


# ---- Knative Functions (func) ----------------------------------------------------------------

KNATIVE_INIT = "from .func import new\n"
KNATIVE_FUNC = ("def new():\n    return Function()\n\n\nclass Function:\n"
                "    async def handle(self, scope, receive, send):\n        pass\n")


@pytest.fixture
def func_python_wheelhouse(tmp_path):
    """A stand-in func-python (the real one is built in tests/integration/test_knative.py):
    enough for pip to install and for the launcher's imports to resolve."""
    d = tmp_path / "func-wheels"
    pin = versions.get("python.func-python")
    make_wheel(d, "func-python", pin, {"func_python/__init__.py": "", "func_python/http.py": "def serve(f):\n    pass\n",
                                       "func_python/cloudevent.py": "def serve(f):\n    pass\n"})
    return d


def test_detect_a_func_function_without_any_setting(lifecycle, bp):
    write(lifecycle.app, {"function/__init__.py": KNATIVE_INIT, "function/func.py": KNATIVE_FUNC,
                          "pyproject.toml": "[project]\nname = 'function'\nversion = '0.1.0'\ndependencies = []\n"})
    res, _ = lifecycle.detect(bp, {})
    assert res.code == 0, res.output
    # func.yaml's runtime sends it to the language it names
    write(lifecycle.app, {"func.yaml": "name: f\nruntime: go\n"})
    res, _ = lifecycle.detect(bp, {})
    assert res.code == 100 and "func.yaml's runtime: go: the build is for go, not python" in res.output


def test_a_func_function_is_served_by_func_python_after_new_was_tried(lifecycle, bp, func_python_wheelhouse):
    pin = versions.get("python.func-python")
    write(lifecycle.app, {"function/__init__.py": KNATIVE_INIT, "function/func.py": KNATIVE_FUNC,
                          "func.yaml": "runtime: python\ninvoke: cloudevent\n",
                          "pyproject.toml": "[project]\nname = 'function'\nversion = '0.1.0'\ndependencies = []\n"
                                            "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n"})
    res = lifecycle.build(bp, {**offline_pip(func_python_wheelhouse), "BPE_DEFAULT_LISTEN_ADDRESS": "[::]:8080"})
    assert res.code == 0, res.output
    assert "Knative Functions: func.yaml says runtime: python; an instanced (new()) cloudevent function" in res.out
    assert f"adding func-python=={pin} (default pin)" in res.out
    assert "checked: function.new returns an instance with handle" in res.out
    layers = lifecycle.layers(bp)
    serve = layers / "function" / "serve.py"
    assert "from func_python.cloudevent import serve" in serve.read_text()
    assert (layers / "function/env.launch/LISTEN_ADDRESS.default").read_text() == "[::]:8080"
    launch = tomllib.loads((layers / "launch.toml").read_text())
    assert launch["processes"][0]["command"] == [str(layers / "dependencies" / "bin" / "python"), str(serve)]


@pytest.mark.parametrize("files, needles", [
    ({"function/__init__.py": "x = 1\n"}, ["function/__init__.py exports neither new nor handle", "from .func import new"]),
    ({"function/__init__.py": "def new(:\n"}, ["function/__init__.py does not parse"]),
    ({"function/__init__.py": KNATIVE_INIT,
      "function/func.py": "def new():\n    raise RuntimeError('no database configured')\n"},
     ["calling new() failed at build time, so the image could not start", "RuntimeError: no database configured",
      "start(cfg)"]),
    ({"function/__init__.py": KNATIVE_INIT, "function/func.py": "def new():\n    return object()\n"},
     ["new() returned object, which has no handle method"]),
    ({"function/__init__.py": "from .func import handle\n", "function/func.py": "import missing_module\n"},
     ["importing the function package failed at build time", "No module named 'missing_module'"]),
    ({"func.yaml": "runtime: python\n", "main.py": "print(1)\n"}, ["there is no function/__init__.py"]),
])
def test_func_functions_that_could_not_start_fail_the_build(lifecycle, bp, func_python_wheelhouse, files, needles):
    write(lifecycle.app, {"pyproject.toml": "[project]\nname = 'function'\nversion = '0.1.0'\ndependencies = []\n",
                          **files})
    res = lifecycle.build(bp, offline_pip(func_python_wheelhouse))
    assert res.code == 1, res.output
    for needle in needles:
        assert needle in res.err, res.output
    assert not (lifecycle.layers(bp) / "launch.toml").exists()
