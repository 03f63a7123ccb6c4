"""How a Python function's dependencies are declared and installed: uv.lock honoured
exactly, PEP 621 dependencies, the package-manager setting, framework injection rules."""
from __future__ import annotations

import io
import re
import shutil
import tarfile
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

from funcpacks_dev import docker_engine, versions
from helpers import (SAMPLES, answer, build, copy_sample, image_file_names, inspect, must_build, recording_server,
                     remove_image)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "python"
# A marker that holds only on Windows ("!= 'Windows'" holds here).
WINDOWS_ONLY = re.compile(r"""(sys_platform|platform_system)\s*==\s*['"](win32|Windows)['"]""")
SITE = re.compile(r"^layers/funcpacks_python/dependencies/lib/python[\d.]+/site-packages/([^/]+)-([^-/]+)\.dist-info/METADATA$")


@pytest.fixture
def tag():
    name = f"funcpacks-test/pym-{uuid.uuid4().hex[:8]}"
    yield name
    remove_image(name)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(image: str) -> dict[str, str]:
    """name -> version of every distribution in the image's dependency layer."""
    found = {}
    for name in image_file_names(image):
        m = SITE.match(name)
        if m:
            found[canonical(m.group(1))] = m.group(2)
    return found


def locked_for_linux(lock_path: Path) -> dict[str, str]:
    """What uv.lock pins for the project's production dependencies on Linux: the closure
    of the root package's dependencies, leaving out dev groups and Windows-only edges."""
    lock = tomllib.loads(lock_path.read_text())
    packages = {canonical(p["name"]): p for p in lock["package"]}
    root = next(p for p in lock["package"] if "virtual" in p["source"] or "editable" in p["source"])
    todo, seen = [d for d in root.get("dependencies", [])], {}
    while todo:
        dep = todo.pop()
        name = canonical(dep["name"])
        if name in seen or WINDOWS_ONLY.search(dep.get("marker", "")):
            continue
        seen[name] = packages[name]["version"]
        todo.extend(packages[name].get("dependencies", []))
    return seen


def poetry_main_for_linux(lock_path: Path) -> dict[str, str]:
    """What poetry.lock pins for the main group on Linux (lock format 2.1 records each
    package's groups and markers)."""
    lock = tomllib.loads(lock_path.read_text())
    assert lock["metadata"]["lock-version"] == "2.1"
    out = {}
    for p in lock["package"]:
        markers = p.get("markers", "")
        marker = markers.get("main", "") if isinstance(markers, dict) else markers
        if "main" in p.get("groups", []) and not WINDOWS_ONLY.search(marker):
            out[canonical(p["name"])] = p["version"]
    return out


def test_uv_lock_is_installed_exactly_and_reused(tag, tmp_path):
    app = copy_sample("python-uv", tmp_path)
    out = must_build(app, tag, {"GOOGLE_FUNCTION_TARGET": "hello"})
    assert "package manager: uv (uv.lock is present)" in out
    want = locked_for_linux(app / "uv.lock")
    assert want["werkzeug"] == "3.1.3" and "pytest" not in want  # the dev group is not installed
    assert installed(tag) == want
    assert answer(tag) == (200, "hello, world (werkzeug 3.1.3)")
    names = image_file_names(tag)
    assert not any(n.startswith(("layers/funcpacks_python/uv/", "layers/funcpacks_python/uv-cache/")) for n in names)
    assert not any(n.endswith("/bin/uv") for n in names)

    # uv is the builder's (nothing installed), and its cache keeps only what it built from
    # source: this lock's packages are all wheels
    assert f"uv {versions.get('python.uv')}: the builder's, used in place" in out
    assert "Building layer 'uv'" not in out and "Removed " in out

    # a source edit: neither uv nor the dependencies are installed again
    (app / "main.py").write_text((app / "main.py").read_text().replace("hello, world", "hello again"))
    out = must_build(app, tag, {"GOOGLE_FUNCTION_TARGET": "hello"})
    assert "Reusing layer 'dependencies': metadata matches" in out and "the builder's, used in place" in out
    assert answer(tag) == (200, "hello again (werkzeug 3.1.3)")


