"""Hostile and malformed input through bin/detect and bin/build, as the lifecycle runs them:
a path setting or file that leads out of the source is refused without reading (or
quoting) its target; a user file that is not UTF-8 text is named with the byte offset, not
a traceback; a Go package that is not `main` fails the build instead of shipping an image
that cannot start."""
from __future__ import annotations

import os

import pytest

HELLO = "def hello_world(request):\n    return 'hello, world'\n"
SECRET = "s3cr3t-line-nobody-may-see"


def write(app, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


@pytest.fixture
def outside(tmp_path):
    """A file outside the source whose first line must never reach a log."""
    path = tmp_path / "outside" / "credential"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\nmore\n")
    return path


def assert_refused(res, *needles: str) -> None:
    assert res.code == 1, res.output  # a user error, not 70 (a bug) and not 0
    for needle in needles:
        assert needle in res.err, res.output
    assert "Traceback" not in res.output and SECRET not in res.output
    assert "  fix:   " in res.err


@pytest.mark.parametrize("setting", ["GOOGLE_FUNCTION_SOURCE", "FUNC_SRC"])
def test_a_function_source_outside_the_source_is_not_read(setting, lifecycle, packaged, outside):
    write(lifecycle.app, {"main.py": HELLO})
    rel = os.path.relpath(outside, lifecycle.app)
    res = lifecycle.build(packaged["python"], {"GOOGLE_FUNCTION_TARGET": "hello_world", setting: rel})
    assert_refused(res, f"{setting}={rel!r} leads outside the source (with '..')", f"where: {setting}")
    res = lifecycle.build(packaged["python"], {"GOOGLE_FUNCTION_TARGET": "hello_world", setting: "/etc/passwd"})
    assert_refused(res, f"{setting}='/etc/passwd' is an absolute path")
    assert "root:x:" not in res.output


def test_symbolic_links_out_of_the_source_are_refused(lifecycle, packaged, outside):
    write(lifecycle.app, {"main.py": HELLO})
    (lifecycle.app / "fn.py").symlink_to(outside)
    res = lifecycle.build(packaged["python"], {"GOOGLE_FUNCTION_TARGET": "hello_world", "GOOGLE_FUNCTION_SOURCE": "fn.py"})
    assert_refused(res, "GOOGLE_FUNCTION_SOURCE='fn.py' leads outside the source (through a symbolic link)")
    # a requirements file that is a link out, and an include that climbs out
    (lifecycle.app / "requirements.txt").symlink_to(outside)
    res = lifecycle.build(packaged["python"], {"GOOGLE_FUNCTION_TARGET": "hello_world"})
    assert_refused(res, "requirements.txt='requirements.txt' leads outside the source (through a symbolic link)")
    (lifecycle.app / "requirements.txt").unlink()
    write(lifecycle.app, {"requirements.txt": f"-r {os.path.relpath(outside, lifecycle.app)}\nflask\n"})
    res = lifecycle.build(packaged["python"], {"GOOGLE_FUNCTION_TARGET": "hello_world"})
    assert_refused(res, "leads outside the source (with '..')", "where: requirements.txt (-r/-c ")
    # a Procfile that is a link out: not read; detect says why Python does not apply
    (lifecycle.app / "requirements.txt").unlink()
    (lifecycle.app / "Procfile").symlink_to(outside)
    res, _ = lifecycle.detect(packaged["python"])
    assert res.code == 100 and SECRET not in res.output, res.output
    assert "Procfile='Procfile' leads outside the source (through a symbolic link)" in res.err


@pytest.mark.parametrize("files, needles", [
    ({"requirements.txt": b"flask==3.0\nna\xefve==1\n"},
     ["requirements.txt is not UTF-8: byte 0xef", "where: requirements.txt: byte 13 (line 2, column 3)", "iconv"]),
    ({"requirements.txt": "flask\n".encode("utf-16")},
     ["requirements.txt is UTF-16 text (it starts with a UTF-16 byte order mark)", "iconv -f utf-16"]),
    ({"requirements.txt": b"flask\n\x00\n"}, ["requirements.txt holds a NUL byte", "byte 6 (line 2, column 1)"]),
    ({"pyproject.toml": b"[project]\nname = '\xff'\n"}, ["pyproject.toml is not UTF-8: byte 0xff", "(line 2, column 9)"]),
    ({"pyproject.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n"}, ["pyproject.toml is not valid TOML"]),
    ({".python-version": b"\xfe3.13\n"}, [".python-version is not UTF-8: byte 0xfe"]),
    ({"Procfile": b"web: gunicorn \xff\n"}, ["Procfile is not UTF-8"]),
    ({"requirements.txt/x": "a directory"}, ["requirements.txt is a directory; a file is expected there"]),
    ({"main.py": b"def hello_world(r):\n    return '\x00'\n"}, ["main.py holds a NUL byte", "(line 2, column 13)"]),
])
def test_python_files_that_are_not_utf8_text_are_named_with_the_offset(files, needles, lifecycle, packaged):
    write(lifecycle.app, {"main.py": HELLO, **files} if "main.py" not in files else files)
    res = lifecycle.build(packaged["python"], {"GOOGLE_FUNCTION_TARGET": "hello_world"})
    assert_refused(res, *needles)


@pytest.mark.parametrize("files, needles", [
    ({"go.mod": b"module example.com/x\n\ngo 1.22 \xff\n"}, ["go.mod is not UTF-8: byte 0xff", "(line 3, column 9)"]),
    ({"go.mod": b"module example.com/x\x00\n"}, ["go.mod holds a NUL byte"]),
])
def test_go_files_that_are_not_utf8_text_are_named_with_the_offset(files, needles, lifecycle, packaged):
    write(lifecycle.app, {"main.go": "package main\n\nfunc main() {}\n", **files})
    res = lifecycle.build(packaged["go"], {"GOPROXY": "off"})
    assert_refused(res, *needles)


@pytest.mark.parametrize("files, needles", [
    ({"App.csproj": b"<Project Sdk='Microsoft.NET.Sdk'>\x00</Project>"}, ["App.csproj holds a NUL byte"]),
    ({"App.csproj": "<Project Sdk='Microsoft.NET.Sdk'><PropertyGroup><TargetFramework>net10.0</TargetFramework>"
                    "</PropertyGroup></Project>", "global.json": b'{"sdk": {"version": "10.0.\xff"}}'},
     ["global.json is not UTF-8: byte 0xff"]),
    ({"App.csproj": "<Project Sdk='Microsoft.NET.Sdk'><PropertyGroup><TargetFramework>net10.0</TargetFramework>"
                    "</PropertyGroup></Project>", "global.json": '{"sdk": ' + "[" * 100000 + "]" * 100000 + "}"},
     ["cannot read global.json"]),
    ({"App.csproj": "<Project Sdk='Microsoft.NET.Sdk'><PropertyGroup><TargetFramework>net10.0</TargetFramework>"
                    "</PropertyGroup></Project>", "global.json": '{"sdk": "10.0"}'},
     ["cannot read global.json: its sdk is a str, not an object"]),
])
def test_dotnet_files_that_cannot_be_read_are_named(files, needles, lifecycle, packaged):
    write(lifecycle.app, files)
    res = lifecycle.build(packaged["dotnet"], {"FUNC_DOTNET_FEED": "http://127.0.0.1:9/unreachable"})
    assert_refused(res, *needles)


def test_dotnet_buildable_outside_the_source_is_refused(lifecycle, packaged, outside):
    write(lifecycle.app, {"App.csproj": "<Project Sdk='Microsoft.NET.Sdk'/>"})
    rel = os.path.relpath(outside, lifecycle.app)
    res = lifecycle.build(packaged["dotnet"], {"GOOGLE_BUILDABLE": rel})
    assert_refused(res, f"GOOGLE_BUILDABLE={rel!r} leads outside the source (with '..')")


def test_a_go_package_that_is_not_main_fails_the_build(lifecycle, packaged_with_bundles):
    """knative func's Go template: `package function` with a Handle function, no main. go
    build would write a library archive as the image's program."""
    write(lifecycle.app, {
        "go.mod": "module function\n\ngo 1.22\n",
        "handle.go": "// Package function is a knative func function.\npackage function\n\nimport \"net/http\"\n\n"
                     "func Handle(w http.ResponseWriter, r *http.Request) { w.Write([]byte(\"OK\")) }\n"})
    res = lifecycle.build(packaged_with_bundles["go"], {"GOPROXY": "off"})
    assert_refused(res, "the package to build, . (package function), is not a main package",
                   "where: default (.): .", "set GOOGLE_FUNCTION_TARGET (or FUNC_NAME)")
    assert not (lifecycle.layers(packaged_with_bundles["go"]) / "function").exists()
    # the same through GOOGLE_BUILDABLE
    write(lifecycle.app, {"cmd/lib/lib.go": "package lib\n"})
    res = lifecycle.build(packaged_with_bundles["go"], {"GOPROXY": "off", "GOOGLE_BUILDABLE": "cmd/lib"})
    assert_refused(res, "the package to build, ./cmd/lib (package lib), is not a main package",
                   "where: GOOGLE_BUILDABLE: ./cmd/lib")
