"""Property-based tests (Hypothesis) of what reads user input: generated paths, settings and
file bytes never produce an exception other than a UserError, and no path resolves outside
the app directory. Bounded example counts keep them in the fast tier; a failure prints the
example and the blob that reproduces it (@reproduce_failure)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funcpacks import processes, user_files
from funcpacks.errors import UserError

# No example database: a failure is reproduced from the printed blob, and the tree stays clean.
PROPERTIES = settings(max_examples=150, deadline=None, print_blob=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow])
CONTENT = "TOP-SECRET-CONTENT"  # what the file outside the source holds: never in a message

# Path-like text: separators, dots and a few names, so `..`, absolute and link paths are common.
path_text = st.lists(st.sampled_from(["..", ".", "", "a", "b", "link", "out", "in", "x.py", "/", "\0", "é"]),
                     max_size=8).map("/".join) | st.text(max_size=40)
# Text files as users (and editors, and attackers) write them.
file_bytes = (st.binary(max_size=400)
              | st.text(max_size=300).map(str.encode)
              | st.text(max_size=100).map(lambda s: s.encode("utf-16"))
              | st.text(max_size=100).map(lambda s: s.encode("latin-1", errors="replace")))


def _tree() -> tuple[Path, Path]:
    """An app directory with a link that leaves it, a link inside it and a file outside."""
    root = Path(tempfile.mkdtemp(prefix="prop-"))
    app = root / "app"
    (app / "in").mkdir(parents=True)
    (root / "out").mkdir()
    (root / "out" / "secret").write_text(CONTENT)
    (app / "link").symlink_to(root / "out")
    (app / "in" / "x.py").write_text("x = 1\n")
    (app / "inner").symlink_to("in")
    return root, app


ROOT, APP = _tree()


@PROPERTIES
@given(value=path_text)
def test_inside_never_resolves_outside_the_app_directory(value):
    try:
        resolved = user_files.inside(APP, value, "SETTING")
    except UserError as exc:
        assert "SETTING" in exc.what and exc.where == "SETTING" and exc.fix
        assert CONTENT not in exc.what + exc.where + exc.detail
        return
    assert resolved.is_relative_to(APP.resolve())


@PROPERTIES
@given(data=file_bytes)
def test_read_text_returns_text_or_says_where_it_is_not(data):
    path = ROOT / "file.txt"
    path.write_bytes(data)
    try:
        text = user_files.read_text(path, "file.txt")
    except UserError as exc:
        assert exc.where.startswith("file.txt") and exc.fix
        return
    assert "\0" not in text and text.encode("utf-8").removeprefix(b"\xef\xbb\xbf") == data.removeprefix(b"\xef\xbb\xbf")


def _app_with(files: dict[str, bytes]) -> Path:
    app = Path(tempfile.mkdtemp(prefix="prop-app-", dir=ROOT))
    for name, data in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_bytes(data)
    return app


requirement_lines = st.lists(
    st.sampled_from(["flask==3.0", "-r other.txt", "-r ../../out/secret", "-c /etc/passwd", "--requirement=sub/r.txt",
                     "# comment", "name @ https://x/y.whl", "-e git+https://x#egg=pkg", "werkzeug>=3 ; python_version>'3'",
                     "-r requirements.txt", "", "   ", "\t-r\tother.txt"]) | st.text(max_size=30), max_size=10)


@PROPERTIES
@given(lines=requirement_lines, other=file_bytes)
def test_requirements_files_never_fail_but_with_a_user_error(lines, other):
    from python_buildpack import requirements
    app = _app_with({"requirements.txt": "\n".join(lines).encode(errors="surrogateescape"), "other.txt": other,
                     "sub/r.txt": b"-r ../other.txt\n"})
    try:
        decl = requirements.read(app)
    except UserError as exc:
        assert exc.what and CONTENT not in exc.what + exc.where + exc.detail
        return
    assert all(not Path(f).is_absolute() and not f.startswith("..") for f in decl.files)


toml_values = st.recursive(
    st.none().filter(lambda _: False) | st.booleans() | st.integers(-10, 10) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12)


@PROPERTIES
@given(doc=st.dictionaries(st.sampled_from(["project", "tool", "build-system", "x"]), toml_values, max_size=3),
       raw=file_bytes, use_raw=st.booleans())
def test_pyproject_files_never_fail_but_with_a_user_error(doc, raw, use_raw):
    from python_buildpack import requirements
    data = raw if use_raw else tomli_w.dumps(doc).encode()
    app = _app_with({"pyproject.toml": data})
    for lock in ("", "uv.lock"):
        try:
            requirements.read(app, lock)
        except UserError as exc:
            assert exc.what
    # Poetry's table in any shape: also a user error at most
    try:
        requirements.table(doc, "tool", "poetry", "dependencies")
    except UserError as exc:
        assert "pyproject.toml" in exc.what


@PROPERTIES
@given(data=file_bytes | st.lists(st.sampled_from(["module example.com/x", "go 1.22", "toolchain go1.23.1",
                                                  "require (", ")", "\tgithub.com/a/b v1.0.0", "require x v1 // c",
                                                  "replace a => ../b", "// comment"]),
                                  max_size=8).map(lambda ls: "\n".join(ls).encode()))
def test_go_mod_never_fails_but_with_a_user_error(data):
    from go_buildpack import gomod
    app = _app_with({"go.mod": data})
    try:
        gomod.parse(app / "go.mod")
    except UserError as exc:
        assert exc.where.startswith("go.mod")


@PROPERTIES
@given(csproj=file_bytes, global_json=file_bytes | st.sampled_from([b"{}", b'{"sdk": 1}', b'{"sdk": {"version": 3}}',
                                                                    b"[]", b'{"sdk": null}', b"//x\n{}"]))
def test_dotnet_project_files_never_fail_but_with_a_user_error(csproj, global_json):
    from dotnet_buildpack import project
    app = _app_with({"App.csproj": csproj, "global.json": global_json})
    try:
        project.parse_project(app / "App.csproj")
    except UserError as exc:
        assert exc.what
    try:
        project.read_global_json(app)
    except UserError as exc:
        assert exc.what


@PROPERTIES
@given(data=file_bytes)
def test_procfiles_never_fail_but_with_a_user_error(data):
    app = _app_with({"Procfile": data})
    try:
        found = processes.read_procfile(app)
    except UserError as exc:
        assert exc.where.startswith("Procfile")
        return
    assert all(command.strip() for command in found.processes.values())


# A source tree's links, as (path in the app, link text, leaves the source).
LINKS = [("inner", "in", False), ("in/up", "..", False), ("in/same", "../in/x.py", False),
         ("dangling", "missing/file", False), ("abs-in", "{app}/in/x.py", False),
         ("out", "../out/secret", True), ("abs-out", "{root}/out/secret", True), ("etc", "/etc", True),
         ("in/deep", "../../out", True), ("loop", "loop", False)]


@PROPERTIES
@given(chosen=st.lists(st.sampled_from(LINKS), unique=True, max_size=4), in_git=st.booleans())
def test_a_link_out_of_the_source_is_found_wherever_it_is(chosen, in_git):
    root = Path(tempfile.mkdtemp(prefix="links-"))
    try:
        _check_links(root, chosen, in_git)
    finally:  # each example's tree goes (hypothesis runs a hundred of them)
        shutil.rmtree(root)


def _check_links(root: Path, chosen, in_git: bool) -> None:
    app = root / "app"
    (app / "in").mkdir(parents=True)
    (app / "in" / "x.py").write_text("x = 1\n")
    (root / "out").mkdir()
    (root / "out" / "secret").write_text(CONTENT)
    base = app / ".git" if in_git else app
    base.mkdir(exist_ok=True)
    (base / "in").mkdir(exist_ok=True)
    for rel, text, _ in chosen:
        (base / rel).symlink_to(text.format(app=app, root=root))
    out = [rel for rel, _, leaves in chosen if leaves]
    try:
        user_files.refuse_links_out(app)
    except UserError as exc:
        assert not in_git and exc.where in out and f"{exc.where} is a symbolic link to " in exc.what, exc.what
        assert CONTENT not in exc.what + exc.fix
        return
    assert in_git or not out  # links under .git are not the source's
