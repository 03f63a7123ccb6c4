"""Everything the user can set for a Go build, resolved once from the platform env:
the rest of the buildpack reads its settings only from here. CGO_ENABLED, the go
command's own variable, too (checked against the run image by cgo.py). The settings every
buildpack shares (entrypoint, Procfile, clear source, labels, run image) are the
library's LaunchSettings, resolved here with the rest."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from funcpacks import launch_settings, settings
from funcpacks.errors import UserError
from funcpacks.log import Logger

from . import cgo
from .proxy import GoEnv


# What names the main package when no setting does.
DEFAULT_MAIN_ORIGIN = "default (.)"


@dataclass(frozen=True)
class Config:
    target: settings.Setting | None  # function mode when set
    goenv: GoEnv
    version: settings.Setting | None = None  # the Go toolchain asked for
    version_hint: settings.Setting | None = None  # GOOGLE_RUNTIME's version, below go.mod
    signature: settings.Setting | None = None  # function mode only
    framework_version: settings.Setting | None = None
    build_flags: tuple[str, ...] = ()  # extra `go build` words, -ldflags among them
    goldflags: str = ""
    gcflags: str = ""
    main_package: str = "."  # app mode: the package to build
    main_package_origin: str = DEFAULT_MAIN_ORIGIN  # the setting that named it
    cgo: bool = False
    go_workdir: settings.Setting | None = None  # knative func's scaffolding directory
    default_listen_address: settings.Setting | None = None  # LISTEN_ADDRESS at launch (knative func)
    launch: launch_settings.LaunchSettings = field(default_factory=launch_settings.LaunchSettings)


def forbidden(env: Mapping[str, str], app_dir: Path | None = None) -> str:
    """Why a forced runtime rules Go out ('' when it does not)."""
    return settings.runtime_forbids(env, settings.GO, app_dir)


def resolve(app_dir: Path, env: Mapping[str, str], default_proxy: str, default_sumdb: str, log: Logger) -> Config:
    target = settings.lookup(env, "function_target", log)
    launch = launch_settings.resolve(app_dir, env, log)
    goenv = GoEnv.from_env(env, default_proxy, default_sumdb, log)
    flags = [w for key in ("build_args", "go_build_flags") for w in settings.words(env, key, log)]
    package, package_origin = (".", DEFAULT_MAIN_ORIGIN) if target else main_package(env, log)
    return Config(
        target=target, goenv=goenv,
        version=settings.version_request(env, "go_version", log), version_hint=settings.runtime_version_hint(env),
        # Looked up only for a function: an app has no use for it, nor for its warnings.
        signature=settings.lookup(env, "signature_type", log) if target else None,
        framework_version=settings.lookup(env, "framework_version"),
        build_flags=tuple(flags), goldflags=settings.value(env, "goldflags", log),
        gcflags=settings.value(env, "gogcflags", log),
        main_package=package, main_package_origin=package_origin,
        cgo=cgo.enabled(env.get("CGO_ENABLED", ""), launch.static_run_image), launch=launch,
        go_workdir=settings.lookup(env, "go_workdir") if not target else None,
        default_listen_address=settings.lookup(env, "default_listen_address"))


def main_package(env: Mapping[str, str], log: Logger | None = None) -> tuple[str, str]:
    """The app's main package: GOOGLE_BUILDABLE / FUNC_BUILDABLE, or Paketo's BP_GO_TARGETS
    (one target: this buildpack makes one binary)."""
    s = settings.first_of(env, ("buildable", "go_targets"), log)
    if s is None:
        return ".", DEFAULT_MAIN_ORIGIN
    targets = [t for t in s.value.split(":") if t.strip()] if s.source == "BP_GO_TARGETS" else [s.value]
    if len(targets) != 1:
        raise UserError(f"{s.source}={s.value!r} names {len(targets)} targets; funcpacks builds one main package",
                        where=s.source, fix="name one package (e.g. ./cmd/server); build the others as separate images")
    target = targets[0].strip()
    if target.startswith("/"):
        raise UserError(f"{s.source}={target!r} is an absolute path", where=s.source,
                        fix="name the package relative to the source root, e.g. ./cmd/server")
    if posixpath.normpath(target).split("/")[0] == "..":
        raise UserError(f"{s.source}={target!r} leads outside the source (with '..'); a build reads only the source",
                        where=s.source, fix="name a package inside the source, relative to its root, e.g. ./cmd/server")
    return (target if target.startswith(("./", ".")) else f"./{target}"), s.source
