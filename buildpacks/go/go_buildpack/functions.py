"""Which functions framework serves the function, which functions the package offers, and
the main package generated to serve the chosen one."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks.errors import UserError
from funcpacks.log import Logger
from funcpacks.settings import Setting

OPENFUNCTION = "github.com/OpenFunction/functions-framework-go"
GOOGLE = "github.com/GoogleCloudPlatform/functions-framework-go"
FRAMEWORKS = (OPENFUNCTION, GOOGLE)
# The package of each framework the generated main imports: a vendored tree must hold it.
MAIN_PACKAGE = {OPENFUNCTION: f"{OPENFUNCTION}/framework", GOOGLE: f"{GOOGLE}/funcframework"}
SHORT_NAME = {OPENFUNCTION: "OpenFunction", GOOGLE: "Google"}

# Kinds of exported functions, and which framework can serve which. Google's framework
# takes legacy background ("event") functions, func(context.Context, T) error, decoding
# the event's data into T; OpenFunction's takes its own func(ofctx.Context, []byte).
HTTP, CLOUDEVENT, EVENT, OPENFUNCTION_KIND = "http", "cloudevent", "event", "openfunction"
SERVES = {GOOGLE: (HTTP, CLOUDEVENT, EVENT), OPENFUNCTION: (HTTP, CLOUDEVENT, OPENFUNCTION_KIND)}
SIGNATURES = {
    HTTP: "func(w http.ResponseWriter, r *http.Request)",
    CLOUDEVENT: "func(ctx context.Context, e event.Event) error",
    EVENT: "func(ctx context.Context, data T) error, T a struct or map type",
    OPENFUNCTION_KIND: "func(ctx ofctx.Context, in []byte) (ofctx.Out, error)",
}
# What GOOGLE_FUNCTION_SIGNATURE_TYPE / FUNC_TYPE may say.
SIGNATURE_TYPES = (HTTP, EVENT, CLOUDEVENT)

_REGISTER = re.compile(r"\bfunctions\.(HTTP|CloudEvent|OpenFunction|Typed)\s*\(\s*\"([^\"]+)\"")
_REGISTERED_KIND = {"HTTP": HTTP, "CloudEvent": CLOUDEVENT, "OpenFunction": OPENFUNCTION_KIND, "Typed": HTTP}
_EXPORTED = re.compile(r"^func\s+([A-Z]\w*)\s*\(([^)]*)\)\s*([^{\n]*)\{?", re.MULTILINE)
# An exported method: receiver type (without '*' or type parameters), name, parameters, results.
_METHOD = re.compile(r"^func\s*\(\s*(?:\w+\s+)?(\*?)\s*(\w+)(?:\[[^\]]*\])?\s*\)\s*([A-Z]\w*)\s*\(([^)]*)\)\s*([^{\n]*)",
                     re.MULTILINE)
_PACKAGE = re.compile(r"^package\s+(\w+)", re.MULTILINE)
_IMPORT_LINE = re.compile(r"^import\s+(?:([\w.]+)\s+)?\"([^\"]+)\"", re.MULTILINE)
_IMPORT_SPEC = re.compile(r"^\s*(?:([\w.]+)\s+)?\"([^\"]+)\"", re.MULTILINE)
_IMPORT_BLOCK = re.compile(r"^import\s*\(\n(.*?)^\)", re.MULTILINE | re.DOTALL)
# A type declaration (name, optional type parameters, optional '=', what it is), alone
# after `type` or as a line of a type ( ... ) block.
_TYPE_SPEC = re.compile(r"^(\w+)(?:\[[^\]]*\])?\s+(?:=\s*)?(struct\b|map\[|\S+)")
_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
GENERATED_DIR = "funcpacks_main"
# Import paths of the CloudEvents SDK packages whose Event a CloudEvent function takes.
CLOUDEVENTS = ("github.com/cloudevents/sdk-go/v2", "github.com/cloudevents/sdk-go/v2/event")
# Data types a background event cannot be decoded into usefully (its data is a JSON object).
_NOT_OBJECTS = re.compile(r"^(string|bool|byte|rune|error|u?int(8|16|32|64)?|uintptr|float(32|64)|complex(64|128)"
                          r"|\[.*|chan\b.*|<-chan\b.*|func\b.*)$")


@dataclass(frozen=True)
class Kind:
    """What an exported function's signature makes it: a kind, or why it is none."""
    kind: str | None
    problem: str = ""


def _strip_comments(text: str) -> str:
    return _COMMENTS.sub("", text)