def test_poetry_lock_is_installed_exactly(tag, tmp_path):
    app = copy_sample("python-poetry", tmp_path)
    out = must_build(app, tag, {"GOOGLE_FUNCTION_TARGET": "hello"})
    assert "package manager: poetry (poetry.lock is present)" in out
    want = poetry_main_for_linux(app / "poetry.lock")
    assert want["markupsafe"] == "3.0.2" and "pytest" not in want
    assert installed(tag) == want
    assert answer(tag) == (200, "hello, world (markupsafe 3.0.2)")
    assert not any(n.startswith("layers/funcpacks_python/poetry") for n in image_file_names(tag))


def test_poetry_1_layout(tag):
    out = must_build(FIXTURES / "poetry1-layout", tag, {"FUNC_NAME": "hello"})
    assert "package manager: poetry (poetry.lock is present)" in out
    assert installed(tag)["functions-framework"] == "3.9.2"
    assert answer(tag) == (200, "hello, world")


def test_poetry_without_a_lock_is_resolved_at_build_time_and_the_lock_kept(tag, tmp_path):
    """As gcp-builder's `poetry install` does; the resolved poetry.lock is in the image,
    the source is not changed, and the log says how to make the build reproducible."""
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "poetry1-layout", app)
    (app / "poetry.lock").unlink()
    out = must_build(app, tag, {"FUNC_NAME": "hello"})
    assert "package manager: poetry (pyproject.toml has a [tool.poetry] table)" in out
    assert "there is no poetry.lock: Poetry resolves the dependencies now (`poetry lock`), so the result is not " \
           "reproducible" in out and "run `poetry lock` and commit poetry.lock" in out
    assert not (app / "poetry.lock").exists()
    archive = docker_engine.copy_out(tag, "/layers/funcpacks_python/dependencies/funcpacks-resolved/poetry.lock")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        lock = tomllib.loads(tar.extractfile("poetry.lock").read().decode())
    locked = {canonical(p["name"]): p["version"] for p in lock["package"]}
    have = installed(tag)
    assert have["functions-framework"] == locked["functions-framework"]
    assert {n: v for n, v in have.items() if n in locked} == {n: locked[n] for n in have if n in locked}
    assert answer(tag) == (200, "hello, world")
    # the framework is added on top of a resolved project that names none, as without Poetry
    (app / "pyproject.toml").write_text((app / "pyproject.toml").read_text().replace('functions-framework = "^3.8"\n', ''))
    out = must_build(app, tag, {"FUNC_NAME": "hello"})
    assert f"adding functions-framework=={versions.get('python.functions-framework')}" in out
    assert answer(tag) == (200, "hello, world")


def test_pep621_dependencies_without_a_lock(tag):
    out = must_build(SAMPLES / "python-pep621", tag, {"FUNC_NAME": "hello"})
    assert "package manager: pip (pyproject.toml names no lock file)" in out
    assert "pyproject.toml has no lock: its dependencies are resolved now, so the result is not reproducible" in out
    assert {"functions-framework", "markupsafe"} <= set(installed(tag))
    assert answer(tag) == (200, "hello, world")


