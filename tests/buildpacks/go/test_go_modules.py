"""funcpacks/go: its modules (go.mod, toolchain choice, proxy settings, the function plan and
signatures, source modes, credentials, the Config)."""
from __future__ import annotations

import pytest

from funcpacks.errors import UserError
from funcpacks.log import Logger


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
    from funcpacks_dev import versions
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
    out = capsys.readouterr().out
    assert "FUNC_GOPROXY and GOPROXY are both set; using FUNC_GOPROXY" in out and "secret" not in out
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
    assert pkg.name == "h" and pkg.registered == {"Greet": "http", "Receive": "cloudevent"}
    assert functions.plan(pkg, functions.OPENFUNCTION, "Greet", Logger("t")).declarative
    # OpenFunction serves every registered function: an unknown name warns, lists them
    functions.plan(pkg, functions.OPENFUNCTION, "Nope", Logger("t"))
    assert "will serve: Greet, Receive" in capsys.readouterr().out
    with pytest.raises(UserError) as err:
        functions.plan(pkg, functions.GOOGLE, "Nope", Logger("t"))
    assert "Greet, Receive" in err.value.fix
    (tmp_path / "h.go").write_text("package h\n\nimport \"github.com/cloudevents/sdk-go/v2/event\"\n\n"
                                   "func Exported(w http.ResponseWriter, r *http.Request) {}\n"
                                   "func Event(ctx context.Context, e event.Event) error { return nil }\n"
                                   "func Wrong(n int) {}\n")
    assert {n: k.kind for n, k in functions.scan(tmp_path).exported.items()} == {
        "Exported": "http", "Event": "cloudevent", "Wrong": None}
    with pytest.raises(UserError) as err:
        functions.plan(functions.scan(tmp_path), functions.OPENFUNCTION, "Wrong", Logger("t"))
    assert "cannot be served" in err.value.what and "Event, Exported" in err.value.fix
    p = functions.plan(functions.scan(tmp_path), functions.OPENFUNCTION, "Exported", Logger("t"))
    assert not p.declarative and "fwk.Register(ctx, userfunction.Exported)" in functions.main_source(p, "example.com/h")
    (tmp_path / "h.go").write_text("package main\n")
    with pytest.raises(UserError) as err:
        functions.plan(functions.scan(tmp_path), functions.OPENFUNCTION, "X", Logger("t"))
    assert err.value.what == "the function's package is 'package main'" and err.value.where == "the source root"
    assert "unset FUNC_NAME / GOOGLE_FUNCTION_TARGET" in err.value.fix


EVENT_SOURCE = """package ev

import (
\t"context"
\t"net/http"
)

// GCSEvent is the payload of a Cloud Storage event.
type GCSEvent struct {
\tBucket string `json:"bucket"`
\tName   string `json:"name"`
}

type (
\tAttrs   map[string]string
\tCounter int
)

func OnUpload(ctx context.Context, e GCSEvent) error { return nil }
func OnPointer(ctx context.Context, e *GCSEvent) error { return nil }
func OnMap(_ context.Context, m map[string]interface{}) error { return nil }
func OnAttrs(ctx context.Context, a Attrs) error { return nil }
func OnMessage(ctx context.Context, m pubsub.Message) error { return nil }
func OnString(ctx context.Context, s string) error { return nil }
func OnCounter(ctx context.Context, c Counter) error { return nil }
func NoError(ctx context.Context, e GCSEvent) {}
func Serve(w http.ResponseWriter, r *http.Request) {}
"""


def test_background_event_signatures(tmp_path):
    from go_buildpack import functions
    (tmp_path / "ev.go").write_text(EVENT_SOURCE)
    pkg = functions.scan(tmp_path)
    kinds = {n: k.kind for n, k in pkg.exported.items()}
    assert kinds == {"OnUpload": "event", "OnPointer": "event", "OnMap": "event", "OnAttrs": "event",
                     "OnMessage": "event", "OnString": None, "OnCounter": None, "NoError": None, "Serve": "http"}
    assert "type string, which is not a struct or map" in pkg.exported["OnString"].problem
    assert "declared as int" in pkg.exported["OnCounter"].problem
    log = Logger("t")
    p = functions.plan(pkg, functions.GOOGLE, "OnUpload", log)
    main = functions.main_source(p, "functions.local/app")
    assert 'funcframework.RegisterEventFunctionContext(context.Background(), "/", userfunction.OnUpload)' in main
    http = functions.main_source(functions.plan(pkg, functions.GOOGLE, "Serve", log), "functions.local/app")
    assert "RegisterHTTPFunctionContext" in http
    # an event function is not something OpenFunction's framework serves: the error lists what it does
    with pytest.raises(UserError) as err:
        functions.plan(pkg, functions.OPENFUNCTION, "OnUpload", log)
    assert "OpenFunction's framework does not serve event functions" in err.value.what
    assert "Serve" in err.value.fix and "openfunction: func(ctx ofctx.Context" in err.value.fix
    with pytest.raises(UserError) as err:
        functions.plan(pkg, functions.GOOGLE, "OnString", log)
    assert "not a struct or map" in err.value.what and "OnMap, OnMessage, OnPointer, OnUpload, Serve" in err.value.fix


