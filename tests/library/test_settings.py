"""The settings table, image labels and processes of the library."""
from __future__ import annotations

from pathlib import Path

import pytest

from funcpacks import labels, launch_settings, processes, settings
from funcpacks.errors import UserError
from funcpacks.launch import Process
from funcpacks.log import Logger
from funcpacks_dev.elf_samples import LOADERS, elf


def test_every_name_belongs_to_one_setting_and_precedence_is_google_func_bp():
    names = [n for d in settings.TABLE for n in d.names]
    shared = {"GOOGLE_BUILDABLE", "FUNC_BUILDABLE"}  # one setting; Go and .NET each add Paketo's name after it
    assert len(names) == len(set(names)), "a variable named by two settings"
    for d in settings.TABLE:
        order = ["GOOGLE_", "FUNC_", "BP_"]
        ranks = [next((i for i, p in enumerate(order) if n.startswith(p)), 1) for n in d.names]
        assert ranks == sorted(ranks), d.names
        assert d.languages and set(d.languages) <= set(settings.LANGUAGES) and d.meaning
    assert shared <= set(names)


def test_lookup_warns_on_disagreement_and_first_of_says_which_won(capsys):
    env = {"GOOGLE_GOLDFLAGS": "-X a=1", "BP_GO_BUILD_LDFLAGS": "-X a=2"}
    assert settings.lookup(env, "goldflags", Logger("t")).source == "GOOGLE_GOLDFLAGS"
    assert "using GOOGLE_GOLDFLAGS" in capsys.readouterr().out
    env = {"GOOGLE_GO_VERSION": "1.26.1", "GOOGLE_RUNTIME_VERSION": "1.25.3"}
    s = settings.version_request(env, "go_version", Logger("t"))
    assert (s.value, s.source) == ("1.26.1", "GOOGLE_GO_VERSION")
    assert "GOOGLE_GO_VERSION='1.26.1' wins over GOOGLE_RUNTIME_VERSION='1.25.3'" in capsys.readouterr().out


def test_a_secret_setting_is_named_without_its_values(capsys):
    env = {"FUNC_GOPROXY": "https://u:tok3n@corp/proxy", "GOPROXY": "https://v:other@corp"}
    assert settings.lookup(env, "goproxy", Logger("t")).value == env["FUNC_GOPROXY"]
    out = capsys.readouterr().out
    assert "FUNC_GOPROXY and GOPROXY are both set; using FUNC_GOPROXY" in out
    assert "tok3n" not in out and "other" not in out


@pytest.mark.parametrize("value, language, version", [
    ("python", "python", ""), ("python313", "python", "3.13"), ("go126", "go", "1.26"), ("dotnet10", "dotnet", "10"),
    (" Go ", "go", ""),
])
def test_runtime_names_as_gcp_builder_writes_them(value, language, version):
    req = settings.runtime({"GOOGLE_RUNTIME": value})
    assert (req.language, req.version) == (language, version)
    # the suffix is a hint each language takes when nothing else names a version
    want = settings.Setting(version, f"GOOGLE_RUNTIME ({value})") if version else None
    assert settings.runtime_version_hint({"GOOGLE_RUNTIME": value}) == want
    assert settings.runtime_forbids({"FUNC_RUNTIME": value}, "go") == ("" if language == "go" else
                                                                      f"FUNC_RUNTIME={value}: the build is for {language}, not go")


def test_unknown_runtime_lists_the_valid_ones():
    with pytest.raises(UserError) as err:
        settings.runtime({"GOOGLE_RUNTIME": "ruby33"})
    assert "GOOGLE_RUNTIME='ruby33' is not a language" in err.value.what
    assert "python, go, dotnet, nodejs" in err.value.fix


def test_gcp_builders_nodejs_runtime_names_a_version():
    req = settings.runtime({"GOOGLE_RUNTIME": "nodejs22"})
    assert (req.language, req.version) == ("nodejs", "22")