def test_the_setting_forces_a_manager(tag):
    # pip on a uv project: the lock is not used, and the log says so
    out = must_build(SAMPLES / "python-uv", tag, {"GOOGLE_FUNCTION_TARGET": "hello",
                                                  "GOOGLE_PYTHON_PACKAGE_MANAGER": "pip"})
    assert "package manager: pip (GOOGLE_PYTHON_PACKAGE_MANAGER=pip)" in out and "uv.lock is not used" in out
    assert "functions-framework" in installed(tag)
    # uv on a project without a lock: uv installs what pyproject.toml declares
    out = must_build(SAMPLES / "python-pep621", tag, {"FUNC_NAME": "hello", "FUNC_PYTHON_PACKAGE_MANAGER": "uv"})
    assert "package manager: uv (FUNC_PYTHON_PACKAGE_MANAGER=uv)" in out and "uv install" in out
    assert {"functions-framework", "markupsafe"} <= set(installed(tag))
    assert answer(tag) == (200, "hello, world")


def test_forcing_poetry_over_a_uv_lock(tag, tmp_path):
    """A project moving from uv to Poetry holds both locks: the setting picks Poetry's."""
    app = copy_sample("python-poetry", tmp_path)
    shutil.copy(SAMPLES / "python-uv" / "uv.lock", app / "uv.lock")
    out = must_build(app, tag, {"GOOGLE_FUNCTION_TARGET": "hello", "GOOGLE_PYTHON_PACKAGE_MANAGER": "poetry"})
    assert "package manager: poetry (GOOGLE_PYTHON_PACKAGE_MANAGER=poetry)" in out and "uv.lock is not used" in out
    assert installed(tag) == poetry_main_for_linux(app / "poetry.lock")


def test_uv_uses_the_index_settings_given_to_pip_and_keeps_credentials_out(tag):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    with recording_server() as (port, seen):
        index = f"http://funcuser:{secret}@127.0.0.1:{port}/simple/"
        must_build(SAMPLES / "python-uv", tag, {"GOOGLE_FUNCTION_TARGET": "hello", "PIP_EXTRA_INDEX_URL": index})
    assert any(path.startswith("/simple/werkzeug") for path, _ in seen), seen
    assert secret not in str(inspect(tag))
    assert secret.encode() not in docker_engine.save(tag).read()


def test_vendored_wheels_build_with_the_index_unreachable(tag, tmp_path):
    """An air-gapped build: every wheel in the source, the index a closed port."""
    from funcpacks_dev import versions
    app = copy_sample("python-no-requirements", tmp_path)
    pin = versions.get("python.functions-framework")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--python-version",
                    versions.get("debian.python"), "--platform", "manylinux_2_28_x86_64", "--platform",
                    "manylinux_2_17_x86_64", "--dest",
                    str(app / "vendor"), f"functions-framework=={pin}"], check=True, timeout=120)
    env = {"FUNC_NAME": "hello", "FUNC_VENDOR_PIP_DEPENDENCIES": "vendor", "PIP_INDEX_URL": "http://127.0.0.1:9/simple"}
    out = must_build(app, tag, env)
    assert "installing only from the vendored directory vendor (FUNC_VENDOR_PIP_DEPENDENCIES)" in out
    # nothing in it needs pkg_resources (werkzeug's guarded import does not count)
    distributions = installed(tag)
    assert distributions["functions-framework"] == pin and "setuptools" not in distributions
    assert answer(tag) == (200, "hello, world")
    # a wheel the directory lacks is named, with the command that adds it
    next((app / "vendor").glob("werkzeug-*.whl")).unlink()
    proc = build(app, tag + "-missing", env)
    assert proc.returncode != 0
    assert "the vendored directory vendor has no distribution for werkzeug" in proc.stdout.lower(), proc.stdout[-3000:]
    assert "pip download --only-binary=:all:" in proc.stdout


def test_a_locked_version_the_index_does_not_serve_fails_naming_it(tag):
    """The lock was made against PyPI; the build's index (a mirror, here one that serves
    nothing) lacks what it pins: the build fails, it does not pick another version."""
    with recording_server() as (port, seen):
        proc = build(SAMPLES / "python-uv", tag, {"GOOGLE_FUNCTION_TARGET": "hello",
                                                  "UV_DEFAULT_INDEX": f"http://127.0.0.1:{port}/simple/"})
    assert proc.returncode != 0
    assert any(path.startswith("/simple/") for path, _ in seen), seen
    assert "uv could not install the dependencies" in proc.stdout, proc.stdout[-3000:]
    assert "where: uv.lock" in proc.stdout
    # uv names the first locked pin the index lacks (alphabetically, blinker==1.9.0)
    assert re.search(r"Because \S+ was not found in the package registry and you require \S+==[\d.]+", proc.stdout)
    assert not docker_engine.image_exists(tag)