TRICKY_SOURCE = """package tricky

import (
\t// the SDK (see cloudevents.Event() docs)
\tce "github.com/cloudevents/sdk-go/v2"
\t"context"
\t"net/http"
)

type (
\tHooks struct {
\t\tOnDone func() error
\t}
\tPage[T any] struct {
\t\tItems []T
\t}
\tNames []string
)

func MultiLine(
\tw http.ResponseWriter,
\tr *http.Request,
) {
}

func Named(ctx context.Context, h Hooks) (err error) { return nil }
func Paren(ctx context.Context, p Page[int]) (error) { return nil }
func Aliased(ctx context.Context, e ce.Event) error { return nil }
func Anything(ctx context.Context, data any) error { return nil }
func List(ctx context.Context, n Names) error { return nil }
"""


def test_signatures_as_gofmt_and_real_code_write_them(tmp_path):
    from go_buildpack import functions
    (tmp_path / "t.go").write_text(TRICKY_SOURCE)
    pkg = functions.scan(tmp_path)
    assert {n: k.kind for n, k in pkg.exported.items()} == {
        "MultiLine": "http", "Named": "event", "Paren": "event", "Aliased": "cloudevent", "Anything": "event",
        "List": None}
    assert "declared as []string" in pkg.exported["List"].problem
    assert "github.com/cloudevents/sdk-go/v2" in pkg.imports and "net/http" in pkg.imports


def test_signature_type_setting_must_match_the_function(tmp_path):
    from funcpacks.settings import Setting
    from go_buildpack import functions
    (tmp_path / "ev.go").write_text(EVENT_SOURCE)
    pkg, log = functions.scan(tmp_path), Logger("t")
    assert functions.plan(pkg, functions.GOOGLE, "OnUpload", log, Setting("event", "GOOGLE_FUNCTION_SIGNATURE_TYPE")).kind == "event"
    with pytest.raises(UserError) as err:
        functions.plan(pkg, functions.GOOGLE, "Serve", log, Setting("event", "GOOGLE_FUNCTION_SIGNATURE_TYPE"))
    assert "GOOGLE_FUNCTION_SIGNATURE_TYPE=event but 'Serve' is a http function" in err.value.what
    with pytest.raises(UserError) as err:
        functions.plan(pkg, functions.GOOGLE, "Serve", log, Setting("background", "FUNC_TYPE"))
    assert "http, event, cloudevent" in err.value.fix


@pytest.mark.parametrize("requires, imports, source, want", [
    ({"github.com/OpenFunction/functions-framework-go": "v0.5.0"}, set(), "GOOGLE_FUNCTION_TARGET", "OpenFunction"),
    ({}, {"github.com/GoogleCloudPlatform/functions-framework-go/functions"}, "FUNC_NAME", "Google"),
    ({}, set(), "GOOGLE_FUNCTION_TARGET", "Google"),
    ({}, set(), "FUNC_NAME", "OpenFunction"),
], ids=["go.mod-wins", "imports", "GOOGLE-family", "FUNC-family"])
def test_framework_choice(requires, imports, source, want):
    from funcpacks.settings import Setting
    from go_buildpack import functions
    choice = functions.choose_framework(requires, functions.Package("p", imports=imports), Setting("F", source))
    assert functions.SHORT_NAME[choice.framework] == want
    assert (source in choice.why) == (not requires and not imports)


