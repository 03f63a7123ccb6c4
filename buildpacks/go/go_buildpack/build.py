"""bin/build of funcpacks/go: the toolchain, the module and build caches, the generated
main package for a function, the binary, and the processes."""
from __future__ import annotations

import shutil
from pathlib import Path

from funcpacks import defaults as builder_defaults, processes, source
from funcpacks.context import BuildContext
from funcpacks.launch import Launch, Process
from funcpacks.layers import Layer, Step
from funcpacks.log import Logger

from . import (build_cache_layer, cgo, config, credentials, function_layer, generated_module, main_package,
               module_cache_layer, module_source, seed, toolchain_layer)
from .config import Config
from .credentials import Credentials
from .module_source import Source

BUILDPACK = "funcpacks/go"
def build(ctx: BuildContext) -> None:
    defaults = builder_defaults.load(ctx.buildpack_dir)  # versions.toml's [go]
    step = Step.begin(ctx, BUILDPACK)
    log = step.log
    cfg = config.resolve(ctx.app_dir, ctx.env, defaults["goproxy"], defaults["gosumdb"], log)
    processes.check(cfg.launch.entrypoint, cfg.launch.procfile, cfg.target is not None, log)
    src = module_source.inspect(ctx.app_dir, cfg.goenv.extra.get("GOFLAGS", ""))
    log.info(f"{src.describe()}; module proxy: {cfg.goenv.describe()}")
    cgo.report(cfg.cgo, log)
    with credentials.from_bindings(ctx.env, ctx.platform_dir, log) as creds:
        log.header("Go toolchain")
        go = toolchain_layer.provide(step, cfg, src, defaults["toolchain"], creds)
        own_seed = seed.find(ctx.buildpack_dir, ctx.target.arch)
        modcache = module_cache_layer.provide(step, own_seed)
        buildcache = build_cache_layer.provide(step, go.version, own_seed)
        env = _go_env(ctx.env, cfg, src, creds, modcache, buildcache)
        log.header("Build")
        module_source.copy(src)
        generated_module.init(src, go.executable, env)
        if cfg.target:
            main = main_package.for_function(src, go.executable, env, cfg, defaults, log)
        else:
            main = main_package.for_app(src, go.executable, env, cfg, defaults, log)
        binary = function_layer.provide(step, go, src, env, cfg, main)
        step.done()  # seals the module and build caches
    shutil.rmtree(module_source.ROOT, ignore_errors=True)
    _launch(ctx, cfg, binary, main.labels, log)


def _go_env(build_env: dict[str, str], cfg: Config, src: Source, creds: Credentials, modcache: Layer,
            buildcache: build_cache_layer.BuildCache) -> dict[str, str]:
    """The go command's environment: the build's, less its GO* variables, which come from
    the settings, the source's mode, the credentials and the cache layers (GOCACHEPROG
    among them: the build cache over the builder's seed)."""
    env = {k: v for k, v in build_env.items() if not k.startswith("GO")}
    env.update(cfg.goenv.command_env())
    env.update(src.env)
    env.update(creds.command_env())
    env.update(buildcache.go_env())
    # goindex=0: the go command's package index is keyed by each module's directory (and
    # the standard library's by file times), so a seed made elsewhere never holds it, and
    # per build it added ~230 small files to the build cache layer, each restored and
    # exported, which cost more than the index saves (the build's go commands take as long
    # without it).
    env.update({"GOMODCACHE": str(modcache.path), "GOTOOLCHAIN": "local",
                "CGO_ENABLED": "1" if cfg.cgo else "0", "GODEBUG": "goindex=0", "HOME": env.get("HOME", "/tmp")})
    return env


def _launch(ctx: BuildContext, cfg: Config, binary: Path, labels: dict[str, str], log: Logger) -> None:
    # The source is cleared before the processes are checked, so they are checked against
    # what the image will hold (the Procfile was read with the settings: it may be cleared too).
    source.clear_if_asked(ctx.app_dir, cfg.launch, log)
    # Procfile commands run through bash where the run image has it (as gcp-builder runs
    # them); builder-go's static run image has no shell, so there they run directly.
    static = cfg.launch.static_run_image
    runner = processes.Runner(shell=not static, working_dir=ctx.app_dir, search_path=[binary.parent],
                              arch=ctx.target.arch, has_libc=not static)
    built = Process("web", [str(binary)], default=True)
    Launch(processes.for_image(cfg.launch.entrypoint, cfg.launch.procfile, log, runner, built, cfg.target is not None),
           labels={**labels, **cfg.launch.image_labels}).write(ctx.layers_dir)
