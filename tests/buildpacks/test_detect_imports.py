"""Every detect of every group runs on every build, and most of them fail: what bin/detect
imports (the library's dispatch and the buildpack's package) stays clear of the build's
modules and of the standard library's slow ones."""
from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

# Modules only a build needs (or a bug's traceback), each taking milliseconds to import.
BUILD_ONLY = ("subprocess", "urllib.request", "ssl", "email", "json", "hashlib", "tempfile", "shutil", "tomllib",
              "tomli_w", "traceback", "platform", "difflib", "xml.etree.ElementTree")


def modules_after(statements: str) -> set[str]:
    code = f"import sys; {statements}; print(' '.join(sorted(sys.modules)))"
    return set(subprocess.run([sys.executable, "-B", "-I", "-c", code], capture_output=True, text=True,
                              check=True, timeout=600).stdout.split())


@pytest.mark.parametrize("name", ["ca-certificates", "go", "dotnet", "nodejs", "python"])
def test_detect_imports_no_build_modules(packaged, name):
    lib = packaged[name] / "lib"
    module = tomllib.loads((packaged[name] / "buildpack.toml").read_text())["metadata"]["module"]
    # what the interpreter loads by itself (site, .pth files) is not ours to judge
    imported = modules_after(f"sys.path.insert(0, {str(lib)!r}); import descriptor; from funcpacks import phase; "
                             f"import {module}") - modules_after("pass")
    assert f"{module}.build" not in imported
    assert sorted(imported & set(BUILD_ONLY)) == []


def test_the_entry_points_descriptor_is_buildpack_toml(packaged):
    for path in packaged.values():
        toml = tomllib.loads((path / "buildpack.toml").read_text())
        written: dict[str, str] = {}
        exec((path / "lib" / "descriptor.py").read_text(), written)
        assert (written["ID"], written["MODULE"]) == (toml["buildpack"]["id"], toml["metadata"]["module"])