def test_source_modes_and_goflags(tmp_path):
    from go_buildpack import module_source as ms
    app = tmp_path / "app"
    app.mkdir()
    (app / "fn.go").write_text("package fn\n")
    src = ms.inspect(app, "")
    assert (src.mode, src.import_path, src.env["GOFLAGS"]) == (ms.GENERATED, "functions.local/app", "-mod=mod")
    (app / "vendor").mkdir()
    src = ms.inspect(app, "-mod=vendor -tags=x")
    assert src.mode == ms.GOPATH and src.env["GO111MODULE"] == "off" and src.env["GOFLAGS"] == "-tags=x"
    # GOPATH mode puts the package where gcp-builder does: $GOPATH/src/<package name>
    assert src.work_dir == ms.ROOT / "gopath" / "src" / "fn" and src.import_path == "fn"
    (app / "go.mod").write_text("module example.com/fn\n\ngo 1.22\n")
    assert ms.inspect(app, "").env["GOFLAGS"] == "-mod=mod"  # vendor/ without modules.txt is not used
    (app / "vendor" / "modules.txt").write_text("# github.com/a/b v1.0.0\n## explicit\ngithub.com/a/b\ngithub.com/a/b/c\n")
    src = ms.inspect(app, "-tags=x")
    assert (src.mode, src.env["GOFLAGS"]) == (ms.VENDORED, "-tags=x -mod=vendor")
    assert ms.inspect(app, "-mod=readonly").env["GOFLAGS"] == "-mod=readonly"  # the user's -mod= is kept
    assert ms.inspect(app, "-mod=mod").mode == ms.MODULE  # ... and means: not from vendor/
    assert ms.inspect(app, "--mod=vendor").env["GOFLAGS"] == "--mod=vendor"
    assert ms.vendored_packages(app) == {"github.com/a/b", "github.com/a/b/c"}


def test_unresolved_imports_are_named():
    from go_buildpack import module_source as ms
    out = ("go: finding module for package github.com/nope/missing\n"
           "go: functions.local/app imports\n\tgithub.com/nope/missing: cannot find module providing package "
           "github.com/nope/missing: module github.com/nope/missing: reading https://proxy/x: 404 Not Found\n"
           "go: functions.local/app imports\n\tnotadomain/pkg: package notadomain/pkg is not in std (/go/src)\n"
           "go: functions.local/app imports\n\tgithub.com/gone/x: module github.com/gone/x: reading "
           "https://proxy.golang.org/github.com/gone/x/@v/list: 403 Forbidden\n"
           "\tserver response: This module version is not available.\n"
           "go: functions.local/app imports\n\tcorp.example/lib: module corp.example/lib: reading "
           "https://127.0.0.1:8443/corp.example/lib/@v/list: 401 Unauthorized\n")
    # a 401 is not a missing module: it keeps its own message (give credentials)
    assert ms.unresolved_imports(out) == ["github.com/nope/missing", "notadomain/pkg", "github.com/gone/x"]


def test_credentials_from_bindings(tmp_path):
    from go_buildpack import credentials
    root = tmp_path / "bindings"
    (root / "a").mkdir(parents=True)
    (root / "a" / "type").write_text("netrc")
    (root / "a" / ".netrc").write_text("machine 127.0.0.1:8443 login bot password tok3n\n")
    (root / "b").mkdir()
    (root / "b" / "type").write_text("git-credentials")
    (root / "b" / "credentials").write_text("protocol=https\nusername=git\npassword=p@ss/word\n")
    (root / "b" / "context").write_text("git.corp.example/team\n")  # a context without a scheme
    with credentials.from_bindings({"SERVICE_BINDING_ROOT": str(root)}, None, Logger("t")) as creds:
        env = creds.command_env()
        home = creds.home
        netrc = (home / ".netrc").read_text()
        assert "machine 127.0.0.1:8443 login bot password tok3n" in netrc
        assert "machine git.corp.example login git password p@ss/word" in netrc
        assert "https://git:p%40ss%2Fword@git.corp.example" in (home / "git-credentials").read_text()
        assert env["NETRC"] == str(home / ".netrc") and oct((home / ".netrc").stat().st_mode)[-3:] == "600"
        assert creds.authorization("https://127.0.0.1:8443/mod/x/@v/list")["Authorization"].startswith("Basic ")
        assert creds.authorization("http://127.0.0.1:8443/x") == {}  # never over plain http
        assert creds.authorization("https://proxy.golang.org/x") == {}
    assert not home.exists()


def test_runtime_suffix_is_a_minimum_like_go_mod():
    from go_buildpack import gomod, toolchain
    mod = gomod.GoMod(module="m", go="1.24")
    assert toolchain.resolve("", "", mod, "1.40.1", ("1.22", "GOOGLE_RUNTIME (go122)")).version == "1.40.1"
    assert toolchain.resolve("", "", mod, "1.25.3", ("1.27", "GOOGLE_RUNTIME (go127)")).version == "1.27.0"
    assert toolchain.resolve("1.25.*", "BP_GO_VERSION", mod, "1.40.1").version == "1.25"
    assert toolchain.is_minor("1.25") and not toolchain.is_minor("1.25.3")


