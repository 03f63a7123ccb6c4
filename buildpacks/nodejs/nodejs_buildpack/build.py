"""bin/build of funcpacks/nodejs: the configuration, Node.js (the build's and the image's),
the dependencies, the functions framework and the check of the function (or the app's
command), and the processes, in that order."""
from __future__ import annotations

from funcpacks import defaults, processes
from funcpacks.context import BuildContext
from funcpacks.launch import Launch, Process
from funcpacks.layers import Step

from . import (config, dependencies_layer, framework_layer, function_check, function_layer, installers,
               npm_cache_layer, npmrc, package_manager, package_manager_layer, runtime, runtime_layer)
from .npm import Npm
from .package_manager import Choice

BUILDPACK = "funcpacks/nodejs"


def build(ctx: BuildContext) -> None:
    step = Step.begin(ctx, BUILDPACK)
    log = step.log
    cfg = config.resolve(ctx.app_dir, ctx.env, log)
    processes.check(cfg.launch.entrypoint, cfg.launch.procfile, cfg.mode == "function", log)
    location = function_check.code_location(ctx.app_dir, cfg.source) if cfg.mode == "function" else ctx.app_dir
    if cfg.mode == "function":
        log.info(f"function {cfg.target!r} ({cfg.signature_type}) in "
                 f"{cfg.source.value + ' (' + cfg.source.source + ')' if cfg.source else 'the source directory'}")
    else:
        log.info("app" + (f": runs {cfg.app_command!r} ({cfg.app_command_origin})" if cfg.app_command else ""))
    log.header("Node.js")
    node = runtime.provide(step, cfg, defaults.value(ctx.buildpack_dir, "version"),
                           defaults.value(ctx.buildpack_dir, "index"), config.mirrors(ctx.env, ctx.platform_dir))
    image_node = runtime_layer.provide(step, node)
    log.header("Dependencies")
    if cfg.vendored:
        dependencies = dependencies_layer.vendored(
            step, cfg, installers.for_npm(_npm(step, node, cache=False), package_manager.VENDORED))
    else:
        choice = package_manager.choose(ctx.app_dir, cfg.package, defaults.load(ctx.buildpack_dir))
        make_tool = (lambda: _installer(step, node, choice)) if dependencies_layer.needed(cfg, choice) else None
        dependencies = dependencies_layer.provide(step, cfg, choice, node.version, make_tool)
    log.header("Launch")
    served: Process | None = None
    if cfg.mode == "function":
        framework = framework_layer.provide(step, cfg, dependencies,
                                            defaults.value(ctx.buildpack_dir, "functions-framework"))
        checked = function_check.check(node, ctx.app_dir, location, cfg.target, cfg.signature_type, framework,
                                       ctx.env)
        log.info(f"checked: {cfg.target} is a function of {checked.module}, loaded as the framework loads it")
        if checked.signature_type != cfg.signature_type:
            log.warn(f"{checked.module} registers {cfg.target} as a {checked.signature_type} function; the "
                     f"configured signature type {cfg.signature_type} is not used")
        served = function_layer.provide(step, cfg, image_node, framework, location)
    elif cfg.app_command:
        served = Process("web", ["bash", "-c", cfg.app_command], default=True)
    step.done()
    # Commands run with bash, as npm runs scripts with a shell: the general run image has it.
    runner = processes.Runner(shell=True, working_dir=ctx.app_dir, arch=ctx.target.arch)
    Launch(processes.for_image(cfg.launch.entrypoint, cfg.launch.procfile, log, runner, served,
                               cfg.mode == "function"),
           labels=cfg.launch.image_labels).write(ctx.layers_dir)


def _installer(step: Step, node: runtime.Node, choice: Choice) -> installers.Installer:
    """npm, or pnpm or Yarn fetched by npm, with what it runs for this project."""
    npm = _npm(step, node)
    program = package_manager_layer.provide(step, choice, npm) if choice.name != package_manager.NPM else None
    if program is None:
        step.log.info(f"npm {node.npm_version} ({choice.origin})")
    own_release = package_manager.yarn_path(step.ctx.app_dir) if choice.berry else ""
    if own_release:
        step.log.info(f".yarnrc.yml's yarnPath: Yarn hands over to the project's own release {own_release}")
    return installers.installer(npm, choice, program, step.log)


def _npm(step: Step, node: runtime.Node, cache: bool = True) -> Npm:
    """npm with its cache layer (none when it downloads nothing), the npmrc binding and the
    build's certificates."""
    ctx = step.ctx
    env = npmrc.environment(ctx.env, node.executable.parent, npm_cache_layer.provide(step) if cache else None,
                            npmrc.user_config(ctx.env, ctx.platform_dir))
    # node-gyp (native modules) compiles against this Node.js's headers instead of downloading
    # them from nodejs.org; in node-gyp's own spelling, which npm does not warn about.
    env["npm_package_config_node_gyp_nodedir"] = str(node.home)
    return Npm(node, env, step.log)