BAD_INPUTS = [
    ("lock out of date", "python-uv", lambda app: (app / "pyproject.toml").write_text(
        (app / "pyproject.toml").read_text().replace('"werkzeug>=3.1",', '"werkzeug>=3.1",\n    "six>=1.16",')),
     {"GOOGLE_FUNCTION_TARGET": "hello"}, ["uv.lock does not match pyproject.toml", "run `uv lock`"]),
    ("lock without the framework", "uv-without-framework", None, {"FUNC_NAME": "hello"},
     ["pyproject.toml names no functions-framework, and the build does not change a lock",
      "uv add functions-framework"]),
    ("poetry lock out of date", "python-poetry", lambda app: (app / "pyproject.toml").write_text(
        (app / "pyproject.toml").read_text().replace('"markupsafe (>=2.1)",', '"markupsafe (>=2.1)",\n    "six",')),
     {"GOOGLE_FUNCTION_TARGET": "hello"}, ["poetry.lock does not match pyproject.toml", "run `poetry lock`"]),
    ("poetry python constraint", "poetry1-layout", lambda app: (app / "pyproject.toml").write_text(
        (app / "pyproject.toml").read_text().replace('python = "^3.11"', 'python = ">=3.11,<3.12"')),
     {"FUNC_NAME": "hello"}, ["pyproject.toml asks for Python >=3.11,<3.12; the stack's CPython is 3.13",
                              "then run `poetry lock`"]),
    ("poetry lock without the framework", "poetry1-layout", lambda app: (app / "pyproject.toml").write_text(
        (app / "pyproject.toml").read_text().replace('functions-framework = "^3.8"\n', '')),
     {"FUNC_NAME": "hello"}, ["names no functions-framework", "poetry add functions-framework"]),
    ("poetry without a lock, unresolvable", "poetry1-layout", lambda app: (
        (app / "poetry.lock").unlink(), (app / "pyproject.toml").write_text((app / "pyproject.toml").read_text().replace(
            'functions-framework = "^3.8"\n', 'functions-framework = "^3.8"\nfuncpacks-no-such-distribution = "^1"\n'))),
     {"FUNC_NAME": "hello"}, ["Poetry could not resolve pyproject.toml's dependencies", "funcpacks-no-such-distribution",
                              "then run `poetry lock` and commit poetry.lock"]),
    ("unknown manager", "python-pep621", None, {"FUNC_NAME": "hello", "FUNC_PYTHON_PACKAGE_MANAGER": "conda"},
     ["unknown Python package manager 'conda'", "pip, uv, poetry"]),
    ("no framework and none to be added", "python-no-requirements", None,
     {"FUNC_NAME": "hello", "FUNC_SKIP_FRAMEWORK_INJECTION": "true"},
     ["functions-framework is not installed, and FUNC_SKIP_FRAMEWORK_INJECTION=true says not to add it"]),
]


@pytest.mark.parametrize("case, source, change, env, needles", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_fails_with_the_fix(case, source, change, env, needles, tag, tmp_path):
    app = tmp_path / "app"
    shutil.copytree(SAMPLES / source if (SAMPLES / source).is_dir() else FIXTURES / source, app)
    if change:
        change(app)
    proc = build(app, tag, env)
    assert proc.returncode != 0
    for needle in needles:
        assert needle in proc.stdout, proc.stdout[-4000:]
    assert not docker_engine.image_exists(tag)