@pytest.mark.parametrize("env, want", [
    ({}, "."), ({"GOOGLE_BUILDABLE": "cmd/server"}, "./cmd/server"), ({"BP_GO_TARGETS": "./cmd/web"}, "./cmd/web"),
    ({"BP_GO_TARGETS": "./cmd/a:./cmd/b"}, "names 2 targets; funcpacks builds one main package"),
    ({"BP_GO_TARGETS": "/abs/cmd"}, "is an absolute path"),
    ({"GOOGLE_BUILDABLE": "../lib/cmd"}, "GOOGLE_BUILDABLE='../lib/cmd' leads outside the source (with '..')"),
    ({"FUNC_BUILDABLE": "./cmd/../../x"}, "FUNC_BUILDABLE='./cmd/../../x' leads outside the source"),
])
def test_go_main_package_from_buildable_or_paketo_targets(env, want):
    from go_buildpack import config
    if want.startswith("."):
        assert config.main_package(env, Logger("t"))[0] == want
    else:
        with pytest.raises(UserError) as err:
            config.main_package(env, Logger("t"))
        assert want in err.value.what
        assert err.value.where == next(iter(env)) and err.value.fix


def test_ldflags_among_extra_go_flags_join_the_stripping_ones():
    from go_buildpack import go_build
    assert go_build.take_ldflags(["-tags=x", "-ldflags=-X main.v=1", "-v", "-ldflags", "-X b=2"]) == (
        ["-tags=x", "-v"], ["-X main.v=1", "-X b=2"])


def test_minor_version_means_the_newest_release_the_proxy_lists(tmp_path):
    from go_buildpack import toolchain
    from go_buildpack.proxy import GoEnv
    listing = tmp_path / "proxy" / "golang.org" / "toolchain" / "@v" / "list"
    listing.parent.mkdir(parents=True)
    listing.write_text("v0.0.1-go1.24.2.linux-amd64\nv0.0.1-go1.24.11.linux-amd64\nv0.0.1-go1.24.12.linux-arm64\n"
                       "v0.0.1-go1.25.1.linux-amd64\n")
    goenv = GoEnv(goproxy=f"file:///nowhere,file://{tmp_path / 'proxy'}", gosumdb="off")
    assert toolchain.newest_patch("1.24", "1.40.1", "amd64", goenv, lambda url: {}) == "1.24.11"
    assert toolchain.newest_patch("1.40", "1.40.1", "amd64", goenv, lambda url: {}) == "1.40.1"  # the default's line
    with pytest.raises(UserError) as err:
        toolchain.newest_patch("1.23", "1.40.1", "amd64", goenv, lambda url: {})
    assert "no Go 1.23.x release is listed" in err.value.what


def test_config_resolves_each_setting_once_in_precedence_order(tmp_path, capsys):
    from go_buildpack import config
    env = {"FUNC_NAME": "Fn", "FUNC_TYPE": "event", "GOOGLE_GO_VERSION": "1.26.1", "FUNC_RUNTIME_VERSION": "1.25",
           "GOOGLE_RUNTIME": "go124", "GOOGLE_BUILD_ARGS": "-tags 'a b'", "BP_GO_BUILD_FLAGS": "-v",
           "GOOGLE_GOLDFLAGS": "-X a=1", "BP_GO_BUILD_LDFLAGS": "-X a=2", "FUNC_GOGCFLAGS": "all=-N",
           "FUNC_GOPROXY": "https://u:tok3n@corp/proxy", "GOPROXY": "https://other", "GOOGLE_BUILDABLE": "a:b"}
    cfg = config.resolve(tmp_path, env, "https://proxy.golang.org", "sum.golang.org", Logger("t"))
    out = capsys.readouterr().out
    assert (cfg.target.value, cfg.signature.value) == ("Fn", "event")
    assert (cfg.version.value, cfg.version.source) == ("1.26.1", "GOOGLE_GO_VERSION")
    assert cfg.version_hint.value == "1.24"
    assert cfg.build_flags == ("-tags", "a b", "-v")
    assert (cfg.goldflags, cfg.gcflags) == ("-X a=1", "all=-N")
    assert cfg.goenv.goproxy == env["FUNC_GOPROXY"]
    assert "FUNC_GOPROXY and GOPROXY are both set; using FUNC_GOPROXY" in out and "tok3n" not in out
    assert "GOOGLE_GO_VERSION='1.26.1' wins over FUNC_RUNTIME_VERSION='1.25'" in out
    assert cfg.main_package == "."  # a function: the buildable is not read
    app = config.resolve(tmp_path, {"BP_GO_TARGETS": "cmd/web", "FUNC_TYPE": "event"},
                         "https://proxy.golang.org", "sum.golang.org", Logger("t"))
    assert (app.target, app.signature, app.main_package) == (None, None, "./cmd/web")
    assert app.goenv.goproxy == "https://proxy.golang.org" and app.build_flags == ()
    assert "not go" in config.forbidden({"GOOGLE_RUNTIME": "python"}) and config.forbidden({"GOOGLE_RUNTIME": "go"}) == ""