def test_misspelt_settings_get_the_closest_name(capsys):
    env = {"GOOGLE_FUNCTON_TARGET": "x", "FUNC_GOPROXI": "y", "BP_TOTALLY_ELSE": "z", "GOOGLE_LABEL_TEAM": "a",
           "FUNC_NAME": "ok", "PATH": "/bin", "BP_OCI_SOURCE": "s"}
    assert settings.unknown(env) == [("BP_TOTALLY_ELSE", ""), ("FUNC_GOPROXI", "FUNC_GOPROXY"),
                                     ("GOOGLE_FUNCTON_TARGET", "GOOGLE_FUNCTION_TARGET")]
    settings.warn_unknown(env, Logger("t"))
    out = capsys.readouterr().out
    assert "GOOGLE_FUNCTON_TARGET is not a setting funcpacks knows; did you mean GOOGLE_FUNCTION_TARGET?" in out
    assert "BP_TOTALLY_ELSE is not a setting funcpacks knows (ignored)" in out


def test_labels_from_the_three_conventions(capsys):
    env = {"GOOGLE_LABEL_BUILD_ID": "b-17", "FUNC_LABEL_TEAM": "payments",
           "BP_IMAGE_LABELS": 'com.example.owner=ops "com.example.note=two words" x=a=b',
           "BP_OCI_SOURCE": "https://git.example/fn", "BP_OCI_REF_NAME": "v1", "GOOGLE_LABEL_TEAM": "search"}
    got = labels.from_env(env, Logger("t"))
    assert got == {"google.build-id": "b-17", "google.team": "search", "com.example.owner": "ops",
                   "com.example.note": "two words", "x": "a=b",
                   "org.opencontainers.image.source": "https://git.example/fn", "org.opencontainers.image.ref.name": "v1"}
    assert "label google.team: GOOGLE_LABEL_TEAM wins over FUNC_LABEL_TEAM" in capsys.readouterr().out


@pytest.mark.parametrize("env, needle", [
    ({"GOOGLE_LABEL_1ST": "x"}, "must start with a letter"),
    ({"FUNC_LABEL_A__B": "x"}, "consecutive underscores"),
    ({"BP_IMAGE_LABELS": "good=1 bad key=2"}, "'bad', which is not key=value"),
    ({"BP_IMAGE_LABELS": "-lead=1"}, "must start and end with a letter or digit"),
    ({"BP_IMAGE_LABELS": "a b=1"}, "not key=value"),
    ({"BP_IMAGE_LABELS": 'a="unclosed'}, "cannot be split into words"),
    ({"BP_IMAGE_LABELS": "k€y=1"}, "it contains '€'"),
    ({"BP_OCI_COLOUR": "x"}, "BP_OCI_COLOUR is not one of the OCI image labels"),
])
def test_bad_labels_are_refused_with_the_rule(env, needle):
    with pytest.raises(UserError) as err:
        labels.from_env(env)
    assert needle in err.value.what


def for_image(app, env, log, runner, built, function_mode):
    """As a build runs them: the shared settings resolved once, the check, the processes."""
    launch = launch_settings.resolve(app, env, log)
    processes.check(launch.entrypoint, launch.procfile, function_mode, log)
    return processes.for_image(launch.entrypoint, launch.procfile, log, runner, built, function_mode)


