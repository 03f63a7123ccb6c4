"""funcpacks/go: Go functions and apps, compatible with OpenFunction's builder-go
(FUNC_NAME, FUNC_CLEAR_SOURCE, FUNC_GOPROXY) and gcp-builder (GOOGLE_*)."""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from funcpacks import labels, processes, sbom, settings, source
from funcpacks.context import BuildContext, BuildPlan, DetectContext
from funcpacks.errors import DetectFailed, UserError
from funcpacks.launch import Launch, Process
from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

from . import cgo, credentials, functions, gotool, module_source, toolchain
from .module_source import GENERATED, GOPATH, VENDORED, Source
from .proxy import GoEnv

BUILDPACK = "funcpacks/go"
DEFAULTS_FILE = "go-defaults.toml"  # written by funcpacks_dev/images/builder.py from versions.toml
FRAMEWORK_PINS = {functions.OPENFUNCTION: "openfunction-framework", functions.GOOGLE: "google-framework"}


def detect(ctx: DetectContext) -> None:
    forbidden = settings.runtime_forbids(ctx.env, settings.GO)
    if forbidden:
        raise DetectFailed(forbidden)
    if not (ctx.app_dir / "go.mod").is_file() and not any(ctx.app_dir.glob("*.go")):
        raise DetectFailed("not a Go project: no go.mod and no .go files at the top of the source directory")
    plan = BuildPlan()
    plan.provide("go")
    plan.require("go", mode="function" if settings.lookup(ctx.env, "function_target") else "app")
    plan.write(ctx.plan_path)


def _defaults(ctx: BuildContext) -> dict:
    with (ctx.buildpack_dir / DEFAULTS_FILE).open("rb") as f:
        return tomllib.load(f)


def _cache_layer(layers: Layers, name: str, expected: dict, log: Logger) -> Layer:
    layer = layers.get(name)
    layer.reuse_or_reset(expected, log)
    layer.set_types(cache=True).write()
    return layer


