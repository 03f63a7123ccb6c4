"""Pure functions of the Python buildpack: version resolution, requirement scanning,
the function check."""
from __future__ import annotations

from pathlib import Path

import pytest

from funcpacks.errors import UserError


BUILDPACK = "python"
pytestmark = pytest.mark.usefixtures("buildpack_modules")


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