def _params(params: str) -> str:
    """One line, without the trailing comma gofmt leaves in a multi-line parameter list."""
    return " ".join(params.split()).rstrip(", ").strip()


def _result(results: str) -> str:
    """'error' for `error`, `(error)` and `(err error)`; else the results as written."""
    flat = " ".join(results.split())
    m = re.fullmatch(r"\(\s*(?:\w+\s+)?error\s*\)|error", flat)
    return "error" if m else flat


def _classify(params: str, results: str, types: dict[str, str], ce_aliases: set[str]) -> Kind:
    flat, result = _params(params), _result(results)
    if re.fullmatch(r"(?:\w+\s+)?http\.ResponseWriter\s*,\s*(?:\w+\s+)?\*http\.Request", flat) and not result:
        return Kind(HTTP)
    of = re.fullmatch(r"(?:\w+\s+)?(\w+)\.Context\s*,\s*(?:\w+\s+)?\[\]byte", flat)
    if of and of.group(1) != "context":
        return Kind(OPENFUNCTION_KIND)
    m = re.fullmatch(r"(?:\w+\s+)?context\.Context\s*,\s*(?:\w+\s+)?(\S.*)", flat)
    if m is None or result != "error":
        return Kind(None, "")
    param_type = m.group(1).strip()
    ce = re.fullmatch(r"(\w+)\.Event", param_type)
    if ce and ce.group(1) in ce_aliases:
        return Kind(CLOUDEVENT)
    problem = _event_type_problem(param_type, types)
    return Kind(EVENT, problem) if not problem else Kind(None, problem)


def _event_type_problem(param_type: str, types: dict[str, str]) -> str:
    """'' unless the event's data (a JSON object) clearly cannot be decoded into
    param_type: a basic, slice, channel or function type, or a local type declared as one.
    Structs, maps, interfaces and other packages' types are decoded by the framework."""
    t = param_type.lstrip("*")
    if _NOT_OBJECTS.match(t):
        return f"its data parameter has type {param_type}, which is not a struct or map type"
    what = types.get(t)
    if what is not None and _NOT_OBJECTS.match(what):
        return f"its data parameter has type {param_type}, declared as {what}, not a struct or map type"
    return ""


@dataclass
class Package:
    name: str
    registered: dict[str, str] = field(default_factory=dict)  # function name -> kind
    exported: dict[str, Kind] = field(default_factory=dict)
    imports: set[str] = field(default_factory=set)
    files: dict[str, set[str]] = field(default_factory=dict)  # import path -> files importing it
    # As written, for the shapes of knative.py: exported package-level functions and the
    # exported methods of each type (name -> (parameters, results)), and the names the
    # CloudEvents SDK's Event goes by in the package's files.
    signatures: dict[str, tuple[str, str]] = field(default_factory=dict)
    methods: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    pointer_methods: set[tuple[str, str]] = field(default_factory=set)  # (type, method) with a *T receiver
    cloudevents_names: set[str] = field(default_factory=set)
    # The names net/http and context go by in the package's files.
    http_names: set[str] = field(default_factory=set)
    context_names: set[str] = field(default_factory=set)


def _types(text: str) -> dict[str, str]:
    """Package-level type declarations: name -> 'struct', 'map' or the type written."""
    found: dict[str, str] = {}
    lines = text.splitlines()
    in_block = False
    for line in lines:
        if in_block:
            if line.strip() == ")":
                in_block = False
                continue
            if line.startswith("\t") and not line.startswith("\t\t"):
                spec = line.strip()
            else:
                continue
        elif re.match(r"^type\s*\($", line.strip()):
            in_block = True
            continue
        elif line.startswith("type ") and len(line.split()) > 2:
            spec = line[len("type "):].strip()
        else:
            continue
        m = _TYPE_SPEC.match(spec)
        if m:
            what = m.group(2)
            found[m.group(1)] = "struct" if what == "struct" else "map" if what.startswith("map[") else what
    return found


# Packages whose name is not their path's last element.
_PACKAGE_NAMES = {"github.com/cloudevents/sdk-go/v2": "cloudevents"}


def _default_name(path: str) -> str:
    """The name an import is used by without an alias: its package's name, which is the
    path's last element but for a major-version suffix (.../v2)."""
    if path in _PACKAGE_NAMES:
        return _PACKAGE_NAMES[path]
    parts = path.split("/")
    return parts[-2] if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]) else parts[-1]