def test_procfile_processes(tmp_path, capsys):
    app = tmp_path / "app"
    (app / "bin").mkdir(parents=True)
    (app / "bin" / "tool").write_bytes(elf("amd64"))
    (app / "bin" / "tool").chmod(0o755)
    (app / "Procfile").write_text("# processes\nweb: server --port 8080\n\nworker: ./bin/tool --queue 'a b'\n")
    bins = tmp_path / "layer-bin"
    bins.mkdir()
    (bins / "server").write_bytes(elf("amd64"))
    (bins / "server").chmod(0o755)
    runner = processes.Runner(shell=False, working_dir=app, search_path=[bins], arch="amd64", has_libc=False)
    built = Process("web", [str(bins / "server")], default=True)
    got = for_image(app, {}, Logger("t"), runner, built, function_mode=False)
    assert [(p.type, p.command, p.default) for p in got] == [
        ("web", ["server", "--port", "8080"], True), ("worker", [str(app / "bin" / "tool"), "--queue", "a b"], False)]
    # an entrypoint wins over the Procfile's web; in function mode the function is web
    got = for_image(app, {"FUNC_ENTRYPOINT": "server --other"}, Logger("t"), runner, built, False)
    assert got[0].command == ["server", "--other"]
    got = for_image(app, {}, Logger("t"), runner, built, function_mode=True)
    assert got[0] is built and [p.type for p in got] == ["web", "worker"]
    assert "the Procfile's web is not used: the function is the web process" in capsys.readouterr().out
    shell = processes.Runner(shell=True, working_dir=app)
    assert for_image(app, {}, Logger("t"), shell, None, False)[1].command == \
        ["bash", "-c", "./bin/tool --queue 'a b'"]
    # run directly, a relative program became absolute above (the launcher looks it up from the app dir)


