"""What each package manager runs to install the project's dependencies: without
devDependencies when no build script needs them, else with them and pruned after the
scripts; exactly the lock when there is one. Their downloads go to the `npm-cache`
layer, each in a directory of its own."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from funcpacks.log import Logger

from . import package_manager
from .npm import LOCK_HINTS, Npm
from .package_manager import Choice


@dataclass(frozen=True)
class Installer:
    runner: Npm
    choice: Choice
    install: list[str]  # the install when no build script runs: no devDependencies
    install_with_dev: list[str]
    prune: list[str] = field(default_factory=list)  # after the scripts: drops devDependencies
    # Run first when there is a lock, where the install itself does not hold to it (Yarn
    # 4's `workspaces focus` resolves again): fails when the lock is out of step.
    verify: list[str] = field(default_factory=list)

    def script(self, name: str) -> list[str]:
        return ["run", name]

    @property
    def lock_fix(self) -> str:
        return f"run `{self.choice.name} install` locally to see the same error" + (
            f"; keep {self.choice.lock} in step with package.json" if self.choice.lock else
            f", fix package.json, and commit the {self.choice.name} lock it writes")


def for_npm(npm: Npm, choice: Choice) -> Installer:
    if choice.lock:
        return Installer(npm, choice, ["ci", "--omit=dev"], ["ci", "--include=dev"], ["prune", "--omit=dev"])
    return Installer(npm, choice, ["install", "--no-package-lock", "--omit=dev"],
                     ["install", "--no-package-lock", "--include=dev"], ["prune", "--omit=dev"])


def for_pnpm(npm: Npm, choice: Choice, program: Path, cache: Path) -> Installer:
    runner = npm.with_program("pnpm", program, dict(npm.env), (LOCK_HINTS["pnpm"],))
    # The same store and settings for install and prune (pnpm refuses a node_modules made
    # with another store). copy: the store is in a cache-only layer; hard links into the
    # image's layer would tie the two together. No purge prompt: there is no terminal.
    settings = [f"--config.store-dir={cache / 'pnpm-store'}", "--config.package-import-method=copy",
                "--config.confirm-modules-purge=false"]
    base = ["install", "--frozen-lockfile" if choice.lock else "--no-lockfile", *settings]
    return Installer(runner, choice, [*base, "--prod"], base, ["prune", "--prod", *settings])


def for_yarn_classic(npm: Npm, choice: Choice, program: Path, cache: Path) -> Installer:
    runner = npm.with_program("yarn", program, dict(npm.env), (LOCK_HINTS["yarn"],))
    base = ["install", "--non-interactive", "--no-progress", "--frozen-lockfile" if choice.lock else "--pure-lockfile",
            "--cache-folder", str(cache / "yarn")]
    # Installing again with --production removes what only devDependencies needed.
    return Installer(runner, choice, [*base, "--production=true"], [*base, "--production=false"],
                     [*base, "--production=true", "--ignore-scripts", "--prefer-offline"])


def for_yarn_berry(npm: Npm, choice: Choice, program: Path, cache: Path, log: Logger) -> Installer:
    env = dict(npm.env)
    env.update({"YARN_ENABLE_TELEMETRY": "0", "YARN_ENABLE_PROGRESS_BARS": "false", "YARN_ENABLE_COLORS": "false",
                "YARN_ENABLE_GLOBAL_CACHE": "false", "YARN_ENABLE_MIRROR": "false",
                "YARN_CACHE_FOLDER": str(cache / "yarn-berry"),
                "YARN_ENABLE_IMMUTABLE_INSTALLS": "true" if choice.lock else "false",
                # node_modules instead of Plug'n'Play: the same packages at the versions the lock
                # pins, served by Node.js's own resolution, with no loader hook at every start.
                "YARN_NODE_LINKER": "node-modules"})
    # Yarn berry reads .yarnrc.yml, not npm's settings: the registry a build points npm at
    # is Yarn's too, unless Yarn's own setting is given.
    registry = npm.env.get("NPM_CONFIG_REGISTRY") or npm.env.get("npm_config_registry")
    if registry and "YARN_NPM_REGISTRY_SERVER" not in npm.env:
        env["YARN_NPM_REGISTRY_SERVER"] = registry
    runner = npm.with_program("yarn", program, env, (LOCK_HINTS["yarn-berry"],))
    if int(choice.version.split(".")[0]) >= 4:
        # `workspaces focus --production` installs without devDependencies (built into Yarn 4),
        # but resolves again whatever immutability says: the lock is checked first by an install
        # without running a build script.
        focus = ["workspaces", "focus", "--all", "--production"]
        verify = ["install", "--immutable", "--mode=skip-build"] if choice.lock else []
        return Installer(runner, choice, focus, ["install"], focus, verify)
    log.warn(f"Yarn {choice.version} cannot install without devDependencies: they are in the image; set "
             'package.json "packageManager" to yarn@4 or later to leave them out')
    return Installer(runner, choice, ["install"], ["install"])


def installer(npm: Npm, choice: Choice, program: Path | None, log: Logger) -> Installer:
    cache = Path(npm.env["npm_config_cache"])
    if program is None:  # npm: the chosen Node.js carries it
        return for_npm(npm, choice)
    if choice.name == package_manager.PNPM:
        return for_pnpm(npm, choice, program, cache)
    if choice.berry:
        return for_yarn_berry(npm, choice, program, cache, log)
    return for_yarn_classic(npm, choice, program, cache)
