"""funcpacks/go: Go functions and apps, compatible with OpenFunction's builder-go
(FUNC_NAME, FUNC_CLEAR_SOURCE, FUNC_GOPROXY) and gcp-builder (GOOGLE_*)."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

from funcpacks import sbom, settings, source
from funcpacks.context import BuildContext, BuildPlan, DetectContext
from funcpacks.errors import DetectFailed, UserError
from funcpacks.launch import Launch, Process
from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger

from . import functions, gomod, toolchain
from .proxy import GoEnv

BUILDPACK = "funcpacks/go"
DEFAULTS_FILE = "go-defaults.toml"  # written by scripts/builder.py from versions.toml
# The module is built from a copy, so the user's go.mod and go.sum are never rewritten.
WORK_DIR = Path("/tmp/funcpacks-go/src")


def detect(ctx: DetectContext) -> None:
    if not (ctx.app_dir / "go.mod").is_file() and not any(ctx.app_dir.glob("*.go")):
        raise DetectFailed("not a Go project: no go.mod and no .go files at the top of the source directory")
    plan = BuildPlan()
    plan.provide("go")
    plan.require("go", mode="function" if settings.lookup(ctx.env, "function_target") else "app")
    plan.write(ctx.plan_path)


def _defaults(ctx: BuildContext) -> dict:
    with (ctx.buildpack_dir / DEFAULTS_FILE).open("rb") as f:
        return tomllib.load(f)


def _go_run(go: Path, args: list[str], cwd: Path, env: dict[str, str], what: str, fix: str) -> str:
    proc = subprocess.run([str(go), *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode != 0:
        # Paths in the compiler's messages are relative to the copy: show them as the user's.
        out = proc.stdout.replace(str(cwd) + "/", "")
        raise UserError(what, detail="\n".join(out.strip().splitlines()[-25:]), fix=fix)
    return proc.stdout


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
    target = settings.lookup(ctx.env, "function_target", log)
    mod = gomod.parse(ctx.app_dir / "go.mod") if (ctx.app_dir / "go.mod").is_file() else None
    if mod is None:
        raise UserError("no go.mod", where=str(ctx.app_dir),
                        fix="run 'go mod init <module path>' and commit go.mod (and go.sum)")
    goenv = GoEnv.from_env(ctx.env, defaults["goproxy"], defaults["gosumdb"], log)
    log.info(f"module {mod.module}; module proxy: {goenv.describe()}")

    log.header("Go toolchain")
    runtime = settings.lookup(ctx.env, "runtime_version", log)
    req = toolchain.resolve(runtime.value if runtime else "", runtime.source if runtime else "", mod,
                            defaults["toolchain"])
    go_layer = layers.get("go")
    expected = {"version": req.version, "arch": ctx.target.arch, "layout": toolchain.LAYOUT}
    if not go_layer.reuse_or_reset(expected, log, f"Go {req.version} ({req.why})"):
        try:
            toolchain.install(go_layer, req, ctx.target.arch, goenv, log)
        except BaseException:
            go_layer.remove()
            raise
    go_layer.set_types(build=True, cache=True).write()
    go = go_layer.path / "bin" / "go"

    modcache = _cache_layer(layers, "go-mod-cache", {"layout": "1"}, log)
    buildcache = _cache_layer(layers, "go-build-cache", {"go": req.version, "arch": ctx.target.arch}, log)
    env = {k: v for k, v in ctx.env.items() if not k.startswith("GO")}
    env.update(goenv.command_env())
    env.update({"GOMODCACHE": str(modcache.path), "GOCACHE": str(buildcache.path), "GOTOOLCHAIN": "local",
                "CGO_ENABLED": "0", "GOPATH": "/tmp/funcpacks-go/gopath", "HOME": env.get("HOME", "/tmp"),
                "GOFLAGS": (goenv.extra.get("GOFLAGS", "") + " -mod=mod").strip()})

    log.header("Build")
    if WORK_DIR.exists():
        shutil.rmtree(WORK_DIR)
    shutil.copytree(ctx.app_dir, WORK_DIR, ignore=shutil.ignore_patterns(".git"))
    function_layer = layers.get("function").reset()
    if target:
        fw = functions.framework_of(mod.requires)
        if fw is None:
            version = ctx.env.get("FUNC_FRAMEWORK_VERSION", "").strip() or defaults["openfunction-framework"]
            fw = functions.OPENFUNCTION
            log.info(f"go.mod names no functions framework; adding {fw}@{version}")
            _go_run(go, ["get", f"{fw}@{version}"], WORK_DIR, env, f"cannot add {fw}@{version}",
                    "check FUNC_FRAMEWORK_VERSION and the module proxy")
        pkg = functions.scan(WORK_DIR)
        p = functions.plan(pkg, fw, target.value, log)
        log.info(f"function {target.value!r} ({'registered in init()' if p.declarative else 'exported function'}) "
                 f"served by {fw.rsplit('/', 2)[-2]}'s framework")
        main_dir = WORK_DIR / functions.GENERATED_DIR
        main_dir.mkdir()
        (main_dir / "main.go").write_text(functions.main_source(p, mod.module))
        package, binary = f"./{functions.GENERATED_DIR}", "function"
        if fw == functions.GOOGLE:
            function_layer.env_default("FUNCTION_TARGET", target.value, scope="launch")
    else:
        buildable = settings.value(ctx.env, "buildable", log, ".")
        package, binary = (buildable if buildable.startswith(("./", ".")) else f"./{buildable}"), "app"
        log.info(f"app: the main package {package}")
    ldflags = " ".join(["-s -w", settings.value(ctx.env, "goldflags", log)]).strip()
    args = ["build", "-trimpath", "-ldflags", ldflags]
    gcflags = settings.value(ctx.env, "gogcflags", log)
    if gcflags:
        args += ["-gcflags", gcflags]
    args += shlex.split(settings.value(ctx.env, "build_args", log))
    out = function_layer.path / "bin" / binary
    with log.timed(f"go build {package}"):
        _go_run(go, [*args, "-o", str(out), package], WORK_DIR, env,
                "the Go build failed", "fix the errors the compiler reports above (file:line)")
    _write_sbom(ctx, go, out, env)
    function_layer.set_types(launch=True).write()
    Launch([Process("web", [str(out)], default=True)]).write(ctx.layers_dir)
    log.info(f"web: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    shutil.rmtree(WORK_DIR, ignore_errors=True)

    source.clear_if_asked(ctx.app_dir, ctx.env, log)


def _write_sbom(ctx: BuildContext, go: Path, binary: Path, env: dict[str, str]) -> None:
    """The modules linked into the binary, from its build info."""
    info = subprocess.run([str(go), "version", "-m", str(binary)], capture_output=True, text=True, env=env).stdout
    components = []
    for line in info.splitlines():
        parts = line.strip().split()
        if len(parts) >= 3 and parts[0] in ("dep", "=>"):
            components.append(sbom.Component(parts[1], parts[2], "golang"))
        elif len(parts) >= 2 and parts[0] == "go" and re.match(r"go\d", parts[1]):
            components.append(sbom.Component("stdlib", parts[1].removeprefix("go"), "golang"))
    sbom.write_layer_sbom(ctx.layers_dir, "function", components, BUILDPACK)