@pytest.mark.parametrize("shell, content, mode, what", [
    (False, b"#!/bin/sh\nexec ./server\n", 0o755,
     "Procfile (web) runs ./start.sh: it is a script for /bin/sh, and this run image has no shell or interpreter"),
    (False, b"#!/usr/bin/env python3\n", 0o755, "a script for /usr/bin/env, and this run image has no shell"),
    (False, b"echo hi\n", 0o755, "it is a text file without a #! line, and this run image has no shell"),
    (True, b"!<arch>\n__.PKGDEF", 0o755, "it is an ar archive (a compiled package or library, not a program)"),
    (True, b"MZ\x90\x00\x03", 0o755, "it is a binary file that is not an ELF program"),
    (True, b"echo hi\n", 0o755, ""),  # bash runs a text file without #! as a script
    (False, b"\x7fELF...", 0o644, "Procfile (web) runs ./start.sh, which is not executable: the image could not start"),
    (True, b"#!/bin/sh\n", 0o600, "Procfile (web) runs ./start.sh, which is not executable"),
    (False, b"#!/layers/funcpacks_python/dependencies/bin/python\n", 0o755, ""),  # an interpreter the build made
    (True, b"#!/bin/sh\n", 0o755, ""),  # the general run image has the shell
])
def test_a_program_that_could_not_start_fails_the_build(tmp_path, shell, content, mode, what):
    """A script without its interpreter in the run image, or a file without the execute bit,
    passes the build and fails every start of the image: refused at build time."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "start.sh").write_bytes(content)
    (app / "start.sh").chmod(mode)
    deps = Path("/layers/funcpacks_python/dependencies")
    runner = processes.Runner(shell=shell, working_dir=app, reused={deps: frozenset({"bin/python"})})
    if not what:
        runner.command("./start.sh", "Procfile (web)")
        return
    with pytest.raises(UserError) as err:
        runner.command("./start.sh", "Procfile (web)")
    assert what in err.value.what and err.value.where == "Procfile (web)" and err.value.fix


@pytest.mark.parametrize("content, arch, has_libc, what", [
    (elf("amd64", interpreter=LOADERS["amd64"]), "amd64", True, ""),
    (elf("arm64", interpreter=LOADERS["arm64"]), "arm64", True, ""),
    (elf("amd64"), "amd64", False, ""),  # statically linked: starts anywhere
    (elf("amd64", elf_type=3), "amd64", False, ""),  # static-pie
    (elf("arm64"), "amd64", True, "it is built for arm64, and the image is amd64"),
    (elf("riscv64"), "arm64", True, "it is built for riscv64, and the image is arm64"),
    (elf("amd64", interpreter=LOADERS["amd64"]), "amd64", False,
     "it is dynamically linked (/lib64/ld-linux-x86-64.so.2), and this run image has no C library"),
    (elf("amd64", interpreter="/lib/ld-musl-x86_64.so.1"), "amd64", True,
     "it needs the loader /lib/ld-musl-x86_64.so.1 (another C library, such as musl)"),
    (elf("amd64", elf_type=1), "amd64", True, "it is an ELF object file, not a program"),
], ids=["glibc-amd64", "glibc-arm64", "static", "static-pie", "other-arch", "unknown-arch", "dynamic-on-static",
        "musl", "object-file"])
@pytest.mark.parametrize("shell", [True, False])
def test_a_program_must_start_on_the_image_architecture_and_c_library(tmp_path, content, arch, has_libc, what,
                                                                         shell):
    (tmp_path / "server").write_bytes(content)
    (tmp_path / "server").chmod(0o755)
    runner = processes.Runner(shell=shell, working_dir=tmp_path, arch=arch, has_libc=has_libc)
    built = Process("web", [str(tmp_path / "server")], default=True)
    for check in (lambda: runner.command("./server --port 8080", "Procfile (web)"), lambda: runner.check_built(built)):
        if not what:
            check()
            continue
        with pytest.raises(UserError) as err:
            check()
        assert what in err.value.what and "the image could not start" in err.value.what
        assert f"linux/{arch}" in err.value.fix


def test_python_m_names_its_module_to_the_check(tmp_path):
    seen = []
    runner = processes.Runner(shell=True, working_dir=tmp_path, module_check=lambda m, o: seen.append((m, o)))
    for line in ("python -m app.main --port $PORT", "PORT=1 python3.13 -m gunicorn app:app",
                 "/usr/bin/python3 -m waitress", "python -c 'print(1)'", "python -m $MOD", "pythonista -m x"):
        runner.command(line, "Procfile (web)")
    assert seen == [("app.main", "Procfile (web)"), ("gunicorn", "Procfile (web)"), ("waitress", "Procfile (web)")]


def test_programs_of_a_layer_kept_from_the_previous_image_are_checked_against_its_record(tmp_path):
    """Its contents are not here: what was recorded of its bin/ decides; its other files
    were not recorded and are not checked."""
    from pathlib import Path
    deps = Path("/layers/funcpacks_python/dependencies")
    runner = processes.Runner(shell=True, working_dir=tmp_path, reused={deps: frozenset({"bin/gunicorn", "bin/python"})})
    assert runner.command(f"{deps}/bin/gunicorn -b :$PORT main:app", "Procfile (web)")[0] == "bash"
    runner.command(f"{deps}/lib/python3.13/site-packages/tool/run.sh", "Procfile (web)")
    with pytest.raises(UserError) as err:
        runner.command(f"{deps}/bin/gunicron -b :$PORT main:app", "Procfile (web)")
    assert "runs /layers/funcpacks_python/dependencies/bin/gunicron, which is not in the image" in err.value.what
    with pytest.raises(UserError) as err:  # elsewhere under /layers the files themselves are checked
        runner.command("/layers/funcpacks_python/other/bin/gunicorn", "Procfile (web)")
    assert err.value.what == "Procfile (web) runs /layers/funcpacks_python/other/bin/gunicorn, which is not in the image"
    assert err.value.where == "Procfile (web)" and "name a file that the build produces" in err.value.fix


@pytest.mark.parametrize("line, program", [
    ("./bin/serve --port $PORT", "./bin/serve"), ("PYTHONPATH=src/ gunicorn app:app", None),
    ("FOO=1 ./x", "./x"), ("./start.sh;echo done", "./start.sh"), ("'./x' y", "./x"), ("$HOME/bin/x", None),
    ("~/bin/x", None), ("/usr/bin/python3 -m app", "/usr/bin/python3"), ("gunicorn app:app", None),
])
def test_the_program_of_a_shell_command(line, program):
    words = processes._shell_words(line)
    assert (words[0] if words and "/" in words[0] and processes._plain(words[0]) else None) == program


def test_procfile_lines_that_are_not_processes_are_skipped(tmp_path, capsys):
    (tmp_path / "Procfile").write_text("web run\nrelease.1: x\nweb: a\nweb: b\n")
    read = processes.read_procfile(tmp_path)
    assert read.processes == {"web": "a"}
    assert [p.split(" ", 1)[0] for p in read.problems] == ["Procfile:1", "Procfile:2", "Procfile:4"]
    processes.check(None, read, False, Logger("t"))
    assert "Procfile:4 names 'web' again; the first one is used" in capsys.readouterr().out


def test_procfile_web_that_cannot_run_falls_back_to_the_built_app(tmp_path, capsys):
    app = tmp_path / "app"
    app.mkdir()
    (app / "Procfile").write_text("web: bin/myapp\nrelease: ./bin/migrate\n")  # Heroku's layout
    runner = processes.Runner(shell=False, working_dir=app, search_path=[tmp_path])
    built = Process("web", ["/layers/x/bin/app"], default=True)
    got = for_image(app, {}, Logger("t"), runner, built, function_mode=False)
    assert got == [built]
    out = capsys.readouterr().out
    assert "runs bin/myapp, which is not in the image; the web process is the built app instead" in out
    assert "the process 'release' is left out" in out


@pytest.mark.parametrize("procfile, env, built, needle", [
    ("worker: run\n", {}, True, "the Procfile has no web process (it has: worker), and no entrypoint is set"),
    ("web: missing-program\n", {}, False, "runs 'missing-program', which is not a program of the image"),
    ("web: ./bin/nothing\n", {}, False, "runs ./bin/nothing, which is not in the image"),
    ("", {"GOOGLE_ENTRYPOINT": "./nope --x"}, True, "GOOGLE_ENTRYPOINT runs ./nope, which is not in the image"),
    ("", {"FUNC_ENTRYPOINT": "./app --port=$PORT"}, True, "uses shell syntax"),
    ("", {"FUNC_ENTRYPOINT": "MODE=fast ./app"}, True, "uses shell syntax"),
])
def test_bad_processes_are_refused(tmp_path, procfile, env, built, needle):
    app = tmp_path / "app"
    app.mkdir()
    if procfile:
        (app / "Procfile").write_text(procfile)
    runner = processes.Runner(shell=False, working_dir=app, search_path=[tmp_path])
    with pytest.raises(UserError) as err:
        for_image(app, env, Logger("t"), runner, Process("web", ["x"]) if built else None, function_mode=False)
    assert needle in err.value.what


def test_clear_source_keeps_what_bp_keep_files_names(tmp_path, capsys):
    from funcpacks import source
    app = tmp_path / "workspace"
    for name in ("main.go", "go.mod", "static/site.css", "static/img/logo.png", "templates/a.tmpl", "docs/x.md"):
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text("x")
    env = {"BP_CLEAR_SOURCE": "true", "BP_KEEP_FILES": "./static/:templates/*.tmpl"}
    assert source.clear_if_asked(app, launch_settings.resolve(app, env, Logger("t")), Logger("t"))
    kept = sorted(str(p.relative_to(app)) for p in app.rglob("*") if p.is_file())
    assert kept == ["static/img/logo.png", "static/site.css", "templates/a.tmpl"]
    assert not (app / "docs").exists() and app.is_dir()
    assert "3 file(s) kept (BP_KEEP_FILES=" in capsys.readouterr().out
    assert not source.clear_if_asked(app, launch_settings.resolve(app, {"BP_KEEP_FILES": "x"}, Logger("t")), Logger("t"))  # keeping alone clears nothing
