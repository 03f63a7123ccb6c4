"""Pure functions of the Python buildpack: version resolution, requirement scanning,
the function check."""
from __future__ import annotations

from pathlib import Path

import pytest

from funcpacks import settings
from funcpacks.errors import UserError


BUILDPACK = "python"


class FakeSource:
    name = "test"

    def __init__(self, *versions: str) -> None:
        self.versions = versions

    def available(self):
        from python_buildpack.runtime import Interpreter
        return [Interpreter(v, Path(f"/py/{v}"), self.name) for v in self.versions]


@pytest.mark.parametrize("request_, want", [
    ("", "3.12.1"), ("3.11", "3.11.2"), ("3.11.2", "3.11.2"), ("python-3.11.2", "3.11.2"),
    ("python311", "3.11.2"), ("3.11.*", "3.11.2"), ("3", "3.12.1"), ("3.12.x", "3.12.1"),
])
def test_runtime_resolution(request_, want):
    from python_buildpack import runtime
    assert runtime.resolve(request_, "X", [FakeSource("3.11.2", "3.12.1")]).version == want


def test_runtime_unavailable_lists_what_is_there():
    from python_buildpack import runtime
    with pytest.raises(UserError) as err:
        runtime.resolve("3.1", "runtime.txt", [FakeSource("3.11.2")])
    assert err.value.where == "runtime.txt" and "3.11.2 (test)" in err.value.fix
    with pytest.raises(UserError) as err:
        runtime.resolve("latest", "X", [FakeSource("3.11.2")])
    assert "cannot read" in err.value.what


def test_requirement_names_and_includes(tmp_path):
    from python_buildpack import requirements
    (tmp_path / "requirements.txt").write_text(
        "# comment\n--index-url https://x/simple\nFlask>=3 ; python_version>'3'\n-r more/base.txt\n"
        "git+https://example/repo.git#egg=Functions_Framework\n")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "base.txt").write_text("requests==2.0  # pinned\nzope.interface\n")
    decl = requirements.read(tmp_path)
    assert decl.names == {"flask", "functions-framework", "requests", "zope-interface"}
    assert decl.names_framework()
    assert set(decl.files) == {"requirements.txt", "more/base.txt"}
    d1 = decl.digest([])
    (tmp_path / "more" / "base.txt").write_text("requests==2.1\n")
    assert requirements.read(tmp_path).digest([]) != d1


def test_requirements_missing_include_and_pyproject(tmp_path):
    from python_buildpack import requirements
    (tmp_path / "requirements.txt").write_text("-r nope.txt\n")
    with pytest.raises(UserError) as err:
        requirements.read(tmp_path)
    assert "nope.txt does not exist" in err.value.what
    (tmp_path / "requirements.txt").unlink()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["functions-framework==3.9.0", "httpx"]\n')
    decl = requirements.read(tmp_path)
    assert decl.kind == "pyproject.toml" and decl.names == {"functions-framework", "httpx"}


def test_function_check_finds_module_level_names(tmp_path):
    from python_buildpack import function_check
    (tmp_path / "main.py").write_text(
        "import os\nfrom x import imported_fn as alias\n\ndef a(r):\n    def inner(): pass\n\n"
        "async def b(r): pass\n\nclass C: pass\n\nhandler = a\n\ntry:\n    def d(r): pass\nexcept ImportError:\n    pass\n")
    names = function_check.check(tmp_path, "main.py", "default", "handler")
    assert set(names.functions) == {"a", "b", "C", "d"}
    for ok in ("a", "b", "C", "d", "alias", "os", "handler"):
        function_check.check(tmp_path, "main.py", "default", ok)
    with pytest.raises(UserError) as err:
        function_check.check(tmp_path, "main.py", "default", "inner")
    assert "a, b, C, d" in err.value.fix or "C, a, b, d" in err.value.fix


@pytest.mark.parametrize("files, env, want", [
    ({"uv.lock": "", "pyproject.toml": "", "requirements.txt": ""}, {}, ("uv", "uv.lock is present")),
    ({"poetry.lock": "", "pyproject.toml": ""}, {}, ("poetry", "poetry.lock is present")),
    ({"pyproject.toml": "[tool.poetry]\nname = 'x'\n"}, {}, ("poetry", "pyproject.toml has a [tool.poetry] table")),
    ({"requirements.txt": "", "pyproject.toml": ""}, {}, ("pip", "requirements.txt is present")),
    ({"pyproject.toml": "[project]\nname = 'x'\n"}, {}, ("pip", "pyproject.toml names no lock file")),
    ({}, {}, ("pip", "the project declares no dependencies")),
    # the setting wins over the files, in either spelling, any case
    ({"uv.lock": ""}, {"GOOGLE_PYTHON_PACKAGE_MANAGER": "PIP"}, ("pip", "GOOGLE_PYTHON_PACKAGE_MANAGER=PIP")),
    ({"requirements.txt": ""}, {"FUNC_PYTHON_PACKAGE_MANAGER": "uv"}, ("uv", "FUNC_PYTHON_PACKAGE_MANAGER=uv")),
])
def test_package_manager_choice(tmp_path, files, env, want):
    from python_buildpack import package_manager
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    choice = package_manager.choose(tmp_path, settings.lookup(env, "python_package_manager"))
    assert (choice.name, choice.reason) == want