def _imports(text: str) -> dict[str, str]:
    """Import path -> the name it is used by (an alias, else the package's name)."""
    specs = [(a, p) for a, p in _IMPORT_LINE.findall(text)]
    for block in _IMPORT_BLOCK.findall(text):
        specs += _IMPORT_SPEC.findall(block)
    return {path: alias or _default_name(path) for alias, path in specs}


def _cloudevents_names(imports: dict[str, str]) -> set[str]:
    """The names under which a file refers to the CloudEvents SDK's Event type (the SDK's
    package is `cloudevents` at .../sdk-go/v2, and `event` at .../v2/event)."""
    return {name for path, name in imports.items() if path in CLOUDEVENTS}


def scan(directory: Path) -> Package:
    files = sorted(p for p in directory.glob("*.go") if not p.name.endswith("_test.go"))
    if not files:
        raise UserError("no Go files in the function's package", where="the top of the source directory",
                        fix="put the function's package at the root of the source (or set GOOGLE_FUNCTION_SOURCE)")
    texts = {f.name: _strip_comments(f.read_text(errors="replace")) for f in files}
    types: dict[str, str] = {}
    for text in texts.values():
        types.update(_types(text))
    pkg = Package(name="")
    for fname, text in texts.items():
        m = _PACKAGE.search(text)
        if m and not pkg.name:
            pkg.name = m.group(1)
        imports = _imports(text)
        for imp in imports:
            pkg.files.setdefault(imp, set()).add(fname)
        pkg.imports |= set(imports)
        ce_names = _cloudevents_names(imports)
        for kind, name in _REGISTER.findall(text):
            pkg.registered[name] = _REGISTERED_KIND[kind]
        pkg.cloudevents_names |= ce_names
        pkg.http_names |= {n for path, n in imports.items() if path == "net/http"}
        pkg.context_names |= {n for path, n in imports.items() if path == "context"}
        for name, params, results in _EXPORTED.findall(text):
            pkg.exported[name] = _classify(params, results, types, ce_names)
            pkg.signatures[name] = (_params(params), " ".join(results.split()))
        for star, recv, name, params, results in _METHOD.findall(text):
            pkg.methods.setdefault(recv, {})[name] = (_params(params), " ".join(results.split()))
            if star:
                pkg.pointer_methods.add((recv, name))
    return pkg


@dataclass(frozen=True)
class Choice:
    framework: str
    why: str
    in_go_mod: bool


def choose_framework(requires: dict[str, str], pkg: Package, target: Setting) -> Choice:
    """go.mod's requirement wins, then the framework the package imports; else the family
    of the setting that names the function: gcp-builder users (GOOGLE_FUNCTION_TARGET) get
    Google's framework, OpenFunction users (FUNC_NAME) OpenFunction's."""
    for fw in FRAMEWORKS:
        if fw in requires:
            return Choice(fw, f"go.mod requires {fw}", True)
    for fw in FRAMEWORKS:
        if any(imp == fw or imp.startswith(fw + "/") for imp in pkg.imports):
            return Choice(fw, f"the package imports {fw}", False)
    if target.source.startswith("GOOGLE_"):
        return Choice(GOOGLE, f"go.mod names no functions framework and {target.source} is set, as gcp-builder "
                              "users write it", False)
    return Choice(OPENFUNCTION, f"go.mod names no functions framework and {target.source} is set, as OpenFunction "
                                "users write it", False)


@dataclass(frozen=True)
class Plan:
    framework: str
    declarative: bool  # the package registers its functions itself in init()
    target: str
    kind: str


def _servable_listing(pkg: Package, framework: str) -> str:
    servable = sorted(n for n, k in pkg.exported.items() if k.kind in SERVES[framework])
    return ", ".join(servable) or "none found"


