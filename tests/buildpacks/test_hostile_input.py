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


GO_MAIN = "package main\n\nfunc main() {}\n"
CSPROJ = "<Project Sdk='Microsoft.NET.Sdk'/>"
LANGUAGES = {"python": ({"main.py": HELLO}, {"GOOGLE_FUNCTION_TARGET": "hello_world"}),
             "go": ({"go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": GO_MAIN}, {"GOPROXY": "off"}),
             "dotnet": ({"App.csproj": CSPROJ}, {"FUNC_DOTNET_FEED": "http://127.0.0.1:9/unreachable"}),
             "nodejs": ({"index.js": "exports.f = (req, res) => res.send('x');\n"}, {"FUNC_NAME": "f"})}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("link", ["fn.py", "static/secret", "conf"])
def test_symbolic_links_out_of_the_source_are_refused(language, link, lifecycle, packaged, outside):
    """Compilers, installers and copies read the source through its links: a link out
    (to a mounted credential, say) is refused before anything reads it, in every language."""
    files, env = LANGUAGES[language]
    write(lifecycle.app, files)
    path = lifecycle.app / link
    path.parent.mkdir(parents=True, exist_ok=True)
    if link == "conf":  # a directory, by a relative link that climbs out
        path.symlink_to(os.path.relpath(outside.parent, path.parent))
    else:
        path.symlink_to(outside)
    res = lifecycle.build(packaged[language], env)
    assert_refused(res, f"{link} is a symbolic link to ", "outside the source", f"where: {link}")
    layers = lifecycle.layers(packaged[language])
    assert not [p for p in layers.iterdir() if p.is_dir()], "nothing is built"


def test_links_in_python_files_and_settings_are_refused_without_reading_them(lifecycle, packaged, outside):
    # a requirements include that climbs out
    write(lifecycle.app, {"main.py": HELLO, "requirements.txt": f"-r {os.path.relpath(outside, lifecycle.app)}\nflask\n"})
    res = lifecycle.build(packaged["python"], {"GOOGLE_FUNCTION_TARGET": "hello_world"})
    assert_refused(res, "leads outside the source (with '..')", "where: requirements.txt (-r/-c ")
    # a Procfile that is a link out: not read; detect says why Python does not apply
    (lifecycle.app / "requirements.txt").unlink()
    (lifecycle.app / "Procfile").symlink_to(outside)
    res, _ = lifecycle.detect(packaged["python"])
    assert res.code == 100 and SECRET not in res.output, res.output
    assert "Procfile='Procfile' leads outside the source (through a symbolic link)" in res.err


def test_a_go_replace_directory_outside_the_source_is_refused_unless_vendored(lifecycle, packaged):
    write(lifecycle.app, {"go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\n"
                                    "replace (\n\texample.com/lib => ../lib\n)\n", "main.go": GO_MAIN})
    res = lifecycle.build(packaged["go"], {"GOPROXY": "off"})
    assert_refused(res, "go.mod's replace example.com/lib => ../lib='../lib' leads outside the source",
                   "where: go.mod", "go mod vendor")


@pytest.mark.parametrize("files, needles", [
    ({"requirements.txt": "flask\n-e ../lib\n"}, ["requirements.txt line 2='../lib' leads outside the source"]),
    ({"requirements.txt": "lib @ file:///opt/lib\n"}, ["requirements.txt line 1='/opt/lib' is an absolute path"]),
    ({"requirements.txt": "-f ../wheels\nlib\n"}, ["requirements.txt line 1='../wheels' leads outside the source"]),
    ({"reqs/base.txt": "./../../lib\n", "requirements.txt": "-r reqs/base.txt\n"},
     ["reqs/base.txt line 1='../lib' leads outside the source"]),
    ({"pyproject.toml": "[project]\nname = 'a'\nversion = '1'\ndependencies = ['lib @ file:///srv/lib']\n"},
     ["pyproject.toml [project] dependencies 'lib @ file:///srv/lib'='/srv/lib' is an absolute path"]),
    ({"pyproject.toml": "[project]\nname = 'a'\nversion = '1'\n[tool.uv.sources]\nlib = { path = '../lib' }\n",
      "uv.lock": "version = 1\n"}, ["pyproject.toml [tool.uv.sources] lib='../lib' leads outside the source"]),
    ({"pyproject.toml": "[tool.poetry]\nname = 'a'\n[tool.poetry.group.dev.dependencies]\nlib = {path = '../lib'}\n",
      "poetry.lock": ""}, ["pyproject.toml [tool.poetry.group.dev.dependencies] lib='../lib' leads outside the source"]),
])
def test_python_dependencies_from_paths_outside_the_source_are_refused(files, needles, lifecycle, packaged):
    write(lifecycle.app, {"main.py": HELLO, **files})
    res = lifecycle.build(packaged["python"], {"GOOGLE_FUNCTION_TARGET": "hello_world", "PIP_NO_INDEX": "1"})
    assert_refused(res, *needles, "GOOGLE_VENDOR_PIP_DEPENDENCIES")