def test_package_manager_bad_inputs(tmp_path):
    from python_buildpack import package_manager
    with pytest.raises(UserError) as err:
        package_manager.choose(tmp_path, settings.lookup({"FUNC_PYTHON_PACKAGE_MANAGER": "conda"},
                                                         "python_package_manager"))
    assert err.value.where == "FUNC_PYTHON_PACKAGE_MANAGER" and "pip, uv, poetry" in err.value.fix
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n")
    with pytest.raises(UserError) as err:
        package_manager.choose(tmp_path, None)
    assert "pyproject.toml is not valid TOML" in err.value.what and "line 1" in err.value.what


def test_uv_gets_pips_index_settings_in_its_own_words():
    from python_buildpack import uv
    pip_env = {"PIP_INDEX_URL": "https://mirror/simple", "PIP_EXTRA_INDEX_URL": "https://a/simple https://b/simple",
               "PIP_TRUSTED_HOST": "mirror", "PIP_FIND_LINKS": "/wheels", "PIP_NO_INDEX": "1", "PIP_TIMEOUT": "5"}
    got = uv.index_env(pip_env, {"UV_INDEX": "https://mine/simple", "UV_CONCURRENT_DOWNLOADS": "2", "HOME": "/h"})
    assert got == {"UV_DEFAULT_INDEX": "https://mirror/simple", "UV_INDEX": "https://mine/simple",
                   "UV_INSECURE_HOST": "mirror", "UV_FIND_LINKS": "/wheels", "UV_NO_INDEX": "1",
                   "UV_CONCURRENT_DOWNLOADS": "2"}


def test_uv_lock_declaration_and_framework_rules(tmp_path):
    from funcpacks.log import Logger
    from python_buildpack import config, dependencies_layer, requirements
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["Werkzeug>=3"]\n')
    (tmp_path / "uv.lock").write_text("version = 1\n")
    decl = requirements.read(tmp_path, lock="uv.lock")
    assert decl.kind == "uv.lock" and set(decl.files) == {"pyproject.toml", "uv.lock"} and decl.names == {"werkzeug"}
    fn = config.Config(mode="function", target="hello")
    # a lock is never changed behind the user's back
    with pytest.raises(UserError) as err:
        dependencies_layer.framework_spec(fn, decl, "9.9.9", Logger("t"))
    assert "uv add functions-framework" in err.value.fix
    # ... while a project without a lock gets the default pin, unless told not to
    plain = requirements.read(tmp_path)
    assert dependencies_layer.framework_spec(fn, plain, "9.9.9", Logger("t")) == ["functions-framework==9.9.9"]
    skip = config.Config(mode="function", target="hello", skip_framework_injection="FUNC_SKIP_FRAMEWORK_INJECTION=true")
    assert dependencies_layer.framework_spec(skip, plain, "9.9.9", Logger("t")) == []
    assert dependencies_layer.framework_spec(skip, decl, "9.9.9", Logger("t")) == []
    # the lock's content is part of what decides whether the layer is reused
    before = decl.digest([])
    (tmp_path / "uv.lock").write_text("version = 1\nrevision = 2\n")
    assert requirements.read(tmp_path, lock="uv.lock").digest([]) != before