def plan(pkg: Package, framework: str, target: str, log: Logger, signature_type: Setting | None = None) -> Plan:
    if pkg.name == "main":
        raise UserError("the function's package is 'package main'", where="the source root",
                        fix="a function lives in a library package (e.g. 'package hello'); for an app, unset FUNC_NAME / GOOGLE_FUNCTION_TARGET")
    if signature_type is not None and signature_type.value.lower() not in SIGNATURE_TYPES:
        raise UserError(f"{signature_type.source}={signature_type.value!r} is not a signature type",
                        fix=f"use one of: {', '.join(SIGNATURE_TYPES)}")
    served = SERVES[framework]
    accepted = "; ".join(f"{k}: {SIGNATURES[k]}" for k in served)
    if pkg.registered:
        if target in pkg.registered:
            p = Plan(framework, True, target, pkg.registered[target])
        elif framework == OPENFUNCTION:
            # OpenFunction's builder serves every registered function whatever FUNC_NAME
            # says, and Function CRs rely on it: warn instead of failing.
            log.warn(f"function {target!r} is not registered; OpenFunction's framework serves every "
                     f"registered function, so the image will serve: {', '.join(sorted(pkg.registered))}")
            return Plan(framework, True, target, "")
        else:
            raise UserError(f"function {target!r} is not registered by the package", where="functions.HTTP/CloudEvent calls",
                            fix=f"set the target to one of the registered functions: {', '.join(sorted(pkg.registered))}")
    else:
        kind = pkg.exported.get(target)
        if kind is None:
            raise UserError(f"function {target!r} is neither registered nor an exported function of package {pkg.name}",
                            where="the source root",
                            fix=f"register it in init() (functions.HTTP(\"{target}\", ...)) or set the target to one of: "
                                f"{_servable_listing(pkg, framework)}")
        if kind.kind not in served:
            reason = kind.problem or (f"{SHORT_NAME[framework]}'s framework does not serve {kind.kind} functions"
                                      if kind.kind else "its parameters match no signature the framework serves")
            raise UserError(f"function {target!r} cannot be served by {SHORT_NAME[framework]}'s functions framework: {reason}",
                            where=f"func {target} in package {pkg.name}",
                            fix=f"give it one of the signatures {SHORT_NAME[framework]}'s framework serves ({accepted}); "
                                f"exported functions that have one: {_servable_listing(pkg, framework)}")
        p = Plan(framework, False, target, kind.kind)
    if signature_type is not None and p.kind in SIGNATURE_TYPES and p.kind != signature_type.value.lower():
        raise UserError(f"{signature_type.source}={signature_type.value} but {target!r} is a {p.kind} function",
                        where=f"func {target} in package {pkg.name}",
                        fix=f"set {signature_type.source}={p.kind}, or give the function the {signature_type.value.lower()} "
                            f"signature: {SIGNATURES.get(signature_type.value.lower(), '')}")
    return p


_GOOGLE_REGISTER = {
    HTTP: "RegisterHTTPFunctionContext",
    CLOUDEVENT: "RegisterCloudEventFunctionContext",
    EVENT: "RegisterEventFunctionContext",
}


def main_source(p: Plan, import_path: str) -> str:
    header = "// Code generated by funcpacks to serve the function; DO NOT EDIT.\npackage main\n\n"
    user = f'_ "{import_path}"' if p.declarative else f'userfunction "{import_path}"'
    if p.framework == OPENFUNCTION:
        register = "" if p.declarative else (
            f"\tif err := fwk.Register(ctx, userfunction.{p.target}); err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n")
        return header + f'''import (
	"context"
	"fmt"
	"log"
	"os"

	"{OPENFUNCTION}/framework"
	{user}
)

func main() {{
	// Outside OpenFunction (docker run, plain Knative) there is no FUNC_CONTEXT: serve on
	// $PORT in self-host mode. A FUNC_CONTEXT set by OpenFunction wins.
	if os.Getenv("FUNC_CONTEXT") == "" {{
		port := os.Getenv("PORT")
		if port == "" {{
			port = "8080"
		}}
		os.Setenv("FUNC_CONTEXT", fmt.Sprintf(`{{"name":%q,"version":"v1.0.0","port":%q,"runtime":"Knative"}}`, {json.dumps(p.target)}, port))
	}}
	if os.Getenv("CONTEXT_MODE") == "" && os.Getenv("POD_NAME") == "" {{
		os.Setenv("CONTEXT_MODE", "self-host")
	}}
	ctx := context.Background()
	fwk, err := framework.NewFramework()
	if err != nil {{
		log.Fatal(err)
	}}
{register}	if err := fwk.Start(ctx); err != nil {{
		log.Fatal(err)
	}}
}}
'''
    # Registered on "/" without a name: with FUNCTION_TARGET set (it is, at launch) the
    # framework serves that one function on every path, as gcp-builder's images do.
    register = "" if p.declarative else (
        f'\tif err := funcframework.{_GOOGLE_REGISTER[p.kind]}(context.Background(), "/", userfunction.{p.target}); '
        f'err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n')
    imports = '\t"context"\n' if not p.declarative else ""
    return header + f'''import (
{imports}	"log"
	"os"

	"{GOOGLE}/funcframework"
	{user}
)

func main() {{
{register}	port := os.Getenv("PORT")
	if port == "" {{
		port = "8080"
	}}
	if err := funcframework.Start(port); err != nil {{
		log.Fatal(err)
	}}
}}
'''