def test_a_dotnet_project_reference_outside_the_source_is_refused(lifecycle, packaged):
    tfm = "<PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>"
    write(lifecycle.app, {"App/App.csproj": f"<Project Sdk='Microsoft.NET.Sdk'>{tfm}<ItemGroup>"
                                            "<ProjectReference Include='..\\Lib\\Lib.csproj' /></ItemGroup></Project>",
                          "Lib/Lib.csproj": f"<Project Sdk='Microsoft.NET.Sdk'>{tfm}<ItemGroup>"
                                            "<ProjectReference Include='../../Shared/Shared.csproj' /></ItemGroup></Project>"})
    env = {"FUNC_DOTNET_FEED": "http://127.0.0.1:9/unreachable", "GOOGLE_BUILDABLE": "App"}
    res = lifecycle.build(packaged["dotnet"], env)
    # App -> Lib is inside the source; Lib -> ../../Shared leaves it
    assert_refused(res, "Lib/Lib.csproj's ProjectReference ../../Shared/Shared.csproj='../Shared/Shared.csproj' "
                        "leads outside the source", "where: Lib/Lib.csproj", "GOOGLE_BUILDABLE")


def test_python_m_of_a_module_that_is_nowhere_fails_the_build(lifecycle, packaged):
    write(lifecycle.app, {"app.py": "print('x')\n", "pkg/__init__.py": "", "pkg/serve.py": "",
                          "Procfile": "web: python3 -m ap --port $PORT\n"})
    env = {"PIP_NO_INDEX": "1"}
    res = lifecycle.build(packaged["python"], env)
    assert_refused(res, "Procfile (web) runs python -m ap, and no module 'ap' is in the source or the dependencies")
    write(lifecycle.app, {"Procfile": "web: python3 -m pkg.nothere\n"})
    assert_refused(lifecycle.build(packaged["python"], env), "no module 'pkg.nothere'")
    for found in ("app", "pkg.serve", "http.server"):  # the source's modules and the standard library's
        write(lifecycle.app, {"Procfile": f"web: python3 -m {found}\n"})
        res = lifecycle.build(packaged["python"], env)
        assert res.code == 0, res.output


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
    """A library package in no shape a builder serves: go build would write a library
    archive as the image's program."""
    write(lifecycle.app, {
        "go.mod": "module function\n\ngo 1.22\n",
        "serve.go": "// Package function has a handler, but under no name a functions framework calls.\npackage function\n\n"
                    "import \"net/http\"\n\n"
                    "func Serve(w http.ResponseWriter, r *http.Request) { w.Write([]byte(\"OK\")) }\n"})
    res = lifecycle.build(packaged_with_bundles["go"], {"GOPROXY": "off"})
    assert_refused(res, "the package to build, . (package function), is not a main package",
                   "where: default (.): .", "set GOOGLE_FUNCTION_TARGET (or FUNC_NAME)",
                   "Knative Functions shape (instanced: func New() *T", "static: a package-level func Handle")
    assert not (lifecycle.layers(packaged_with_bundles["go"]) / "function").exists()
    # the same through GOOGLE_BUILDABLE
    write(lifecycle.app, {"cmd/lib/lib.go": "package lib\n"})
    res = lifecycle.build(packaged_with_bundles["go"], {"GOPROXY": "off", "GOOGLE_BUILDABLE": "cmd/lib"})
    assert_refused(res, "the package to build, ./cmd/lib (package lib), is not a main package",
                   "where: GOOGLE_BUILDABLE: ./cmd/lib")
