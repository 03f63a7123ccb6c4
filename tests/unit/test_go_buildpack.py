"""funcpacks/go: detect and the build's early decisions, run as the lifecycle runs them,
and its pure modules (go.mod, toolchain choice, proxy settings, function plan)."""
from __future__ import annotations

import pytest

from funcpacks.errors import UserError
from funcpacks.log import Logger


BUILDPACK = "go"
pytestmark = pytest.mark.usefixtures("buildpack_modules")


def test_detect_go_mod_or_go_files(lifecycle, bp):
    (lifecycle.app / "go.mod").write_text("module example.com/x\n\ngo 1.17\n")
    res, plan = lifecycle.detect(bp, {"FUNC_NAME": "HelloWorld"})
    assert res.code == 0, res.output
    assert plan["requires"] == [{"name": "go", "metadata": {"mode": "function"}}]
    (lifecycle.app / "go.mod").unlink()
    (lifecycle.app / "main.go").write_text("package main\n")
    res, plan = lifecycle.detect(bp)
    assert res.code == 0 and plan["requires"][0]["metadata"] == {"mode": "app"}


def test_detect_fails_without_go(lifecycle, bp):
    (lifecycle.app / "main.py").write_text("")
    res, _ = lifecycle.detect(bp, {"FUNC_NAME": "x"})
    assert res.code == 100 and "not a Go project" in res.output


def test_build_without_go_mod_says_how_to_fix(lifecycle, bp):
    (lifecycle.app / "main.go").write_text("package main\n")
    res = lifecycle.build(bp)
    assert res.code == 1 and "no go.mod" in res.err and "go mod init" in res.err


def test_build_rejects_unreadable_go_version(lifecycle, bp):
    (lifecycle.app / "go.mod").write_text("module example.com/x\n\ngo 1.17\n")
    res = lifecycle.build(bp, {"FUNC_RUNTIME_VERSION": "latest"})
    assert res.code == 1 and "cannot read the Go version 'latest'" in res.err and "FUNC_RUNTIME_VERSION" in res.err


def test_go_mod_parse(tmp_path):
    from go_buildpack import gomod
    (tmp_path / "go.mod").write_text(
        "module example.com/hello // the module\n\ngo 1.22.1\n\ntoolchain go1.23.4\n\n"
        "require github.com/a/b v1.2.3\n\nrequire (\n\tgithub.com/c/d v0.5.0 // indirect\n\tgolang.org/x/e v0.1.0\n)\n")
    mod = gomod.parse(tmp_path / "go.mod")
    assert (mod.module, mod.go, mod.toolchain) == ("example.com/hello", "1.22.1", "1.23.4")
    assert mod.requires == {"github.com/a/b": "v1.2.3", "github.com/c/d": "v0.5.0", "golang.org/x/e": "v0.1.0"}


DEFAULT = "default"  # stands for versions.toml's [go] toolchain


@pytest.mark.parametrize("go_line, toolchain_line, explicit, want", [
    ("1.17", "", "", DEFAULT),         # before 1.21 the go line is no minimum
    ("1.22", "", "", DEFAULT),         # a minimum the default satisfies
    ("1.30", "", "", "1.30.0"),        # newer than the default: its first release
    ("1.22", "1.31.2", "", "1.31.2"),  # the toolchain line
    ("1.30", "", "1.27.3", "1.27.3"),  # an explicit version wins
])
def test_toolchain_choice(go_line, toolchain_line, explicit, want):
    from go_buildpack import gomod, toolchain
    mod = gomod.GoMod(module="m", go=go_line, toolchain=toolchain_line)
    import versions
    default = versions.get("go.toolchain")
    assert toolchain.resolve(explicit, "FUNC_RUNTIME_VERSION", mod, default).version == (default if want == DEFAULT else want)


