"""funcpacks/go: Knative Functions (func) shapes, func.yaml, and the main that serves them."""
from __future__ import annotations

from pathlib import Path

import pytest

from funcpacks import func_yaml, settings
from funcpacks.errors import UserError
from funcpacks_dev.versions import ROOT

SAMPLES = ROOT / "samples"
HTTP = 'import "net/http"\n\n'
EVENT = 'import "github.com/cloudevents/sdk-go/v2/event"\n\n'
CONTEXT_EVENT = 'import (\n\t"context"\n\n\tce "github.com/cloudevents/sdk-go/v2/event"\n)\n\n'


def _shape(directory: Path):
    from go_buildpack import functions, knative
    pkg = functions.scan(directory)
    func = func_yaml.read(directory)
    assert knative.applies(pkg, func)
    return knative.shape(pkg, func)


def _write(tmp_path: Path, source: str, func: str | None = None) -> Path:
    (tmp_path / "function.go").write_text("package function\n\n" + source)
    if func is not None:
        (tmp_path / "func.yaml").write_text(func)
    return tmp_path


def test_func_templates_are_instanced_functions_of_their_kind():
    from go_buildpack import knative
    http = _shape(SAMPLES / "knative-go-http")
    assert (http.signature, http.invoke, http.type_name, http.hooks) == (knative.INSTANCED, knative.HTTP, "MyFunction", ())
    ce = _shape(SAMPLES / "knative-go-cloudevents")
    assert (ce.signature, ce.invoke, ce.type_name) == (knative.INSTANCED, knative.CLOUDEVENT, "MyFunction")
    hooks = _shape(SAMPLES / "knative-go-hooks")
    assert hooks.hooks == ("Start", "Stop", "Alive", "Ready") and hooks.invoke == knative.HTTP


@pytest.mark.parametrize("source, func, signature, invoke, with_context", [
    (HTTP + "func Handle(w http.ResponseWriter, r *http.Request) {}\n", None, "static", "http", False),
    ('import (\n\t"context"\n\t"net/http"\n)\n\nfunc Handle(ctx context.Context, res http.ResponseWriter, '
     'req *http.Request) {}\n', None, "static", "http", True),
    (CONTEXT_EVENT + "func Handle(ctx context.Context, e ce.Event) (*ce.Event, error) { return &e, nil }\n",
     "runtime: go\ninvoke: cloudevent\n", "static", "cloudevent", False),
    # imports under other names
    ('import (\n\tgoctx "context"\n\tnethttp "net/http"\n)\n\ntype F struct{}\n\nfunc New() *F { return &F{} }\n\n'
     'func (f *F) Handle(w nethttp.ResponseWriter, r *nethttp.Request) {}\n\n'
     'func (f *F) Stop(ctx goctx.Context) error { return nil }\n', None, "instanced", "http", False),
    ('import (\n\t"context"\n\n\tcloudevents "github.com/cloudevents/sdk-go/v2"\n)\n\n'
     "func Handle(ctx context.Context, e cloudevents.Event) error { return nil }\n", None, "static", "cloudevent", False),
    # the signature says what it is when func.yaml does not
    (EVENT + "func Handle(e event.Event) error { return nil }\n", None, "static", "cloudevent", False),
    (EVENT + "type F struct{}\n\nfunc New() *F { return &F{} }\n\nfunc (f *F) Handle() {}\n",
     "runtime: 'go'   # func's\ninvoke: \"cloudevent\"\n", "instanced", "cloudevent", False),
])
def test_shapes(tmp_path, source, func, signature, invoke, with_context):
    s = _shape(_write(tmp_path, source, func))
    assert (s.signature, s.invoke, s.with_context) == (signature, invoke, with_context)