def build(ctx: BuildContext) -> None:
    log = Logger(BUILDPACK)
    defaults = _defaults(ctx)
    layers = Layers(ctx.layers_dir)
    log.header("Configuration")
    settings.warn_unknown(ctx.env, log)
    target = settings.lookup(ctx.env, "function_target", log)
    image_labels = labels.from_env(ctx.env, log)
    processes.check(ctx.app_dir, ctx.env, target is not None, log)
    goenv = GoEnv.from_env(ctx.env, defaults["goproxy"], defaults["gosumdb"], log)
    src = module_source.inspect(ctx.app_dir, goenv.extra.get("GOFLAGS", ""))
    log.info(f"{src.describe()}; module proxy: {goenv.describe()}")
    cgo_enabled = cgo.enabled(ctx.env, log)
    with credentials.from_bindings(ctx.env, ctx.platform_dir, log) as creds:
        go, go_version = _toolchain(ctx, layers, src, goenv, creds, defaults, log)
        modcache = _cache_layer(layers, "go-mod-cache", {"layout": "1"}, log)
        buildcache = _cache_layer(layers, "go-build-cache", {"go": go_version, "arch": ctx.target.arch}, log)
        env = {k: v for k, v in ctx.env.items() if not k.startswith("GO")}
        env.update(goenv.command_env())
        env.update(src.env)
        env.update(creds.command_env())
        env.update({"GOMODCACHE": str(modcache.path), "GOCACHE": str(buildcache.path), "GOTOOLCHAIN": "local",
                    "CGO_ENABLED": "1" if cgo_enabled else "0", "HOME": env.get("HOME", "/tmp")})
        log.header("Build")
        module_source.copy(src)
        if src.mode == GENERATED:
            gotool.run(go, ["mod", "init", module_source.GENERATED_MODULE], src.work_dir, env,
                       "cannot create a module for the build", "commit a go.mod ('go mod init <module path>')")
        function_layer = layers.get("function").reset()
        if target:
            package, binary = _prepare_function(ctx, src, go, env, target, defaults, function_layer, log), "function"
        else:
            _resolve_generated(src, go, env, log)
            package, binary = _main_package(ctx, log), "app"
            log.info(f"app: the main package {package}")
        out = function_layer.path / "bin" / binary
        _go_build(ctx, go, src, env, package, out, log)
    _keep_generated_module(src, function_layer, log)
    _write_sbom(ctx, go, out, env)
    function_layer.set_types(launch=True).write()
    log.info(f"{out.name}: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    shutil.rmtree(module_source.ROOT, ignore_errors=True)
    # The source is cleared before the processes are checked, so they are checked against
    # what the image will hold (the Procfile is read first: it may be cleared too).
    procfile = processes.read_procfile(ctx.app_dir)
    source.clear_if_asked(ctx.app_dir, ctx.env, log)
    # Procfile commands run through bash where the run image has it (as gcp-builder runs
    # them); builder-go's static run image has no shell, so there they run directly.
    runner = processes.Runner(shell=not processes.static_run_image(ctx.env), working_dir=ctx.app_dir,
                              search_path=[out.parent])
    built = Process("web", [str(out)], default=True)
    Launch(processes.for_image(ctx.app_dir, ctx.env, log, runner, built, target is not None, procfile),
           labels=image_labels).write(ctx.layers_dir)


def _toolchain(ctx: BuildContext, layers: Layers, src: Source, goenv: GoEnv, creds: credentials.Credentials,
               defaults: dict, log: Logger) -> tuple[Path, str]:
    log.header("Go toolchain")
    runtime = settings.version_request(ctx.env, "go_version", log)
    hint = settings.runtime_version_hint(ctx.env)
    req = toolchain.resolve(runtime.value if runtime else "", runtime.source if runtime else "", src.mod,
                            defaults["toolchain"], (hint.value, hint.source) if hint else ("", ""))
    if toolchain.is_minor(req.version):
        newest = toolchain.newest_patch(req.version, defaults["toolchain"], ctx.target.arch, goenv, creds.authorization)
        req = toolchain.Request(newest, f"{req.why}: its newest release")
    go_layer = layers.get("go")
    expected = {"version": req.version, "arch": ctx.target.arch, "layout": toolchain.LAYOUT}
    if not go_layer.reuse_or_reset(expected, log, f"Go {req.version} ({req.why})"):
        with go_layer.removed_on_failure():
            toolchain.install(go_layer, req, ctx.target.arch, goenv, log, creds.authorization)
    go_layer.set_types(build=True, cache=True).write()
    return go_layer.path / "bin" / "go", req.version


def _framework_version(ctx: BuildContext, fw: str, defaults: dict, log: Logger) -> tuple[str, str]:
    """(version, why) of the framework to add when the source names none.
    FUNC_FRAMEWORK_VERSION is OpenFunction's setting for OpenFunction's framework."""
    given = settings.lookup(ctx.env, "framework_version")
    if given and fw == functions.OPENFUNCTION:
        return given.value, given.source
    if given:
        log.warn(f"{given.source}={given.value} is for OpenFunction's framework; Google's is added at its pin")
    return defaults[FRAMEWORK_PINS[fw]], "funcpacks' pin"


def _prepare_function(ctx: BuildContext, src: Source, go: Path, env: dict[str, str], target: settings.Setting,
                      defaults: dict, function_layer: Layer, log: Logger) -> str:
    """Adds the framework if needed, checks the function and writes the main package that
    serves it; returns the package to build."""
    pkg = functions.scan(src.work_dir)
    choice = functions.choose_framework(src.requires, pkg, target)
    fw = choice.framework
    log.info(f"{functions.SHORT_NAME[fw]}'s functions framework: {choice.why}")
    signature = settings.lookup(ctx.env, "signature_type", log)
    p = functions.plan(pkg, fw, target.value, log, signature)
    if src.mode == VENDORED:
        _check_vendored_framework(src, choice, log)
    elif src.mode == GOPATH:
        _gopath_framework(src, go, env, fw, *_framework_version(ctx, fw, defaults, log), log)
    elif not choice.in_go_mod:
        version, why = _framework_version(ctx, fw, defaults, log)
        log.info(f"adding {fw}@{version} ({why})")
        gotool.run(go, ["get", f"{fw}@{version}"], src.work_dir, env, f"cannot add {fw}@{version}",
                   "check FUNC_FRAMEWORK_VERSION and the module proxy")
    kind = "registered in init()" if p.declarative else f"{p.kind} function"
    log.info(f"function {target.value!r} ({kind}) served by {functions.SHORT_NAME[fw]}'s framework")
    main_dir = src.work_dir / functions.GENERATED_DIR
    main_dir.mkdir()
    (main_dir / "main.go").write_text(functions.main_source(p, src.import_path))
    _resolve_generated(src, go, env, log, pkg)
    if fw == functions.GOOGLE:
        function_layer.env_default("FUNCTION_TARGET", target.value, scope="launch")
        if p.kind in functions.SIGNATURE_TYPES:
            function_layer.env_default("FUNCTION_SIGNATURE_TYPE", p.kind, scope="launch")
    return f"./{functions.GENERATED_DIR}"


def _framework_fix(fw: str) -> str:
    return (f"add a file with the blank import  import _ \"{functions.MAIN_PACKAGE[fw]}\"  to the package, "
            "then run 'go mod tidy && go mod vendor' and commit go.mod, go.sum and vendor/")


def _check_vendored_framework(src: Source, choice: functions.Choice, log: Logger) -> None:
    """A vendored build downloads nothing, so vendor/ must already hold the framework
    package the generated main imports."""
    need = functions.MAIN_PACKAGE[choice.framework]
    if not choice.in_go_mod:
        raise UserError(f"go.mod does not require {choice.framework}, and a vendored build downloads nothing",
                        where="go.mod and vendor/modules.txt", fix=_framework_fix(choice.framework))
    if need not in module_source.vendored_packages(src.work_dir):
        raise UserError(f"vendor/ lacks {need}, which the generated main package imports",
                        where="vendor/modules.txt", fix=_framework_fix(choice.framework))
    log.info(f"{need} is vendored")


def _gopath_framework(src: Source, go: Path, env: dict[str, str], fw: str, version: str, why: str,
                      log: Logger) -> None:
    """GOPATH mode finds packages in vendor/ or $GOPATH/src: when vendor/ lacks the
    framework, it is fetched (with what it imports) into $GOPATH/src."""
    need = functions.MAIN_PACKAGE[fw]
    if module_source.gopath_has(src.work_dir, need):
        log.info(f"{need} is vendored")
        return
    log.info(f"vendor/ lacks {need}: fetching {fw}@{version} ({why}) into GOPATH")
    deps = module_source.ROOT / "framework-deps"
    deps.mkdir()
    (deps / "go.mod").write_text("module funcpacks.local/framework-deps\n")
    (deps / "main.go").write_text(f'package main\n\nimport _ "{need}"\n\nfunc main() {{}}\n')
    mod_env = dict(env, GO111MODULE="on", GOFLAGS="-mod=mod")
    for args in (["get", f"{fw}@{version}"], ["mod", "tidy"], ["mod", "vendor"]):
        gotool.run(go, args, deps, mod_env, f"cannot fetch {fw}@{version}",
                   "check FUNC_FRAMEWORK_VERSION and the module proxy, or vendor the framework")
    gopath_src = Path(env["GOPATH"]) / "src"
    for entry in (deps / "vendor").iterdir():
        if entry.is_dir():
            shutil.copytree(entry, gopath_src / entry.name, dirs_exist_ok=True)


def _resolve_generated(src: Source, go: Path, env: dict[str, str], log: Logger,
                       pkg: functions.Package | None = None) -> None:
    """A generated module learns its requirements from the imports (go mod tidy)."""
    if src.mode != GENERATED:
        return
    try:
        with log.timed("go mod tidy (resolving the imports through the module proxy)"):
            gotool.run(go, ["mod", "tidy"], src.work_dir, env, "cannot resolve the imports of a source without go.mod",
                       "commit a go.mod and go.sum made with 'go mod init <module path> && go mod tidy'")
    except gotool.GoFailed as exc:
        missing = module_source.unresolved_imports(exc.output)
        if not missing:
            raise
        files = sorted({f for imp in missing for f in (pkg.files.get(imp, ()) if pkg else ())})
        raise UserError(f"no module provides the import {', '.join(repr(m) for m in missing)} (the source has no go.mod, "
                        "so imports are looked up through the module proxy)",
                        where=", ".join(files) or "the source", detail=exc.detail,
                        fix="correct the import path, or commit a go.mod and go.sum that require the module "
                            "('go mod init <module path> && go mod tidy'; GOPRIVATE modules need a netrc binding)") from None
    go_sum = src.work_dir / "go.sum"
    n = sum(1 for line in go_sum.read_text().splitlines()
            if len(line.split()) == 3 and not line.split()[1].endswith("/go.mod")) if go_sum.exists() else 0
    log.info(f"the generated go.mod requires {n} module versions (go.sum kept in the image with the SBOM)")


def _go_build(ctx: BuildContext, go: Path, src: Source, env: dict[str, str], package: str, out: Path,
              log: Logger) -> None:
    extra: list[str] = []
    for key in ("build_args", "go_build_flags"):
        extra += settings.words(ctx.env, key, log)
    # An -ldflags among the extra flags (Paketo's examples put it in BP_GO_BUILD_FLAGS)
    # joins the others: the go command keeps only the last -ldflags, which would drop -s -w.
    extra, more_ldflags = _take_ldflags(extra)
    ldflags = " ".join(["-s -w", settings.value(ctx.env, "goldflags", log), *more_ldflags]).strip()
    args = ["build", "-trimpath", "-ldflags", ldflags]
    gcflags = settings.value(ctx.env, "gogcflags", log)
    if gcflags:
        args += ["-gcflags", gcflags]
    args += extra
    hints = gotool.VENDOR_HINTS if src.mode in (VENDORED, GOPATH) else ()
    if src.mode == GOPATH:
        hints += (gotool.Hint("cannot find package", "an import is neither in vendor/ nor in the standard library",
                              "vendor it, or commit a go.mod (go mod init <module path> && go mod tidy) so the "
                              "build downloads it"),)
    with log.timed(f"go build {package}"):
        gotool.run(go, [*args, "-o", str(out), package], src.work_dir, env,
                   "the Go build failed", "fix the errors the compiler reports above (file:line)", hints)


def _take_ldflags(words: list[str]) -> tuple[list[str], list[str]]:
    """(the words without -ldflags, the values of the -ldflags among them)."""
    rest: list[str] = []
    values: list[str] = []
    it = iter(words)
    for word in it:
        flag, sep, val = word.partition("=")
        if flag.lstrip("-") == "ldflags" and flag.startswith("-"):
            values.append(val if sep else next(it, ""))
        else:
            rest.append(word)
    return rest, [v for v in values if v]


def _main_package(ctx: BuildContext, log: Logger) -> str:
    """The app's main package: GOOGLE_BUILDABLE / FUNC_BUILDABLE, or Paketo's BP_GO_TARGETS
    (one target: this buildpack makes one binary)."""
    s = settings.first_of(ctx.env, ("buildable", "go_targets"), log)
    if s is None:
        return "."
    targets = [t for t in s.value.split(":") if t.strip()] if s.source == "BP_GO_TARGETS" else [s.value]
    if len(targets) != 1:
        raise UserError(f"{s.source}={s.value!r} names {len(targets)} targets; funcpacks builds one main package",
                        where=s.source, fix="name one package (e.g. ./cmd/server); build the others as separate images")
    target = targets[0].strip()
    if target.startswith("/"):
        raise UserError(f"{s.source}={target!r} is an absolute path", where=s.source,
                        fix="name the package relative to the source root, e.g. ./cmd/server")
    return target if target.startswith(("./", ".")) else f"./{target}"


def _keep_generated_module(src: Source, layer: Layer, log: Logger) -> None:
    """The go.mod and go.sum a source without go.mod was built with: the record of what
    was resolved, next to the SBOM (and ready to commit)."""
    if src.mode != GENERATED:
        return
    dest = layer.path / "generated-module"
    dest.mkdir(parents=True)
    for name in ("go.mod", "go.sum"):
        if (src.work_dir / name).exists():
            shutil.copy(src.work_dir / name, dest / name)
    log.info(f"generated go.mod and go.sum: {dest}")


def _write_sbom(ctx: BuildContext, go: Path, binary: Path, env: dict[str, str]) -> None:
    """The modules linked into the binary, from its build info (with their go.sum hashes)."""
    info = subprocess.run([str(go), "version", "-m", str(binary)], capture_output=True, text=True, env=env).stdout
    components = []
    for line in info.splitlines():
        parts = line.strip().split()
        if len(parts) >= 3 and parts[0] in ("dep", "=>"):
            props = (("go.sum", parts[3]),) if len(parts) >= 4 and parts[3].startswith("h1:") else ()
            components.append(sbom.Component(parts[1], parts[2], "golang", properties=props))
        elif len(parts) >= 2 and parts[0] == "go" and re.match(r"go\d", parts[1]):
            components.append(sbom.Component("stdlib", parts[1].removeprefix("go"), "golang"))
    sbom.write_layer_sbom(ctx.layers_dir, "function", components, BUILDPACK)