def test_toolchain_h1_matches_go_sum_algorithm(tmp_path):
    import zipfile
    from go_buildpack import toolchain
    with zipfile.ZipFile(tmp_path / "m.zip", "w") as zf:
        zf.writestr("m@v1/b.txt", "b")
        zf.writestr("m@v1/a.txt", "a")
    # sha256("a")="ca97...", sha256("b")="3e23..."; h1 = base64(sha256("<hex>  <name>\n" sorted))
    import base64
    import hashlib
    summary = "".join(f"{hashlib.sha256(c.encode()).hexdigest()}  m@v1/{n}\n" for n, c in (("a.txt", "a"), ("b.txt", "b")))
    assert toolchain.h1_of_zip(tmp_path / "m.zip") == "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def test_proxy_settings(capsys):
    from go_buildpack.proxy import GoEnv
    env = {"FUNC_GOPROXY": "https://u:secret@goproxy.corp/base,direct", "GOPROXY": "https://other",
           "GONOSUMDB": "corp.example/*", "GOFLAGS": "-tags=x"}
    g = GoEnv.from_env(env, "https://proxy.golang.org,direct", "sum.golang.org", Logger("t"))
    assert "using FUNC_GOPROXY" in capsys.readouterr().out
    assert g.proxies() == ["https://u:secret@goproxy.corp/base"]
    assert g.describe() == "https://goproxy.corp" and "secret" not in g.describe()
    assert g.sumdb_off_for("corp.example/lib/x") and not g.sumdb_off_for("golang.org/toolchain")
    assert g.command_env() == {"GOPROXY": env["FUNC_GOPROXY"], "GOSUMDB": "sum.golang.org",
                               "GONOSUMDB": "corp.example/*", "GOFLAGS": "-tags=x"}
    assert GoEnv.from_env({"GOSUMDB": "off"}, "p", "sum.golang.org").sumdb_off_for("anything")


def test_function_plan(tmp_path, capsys):
    from go_buildpack import functions
    (tmp_path / "h.go").write_text('package h\n\nfunc init() {\n\tfunctions.HTTP("Greet", Greet)\n'
                                   '\tfunctions.CloudEvent("Receive", Receive)\n}\n\nfunc Greet() {}\nfunc helper() {}\n')
    pkg = functions.scan(tmp_path)
    assert pkg.name == "h" and pkg.registered == {"Greet": "HTTP", "Receive": "CloudEvent"}
    assert functions.plan(pkg, functions.OPENFUNCTION, "Greet", Logger("t")).declarative
    # OpenFunction serves every registered function: an unknown name warns, lists them
    functions.plan(pkg, functions.OPENFUNCTION, "Nope", Logger("t"))
    assert "will serve: Greet, Receive" in capsys.readouterr().out
    with pytest.raises(UserError) as err:
        functions.plan(pkg, functions.GOOGLE, "Nope", Logger("t"))
    assert "Greet, Receive" in err.value.fix
    (tmp_path / "h.go").write_text("package h\n\nfunc Exported(w http.ResponseWriter, r *http.Request) {}\n"
                                   "func Event(ctx context.Context, e event.Event) error { return nil }\n"
                                   "func Wrong(n int) {}\n")
    assert functions.scan(tmp_path).exported == {"Exported": "HTTP", "Event": "CloudEvent", "Wrong": None}
    with pytest.raises(UserError) as err:
        functions.plan(functions.scan(tmp_path), functions.OPENFUNCTION, "Wrong", Logger("t"))
    assert "signature" in err.value.what and "Event, Exported" in err.value.fix
    p = functions.plan(functions.scan(tmp_path), functions.OPENFUNCTION, "Exported", Logger("t"))
    assert not p.declarative and "fwk.Register(ctx, userfunction.Exported)" in functions.main_source(p, "example.com/h")
    (tmp_path / "h.go").write_text("package main\n")
    with pytest.raises(UserError):
        functions.plan(functions.scan(tmp_path), functions.OPENFUNCTION, "X", Logger("t"))