@pytest.mark.parametrize("source, func, needles", [
    (HTTP + "type F struct{}\n\nfunc New() *F { return &F{} }\n\nfunc Handle(w http.ResponseWriter, r *http.Request) {}\n",
     None, ["both a package-level New() and a package-level Handle", "keep New()"]),
    (HTTP + "type F struct{}\n\nfunc New() *F { return &F{} }\n", None,
     ["New() returns *F, which has no Handle method", "type F in package function", "func (f *F) Handle("]),
    (HTTP + "type F struct{}\n\nfunc New(name string) *F { return &F{} }\n", None, ["New(name string) takes arguments"]),
    (HTTP + "func New() {}\n", None, ["New() returns nothing"]),
    # func.yaml says cloudevent, Handle takes HTTP requests (and the reverse)
    (HTTP + "type F struct{}\n\nfunc New() *F { return &F{} }\n\nfunc (f *F) Handle(w http.ResponseWriter, r *http.Request) {}\n",
     "runtime: go\ninvoke: cloudevent\n",
     ["the method Handle of F has the signature Handle(w http.ResponseWriter, r *http.Request)",
      "func.yaml says invoke: cloudevent", "one of the CloudEvents signatures"]),
    (EVENT + "func Handle(e event.Event) error { return nil }\n", "runtime: go\ninvoke: http\n",
     ["the package-level Handle of package function", "func.yaml says invoke: http",
      "func Handle(w http.ResponseWriter, r *http.Request)"]),
    # neither kind: an HTTP handler with a result
    (HTTP + "func Handle(w http.ResponseWriter, r *http.Request) error { return nil }\n", None,
     ["which func-go cannot serve as an http function, func's default"]),
    (HTTP + "type F struct{}\n\nfunc New() *F { return &F{} }\n\nfunc (f *F) Handle(w http.ResponseWriter, r *http.Request) {}\n\n"
     "func (f *F) Stop() error { return nil }\n", None,
     ["F.Stop() error is not the signature func-go calls", "func (f *F) Stop(context.Context) error"]),
    # New() returns a value; Handle is a method of the pointer (func-go would panic at start)
    (EVENT + "type F struct{}\n\nfunc New() F { return F{} }\n\nfunc (f *F) Handle(e event.Event) error { return nil }\n",
     None, ["New() returns F by value, but Handle is a method of *F", "func New() *F { return &F{} }"]),
    # an Event of a package of the user's own named like the SDK's is not the SDK's
    ('import ce "github.com/cloudevents/sdk-go/v2/event"\nimport "example.com/event"\n\n'
     "func Handle(e event.Event) error { return nil }\n", "runtime: go\ninvoke: cloudevent\n",
     ["which func-go cannot serve as func.yaml says invoke: cloudevent"]),
    (HTTP + "func Serve(w http.ResponseWriter, r *http.Request) {}\n", "runtime: go\n",
     ["neither a package-level New() nor a package-level Handle", "instanced: func New() *T", "GOOGLE_BUILDABLE"]),
])
def test_shapes_func_go_cannot_serve_are_refused(tmp_path, source, func, needles):
    from go_buildpack import functions, knative
    directory = _write(tmp_path, source, func)
    with pytest.raises(UserError) as err:
        knative.shape(functions.scan(directory), func_yaml.read(directory))
    text = err.value.render("go")
    for needle in needles:
        assert needle in text, text


def test_a_package_without_func_yaml_or_func_shapes_is_not_a_func_function(tmp_path):
    from go_buildpack import functions, knative
    directory = _write(tmp_path, HTTP + "func Serve(w http.ResponseWriter, r *http.Request) {}\n")
    assert not knative.applies(functions.scan(directory), None)
    # a library's constructor: told it is not a main package, not that it lacks Handle
    _write(tmp_path, "type Client struct{}\n\ntype Option func(*Client)\n\nfunc New(opts ...Option) *Client { return nil }\n")
    assert not knative.applies(functions.scan(directory), None)
    _write(tmp_path, "type Client struct{}\n\nfunc New() *Client { return nil }\n\nfunc (c *Client) Get() {}\n")
    assert not knative.applies(functions.scan(directory), None)
    (tmp_path / "function.go").write_text("package main\n\nfunc New() {}\n\nfunc main() {}\n")
    assert not knative.applies(functions.scan(directory), func_yaml.read(directory))


@pytest.mark.parametrize("shape, wants, lacks", [
    (("instanced", "http"), ["fhttp.Start(f.New())", '"knative.dev/func-go/http"'], ['"net/http"', "handler"]),
    (("static", "http"), ["fhttp.Start(handler(f.Handle))", '"net/http"'], []),
    (("static", "http", True), ["fhttp.DefaultHandler{Handler: f.Handle}"], ['"net/http"']),
    (("instanced", "cloudevent"), ["ce.Start(f.New())", '"knative.dev/func-go/cloudevents"'], ["fhttp"]),
    (("static", "cloudevent"), ["ce.Start(ce.DefaultHandler{Handler: f.Handle})"], []),
])
def test_the_generated_main_serves_the_shape_on_all_interfaces(shape, wants, lacks):
    from go_buildpack import knative
    s = knative.Shape(shape[0], shape[1], "F" if shape[0] == "instanced" else "", (), *shape[2:])
    text = knative.main_source(s, "example.com/fn")
    for want in [*wants, 'f "example.com/fn"', 'os.Setenv("LISTEN_ADDRESS", "[::]:"+port)']:
        assert want in text, text
    for lack in lacks:
        assert lack not in text, text


def test_func_yaml_runtime_picks_the_language_and_refuses_what_funcpacks_lacks(tmp_path):
    (tmp_path / "func.yaml").write_text("specVersion: 0.36.0\nname: fn\nruntime: python\nbuild:\n  runtime: go\n")
    assert "func.yaml's runtime: python: the build is for python, not go" == settings.runtime_forbids({}, settings.GO, tmp_path)
    assert settings.runtime_forbids({}, settings.PYTHON, tmp_path) == ""
    # the setting wins over the file
    assert settings.runtime_forbids({"GOOGLE_RUNTIME": "go"}, settings.GO, tmp_path) == ""
    (tmp_path / "func.yaml").write_text("runtime: node\n")
    assert settings.runtime_forbids({}, settings.NODEJS, tmp_path) == ""
    for runtime, needle in (("rust", "which funcpacks does not build"), ("cobol", "not one of func's runtimes")):
        (tmp_path / "func.yaml").write_text(f"name: fn\nruntime: {runtime}\n")
        with pytest.raises(UserError) as err:
            settings.runtime_forbids({}, settings.GO, tmp_path)
        assert needle in err.value.what and err.value.where == "func.yaml"
    (tmp_path / "func.yaml").write_text("runtime: go\ninvoke: grpc\n")
    with pytest.raises(UserError, match="neither of func's invocation hints"):
        func_yaml.read(tmp_path)