@pytest.mark.parametrize("output, missing", [
    ("ERROR: No matching distribution found for tiny-dep==9.9.9", "tiny-dep==9.9.9"),
    ("  ╰─▶ Because werkzeug was not found in the provided package locations and you require werkzeug==3.1.3,",
     "werkzeug"),
    ("  ╰─▶ Because there is no version of markupsafe==3.0.2 and you require markupsafe==3.0.2, we can", "markupsafe"),
])
def test_vendored_failures_name_what_is_missing(tmp_path, output, missing):
    from python_buildpack import vendor
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "a-1-py3-none-any.whl").write_text("x")
    v = vendor.resolve(tmp_path, {"GOOGLE_VENDOR_PIP_DEPENDENCIES": "wheels"})
    assert v is not None and v.pip_env({"PIP_INDEX_URL": "https://x", "PIP_TIMEOUT": "3"}) == {
        "PIP_TIMEOUT": "3", "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path / "wheels")}
    err = v.explain(output)
    assert err is not None and err.what == f"the vendored directory wheels has no distribution for {missing}"
    assert v.explain("ERROR: something else") is None


def test_version_settings_and_project_files_win_over_the_runtime_suffix(tmp_path):
    from python_buildpack import config
    env = {"GOOGLE_RUNTIME": "python313", "GOOGLE_RUNTIME_VERSION": "3.12"}
    assert config.runtime_request(tmp_path, env, None) == ("3.12", "GOOGLE_RUNTIME_VERSION")
    assert config.runtime_request(tmp_path, {"GOOGLE_RUNTIME": "python313"}, None) == \
        ("3.13", "GOOGLE_RUNTIME (python313)")
    (tmp_path / ".python-version").write_text("3.11\n")
    assert config.runtime_request(tmp_path, {"GOOGLE_RUNTIME": "python313"}, None) == ("3.11", ".python-version")


def test_config_holds_the_package_manager_and_where_the_source_was_named(tmp_path):
    from python_buildpack import config
    cfg = config.resolve(tmp_path, {"FUNC_NAME": "f", "FUNC_SRC": "fn.py", "FUNC_PYTHON_PACKAGE_MANAGER": "uv"})
    assert (cfg.source, cfg.source_origin) == ("fn.py", "FUNC_SRC")
    assert (cfg.package_manager.value, cfg.package_manager.source) == ("uv", "FUNC_PYTHON_PACKAGE_MANAGER")
    cfg = config.resolve(tmp_path, {"FUNC_NAME": "f"})
    assert (cfg.source, cfg.source_origin, cfg.package_manager) == ("main.py", "default (main.py)", None)
    assert config.forbidden({"GOOGLE_RUNTIME": "go"}) and not config.forbidden({})


GUNICORN_20_UTIL = b"""import os
import sys

import pkg_resources

from gunicorn.errors import AppImportError
"""
WERKZEUG_TESTAPP = b"""def iter_sys_path():
    try:
        import pkg_resources
    except ImportError:
        eggs = ()
    else:
        eggs = sorted(pkg_resources.working_set)
"""


@pytest.mark.parametrize("source, needed", [
    (GUNICORN_20_UTIL, True),
    (b"def entry_points():\n    from pkg_resources import iter_entry_points\n    return iter_entry_points('x')\n", True),
    (b"import pkg_resources.extern\n", True),
    (WERKZEUG_TESTAPP, False),
    (b"try:\n    import pkg_resources\nexcept (OSError, ModuleNotFoundError):\n    pkg_resources = None\n", False),
    (b"try:\n    import pkg_resources\nexcept Exception:\n    pass\n", False),
    (b"try:\n    import pkg_resources\nexcept:\n    pass\n", False),
    # a handler that does not catch the import's failure guards nothing
    (b"try:\n    import pkg_resources\nexcept KeyError:\n    pass\n", True),
    # the failing import in the handler itself is not guarded by it
    (b"try:\n    import importlib.metadata\nexcept ImportError:\n    import pkg_resources\n", True),
    # type checkers read it; it never runs
    (b"import typing\nif typing.TYPE_CHECKING:\n    import pkg_resources\n", False),
    (b"from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg_resources import Distribution\n", False),
    # Python 2 syntax: cannot tell, so setuptools is added
    (b"import pkg_resources\nprint 'x'\n", True),
    (b'"""Use importlib.metadata instead of pkg_resources."""\n', False),
])
def test_pkg_resources_needed_only_where_its_absence_is_an_error(tmp_path, source, needed):
    from python_buildpack import pkg_resources_use
    site = tmp_path / "site-packages"
    (site / "lib").mkdir(parents=True)
    (site / "lib" / "module.py").write_bytes(source)
    assert pkg_resources_use.needed(site) is needed
    # an environment that has pkg_resources needs nothing more
    (site / "pkg_resources").mkdir()
    assert pkg_resources_use.needed(site) is False


def test_a_path_dependency_of_an_export_is_installed_apart_without_a_hash():
    from python_buildpack import uv
    exported = ('anyio==4.1 ; python_version >= "3.10" \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n'
                '-e file:///workspace/fn ; python_full_version >= "3.10"\n'
                'function @ file:///workspace/f ; python_version >= "3"\n'
                'idna==3.2 --hash=sha256:cc\n')
    hashed, local = uv.split_local(exported)
    assert local == ['-e file:///workspace/fn ; python_full_version >= "3.10"',
                     'function @ file:///workspace/f ; python_version >= "3"']
    assert "file:" not in hashed and uv.locked_names(hashed) == {"anyio", "idna"}
    assert "--hash=sha256:bb" in hashed


def test_paketos_default_process_is_the_web_command_a_procfile_web_overrides(tmp_path):
    from funcpacks import launch_settings
    env = {"BP_PROCFILE_DEFAULT_PROCESS": "python -m service.main"}
    s = launch_settings.resolve(tmp_path, env, None)
    assert (s.entrypoint.value, s.entrypoint.source) == ("python -m service.main", "BP_PROCFILE_DEFAULT_PROCESS")
    (tmp_path / "Procfile").write_text("web: python -m other\n")
    assert launch_settings.resolve(tmp_path, env, None).entrypoint is None
    assert launch_settings.resolve(tmp_path, {**env, "GOOGLE_ENTRYPOINT": "x"}, None).entrypoint.value == "x"
