"""Knative Functions (`func`) shapes of a Go function, and the main package that serves one
through knative.dev/func-go, as func's own scaffolding does.

func's Go functions are library packages (its templates say `package function`) in one of
two shapes: instanced, a package-level `New()` returning a value whose methods are Handle
and optionally Start, Stop, Alive and Ready; or static, a package-level `Handle`. Whether
Handle takes HTTP requests or CloudEvents is what func.yaml's `invoke` says (http unless
it says cloudevent), and the signature has to agree: func-go takes a CloudEvents Handle
through reflection and panics at start on one it cannot call, so a mismatch found here is
an image that would otherwise have failed to start, with a Go panic for a message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from funcpacks.errors import UserError
from funcpacks.func_yaml import FuncYaml

from .functions import Package

MODULE = "knative.dev/func-go"
HTTP_PACKAGE = f"{MODULE}/http"
CLOUDEVENTS_PACKAGE = f"{MODULE}/cloudevents"
MIDDLEWARE_LABEL = "middleware-version"  # func's fn.MiddlewareVersionLabelKey
HTTP, CLOUDEVENT = "http", "cloudevent"
INSTANCED, STATIC = "instanced", "static"
HOOKS = ("Start", "Stop", "Alive", "Ready")
HOOK_SIGNATURES = {
    "Start": ("context.Context, map[string]string", "error"),
    "Stop": ("context.Context", "error"),
    "Alive": ("context.Context", "(bool, error)"),
    "Ready": ("context.Context", "(bool, error)"),
}
SHAPES = ("instanced: func New() *T, with func (t *T) Handle(w http.ResponseWriter, r *http.Request) "
          "(HTTP) or a CloudEvents Handle such as func (t *T) Handle(ctx context.Context, e event.Event) "
          "(*event.Event, error); static: a package-level func Handle of either kind")


def _alternatives(names: set[str], default: str) -> str:
    return "(?:" + "|".join(re.escape(n) for n in sorted(names or {default})) + ")"


def _ctx(pkg: Package) -> str:
    return rf"(?:\w+\s+)?{_alternatives(pkg.context_names, 'context')}\.Context"


def _http(pkg: Package) -> str:
    h = _alternatives(pkg.http_names, "http")
    return rf"(?:\w+\s+)?{h}\.ResponseWriter\s*,\s*(?:\w+\s+)?\*{h}\.Request"


@dataclass(frozen=True)
class Shape:
    signature: str  # INSTANCED or STATIC
    invoke: str  # HTTP or CLOUDEVENT
    type_name: str = ""  # instanced: the type New returns
    hooks: tuple[str, ...] = ()  # the optional methods the instance has
    with_context: bool = False  # static HTTP: Handle(ctx, w, r), served through func-go's DefaultHandler

    def describe(self) -> str:
        what = f"{'an' if self.signature == INSTANCED else 'a'} {self.signature} {self.invoke} function"
        if self.type_name:
            what += f" (New() returns *{self.type_name}"
            what += f"; with {', '.join(self.hooks)})" if self.hooks else ")"
        return what


def _strip_names(params: str) -> str:
    """`ctx context.Context, e event.Event` -> `context.Context, event.Event`."""
    return ", ".join(p.split()[-1] if len(p.split()) > 1 else p for p in (x.strip() for x in params.split(",")) if p)


def _http_kind(pkg: Package, params: str, results: str) -> str:
    """'plain' for (w, r), 'context' for (ctx, w, r), '' otherwise (results must be none)."""
    if results:
        return ""
    if re.fullmatch(_http(pkg), params):
        return "plain"
    if re.fullmatch(rf"{_ctx(pkg)}\s*,\s*{_http(pkg)}", params):
        return "context"
    return ""


def _is_cloudevents(pkg: Package, params: str, results: str) -> bool:
    """One of the twelve signatures func-go's CloudEvents service takes: params (), (ctx),
    (event), (ctx, event); results none, error, *event, (*event, error)."""
    events = "|".join(re.escape(n) for n in sorted(pkg.cloudevents_names)) or r"(?!)"
    event = rf"(?:\w+\s+)?(?:{events})\.Event"
    ctx = _ctx(pkg)
    param_ok = re.fullmatch(rf"|{ctx}|{event}|{ctx}\s*,\s*{event}", params)
    flat = results.strip()
    if flat.startswith("(") and flat.endswith(")"):
        flat = flat[1:-1].strip()
    result_ok = re.fullmatch(rf"|(?:\w+\s+)?error|(?:\w+\s+)?\*(?:{events})\.Event"
                             rf"|(?:\w+\s+)?\*(?:{events})\.Event\s*,\s*(?:\w+\s+)?error", flat)
    return bool(param_ok) and bool(result_ok)


def applies(pkg: Package, func: FuncYaml | None) -> bool:
    """Whether the package is meant as a func function: func.yaml says runtime go (then
    every shape error is the user's to hear), or the package (not main) has a
    package-level Handle, or a New() without arguments whose type has a Handle method. A
    library's constructor (New(opts) *Client) is no func function: such a root is told it
    is not a main package."""
    if pkg.name == "main":
        return False
    if func is not None and func.runtime == "go":
        return True
    if "Handle" in pkg.signatures:
        return True
    new = pkg.signatures.get("New")
    return new is not None and not new[0] and "Handle" in pkg.methods.get(_returned_type(new[1]), {})


def _returned_type(results: str) -> str:
    m = re.fullmatch(r"\*?\s*(\w+)", results.strip().removeprefix("(").removesuffix(")").strip())
    return m.group(1) if m else ""


def _invoke_of(pkg: Package, params: str, results: str) -> str:
    if _http_kind(pkg, params, results):
        return HTTP
    if _is_cloudevents(pkg, params, results):
        return CLOUDEVENT
    return ""


def _signature_error(what: str, params: str, results: str, where: str, invoke: str, given: bool) -> UserError:
    wanted = ("func Handle(w http.ResponseWriter, r *http.Request)" if invoke == HTTP else
              "one of the CloudEvents signatures (params (), (ctx), (event.Event) or (ctx, event.Event); "
              "results none, error, *event.Event or (*event.Event, error))")
    said = "func.yaml says invoke: " + invoke if given else f"an {invoke} function, func's default"
    results_shown = f" {results}" if results else ""
    return UserError(f"{what} has the signature Handle({params}){results_shown}, which func-go cannot serve as {said}",
                     where=where, fix=f"give Handle the signature {wanted}, or set invoke in func.yaml to the kind it is")


def shape(pkg: Package, func: FuncYaml | None) -> Shape:
    """The package's func shape, checked the way func-go will call it."""
    given = func is not None and func.invoke_given
    wanted = func.invoke if func is not None else HTTP
    has_new, has_handle = "New" in pkg.signatures, "Handle" in pkg.signatures
    if has_new and has_handle:
        raise UserError(f"package {pkg.name} has both a package-level New() and a package-level Handle: func "
                        "cannot tell an instanced function from a static one", where=f"package {pkg.name}",
                        fix="keep New() (instanced: Handle is then a method of what it returns) or the package-level "
                            "Handle (static), not both")
    if not has_new and not has_handle:
        raise UserError(f"package {pkg.name} has neither a package-level New() nor a package-level Handle, so it is no "
                        "Knative Functions (func) function", where=f"package {pkg.name}",
                        fix=f"give it one of func's shapes ({SHAPES}); or, to build an app, make the source root "
                            "package main or point GOOGLE_BUILDABLE at it")
    if has_handle:
        params, results = pkg.signatures["Handle"]
        invoke = _invoke_of(pkg, params, results)
        if not given and invoke:
            wanted = invoke
        if invoke != wanted:
            raise _signature_error(f"the package-level Handle of package {pkg.name}", params, results,
                                   f"func Handle in package {pkg.name}", wanted, given)
        return Shape(STATIC, wanted, with_context=_http_kind(pkg, params, results) == "context")
    params, results = pkg.signatures["New"]
    if params:
        raise UserError(f"New({params}) takes arguments; func-go calls New() with none",
                        where=f"func New in package {pkg.name}",
                        fix="declare func New() *T; read configuration in Start(ctx, cfg map[string]string)")
    type_name = _returned_type(results)
    if not type_name:
        raise UserError(f"New() returns {results or 'nothing'}; func-go needs one value, a pointer to the function's "
                        "type", where=f"func New in package {pkg.name}",
                        fix="declare func New() *T, where T has the Handle method")
    by_value = not results.strip().removeprefix("(").strip().startswith("*")
    methods = pkg.methods.get(type_name, {})
    if "Handle" not in methods:
        raise UserError(f"New() returns *{type_name}, which has no Handle method", where=f"type {type_name} in package {pkg.name}",
                        fix=f"add func (f *{type_name}) Handle(w http.ResponseWriter, r *http.Request) for an HTTP "
                            "function, or a CloudEvents Handle (func.yaml invoke: cloudevent)")
    if by_value:
        on_pointer = sorted(m for m in ("Handle", *HOOKS) if m in methods and (type_name, m) in pkg.pointer_methods)
        if on_pointer:
            raise UserError(f"New() returns {type_name} by value, but {', '.join(on_pointer)} "
                            f"{'is a method' if len(on_pointer) == 1 else 'are methods'} of *{type_name}: a {type_name} "
                            "value does not have them, and func-go would fail at start (or never call the hook)",
                            where=f"func New in package {pkg.name}",
                            fix=f"return a pointer: func New() *{type_name} {{ return &{type_name}{{}} }}")
    params, results = methods["Handle"]
    invoke = _invoke_of(pkg, params, results)
    if invoke == HTTP and _http_kind(pkg, params, results) == "context":
        invoke = ""  # func-go's HTTP instance is Handle(w, r): the ctx form is only the static one's
    if not given and invoke:
        wanted = invoke
    if invoke != wanted:
        raise _signature_error(f"the method Handle of {type_name}", params, results,
                               f"func (*{type_name}) Handle in package {pkg.name}", wanted, given)
    hooks = []
    for hook in HOOKS:
        if hook not in methods:
            continue
        h_params, h_results = methods[hook]
        for alias in pkg.context_names - {"context"}:  # compared as written with the default name
            h_params = re.sub(rf"\b{re.escape(alias)}\.Context\b", "context.Context", h_params)
        want_params, want_results = HOOK_SIGNATURES[hook]
        if _strip_names(h_params) != want_params or _strip_names(h_results.strip("()")) != want_results.strip("()"):
            raise UserError(f"{type_name}.{hook}({h_params}) {h_results} is not the signature func-go calls, so it "
                            "would silently never run", where=f"func (*{type_name}) {hook} in package {pkg.name}",
                            fix=f"declare func (f *{type_name}) {hook}({want_params}) {want_results}")
        hooks.append(hook)
    return Shape(INSTANCED, wanted, type_name, tuple(hooks))


def framework_package(s: Shape) -> str:
    return HTTP_PACKAGE if s.invoke == HTTP else CLOUDEVENTS_PACKAGE


def main_source(s: Shape, import_path: str) -> str:
    """The main package: the user's function served by func-go. LISTEN_ADDRESS wins as in
    func-go; without it the function listens on all interfaces at $PORT (8080 without it):
    func-go alone would take a PORT set without LISTEN_ADDRESS (as Knative Serving and
    OpenFunction set it) as 127.0.0.1:PORT, which no one outside the container reaches."""
    header = ("// Code generated by funcpacks to serve the function with knative.dev/func-go; DO NOT EDIT.\n"
              "package main\n\n")
    if s.invoke == HTTP:
        imports = f'\t"net/http"\n\t"os"\n\n\tfhttp "{HTTP_PACKAGE}"\n\tf "{import_path}"\n'
        if s.signature == INSTANCED:
            start, adapter = "fhttp.Start(f.New())", ""
        elif s.with_context:
            start, adapter = "fhttp.Start(fhttp.DefaultHandler{Handler: f.Handle})", ""
        else:
            start = "fhttp.Start(handler(f.Handle))"
            adapter = ("// handler makes the package-level Handle a func-go instance.\n"
                       "type handler func(http.ResponseWriter, *http.Request)\n\n"
                       "func (h handler) Handle(w http.ResponseWriter, r *http.Request) { h(w, r) }\n\n")
        if s.signature != STATIC or s.with_context:
            imports = imports.replace('\t"net/http"\n', "")
    else:
        imports = f'\t"os"\n\n\tce "{CLOUDEVENTS_PACKAGE}"\n\tf "{import_path}"\n'
        start = "ce.Start(f.New())" if s.signature == INSTANCED else "ce.Start(ce.DefaultHandler{Handler: f.Handle})"
        adapter = ""
    return header + f'''import (
	"fmt"
{imports})

{adapter}func main() {{
	if os.Getenv("LISTEN_ADDRESS") == "" {{
		port := os.Getenv("PORT")
		if port == "" {{
			port = "8080"
		}}
		os.Setenv("LISTEN_ADDRESS", "[::]:"+port)
	}}
	if err := {start}; err != nil {{
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}}
}}
'''
