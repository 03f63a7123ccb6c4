"""The main package to build: the app's own, or, for a function, one generated to serve
it with its functions framework (added to the module, or checked in vendor/, when the
source lacks it)."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks import func_yaml, user_files
from funcpacks.errors import UserError
from funcpacks.log import Logger

from . import functions, generated_module, gotool, knative, module_source
from .config import DEFAULT_MAIN_ORIGIN, Config
from .module_source import GOPATH, VENDORED, Source

FRAMEWORK_PINS = {functions.OPENFUNCTION: "openfunction-framework", functions.GOOGLE: "google-framework",
                  knative.MODULE: "knative-func-go"}


@dataclass(frozen=True)
class Main:
    package: str  # as `go build` takes it, relative to the work copy
    binary: str  # the file name in the function layer's bin/
    launch_env: dict[str, str] = field(default_factory=dict)  # defaults the framework reads at launch
    labels: dict[str, str] = field(default_factory=dict)  # image labels of the builder's own


def for_app(src: Source, go: Path, env: dict[str, str], cfg: Config, pins: dict, log: Logger) -> Main:
    if cfg.main_package_origin == DEFAULT_MAIN_ORIGIN:
        func = func_yaml.read(src.work_dir)
        pkg = functions.scan(src.work_dir) if any(src.work_dir.glob("*.go")) else None
        if pkg is not None and knative.applies(pkg, func):
            return for_knative(src, go, env, cfg, pkg, func, pins, log)
    if cfg.go_workdir is not None:
        raise UserError(f"{cfg.go_workdir.source}={cfg.go_workdir.value!r} is set, but the source root is no Knative "
                        "Functions function, the one case funcpacks reads it for", where=cfg.go_workdir.source,
                        fix="name the main package with GOOGLE_BUILDABLE (e.g. ./cmd/server) instead")
    generated_module.tidy(src, go, env, log)
    check_is_main(src.work_dir, cfg.main_package, cfg.main_package_origin)
    log.info(f"app: the main package {cfg.main_package}")
    return Main(cfg.main_package, "app")


def check_is_main(work_dir: Path, package: str, origin: str) -> None:
    """go build of a package that is not `main` succeeds and writes a library archive, which
    the image would then fail to run (`permission denied`): refused here, with what the
    directory holds instead (knative func's template, for one, is a `package function`)."""
    directory = user_files.inside(work_dir, package, origin, what="package directory")
    name = module_source.package_name(directory)
    if name and name != "main":
        raise UserError(
            f"the package to build, {package} (package {name}), is not a main package: go build makes a library "
            "archive of it, not a program, and the image could not start",
            where=f"{origin}: {package}",
            fix="to serve a function of it, set GOOGLE_FUNCTION_TARGET (or FUNC_NAME) to the function's name, or give "
                f"it a Knative Functions shape ({knative.SHAPES}); to build an app, point GOOGLE_BUILDABLE at its "
                "package main (e.g. ./cmd/server)")


def for_function(src: Source, go: Path, env: dict[str, str], cfg: Config, pins: dict, log: Logger) -> Main:
    """Adds the framework if needed, checks the function and writes the main package that
    serves it."""
    target = cfg.target
    assert target is not None
    pkg = functions.scan(src.work_dir)
    choice = functions.choose_framework(src.requires, pkg, target)
    fw = choice.framework
    log.info(f"{functions.SHORT_NAME[fw]}'s functions framework: {choice.why}")
    p = functions.plan(pkg, fw, target.value, log, cfg.signature)
    if src.mode == VENDORED:
        _check_vendored_framework(src, choice, log)
    elif src.mode == GOPATH:
        _gopath_framework(src, go, env, fw, functions.MAIN_PACKAGE[fw], *_framework_version(cfg, fw, pins, log), log)
    elif not choice.in_go_mod:
        version, why = _framework_version(cfg, fw, pins, log)
        log.info(f"adding {fw}@{version} ({why})")
        gotool.run(go, ["get", f"{fw}@{version}"], src.work_dir, env, f"cannot add {fw}@{version}",
                   "check FUNC_FRAMEWORK_VERSION and the module proxy")
    kind = "registered in init()" if p.declarative else f"{p.kind} function"
    log.info(f"function {target.value!r} ({kind}) served by {functions.SHORT_NAME[fw]}'s framework")
    main_dir = src.work_dir / functions.GENERATED_DIR
    main_dir.mkdir()
    (main_dir / "main.go").write_text(functions.main_source(p, src.import_path))
    generated_module.tidy(src, go, env, log, pkg)
    launch_env: dict[str, str] = {}
    if fw == functions.GOOGLE:
        launch_env["FUNCTION_TARGET"] = target.value
        if p.kind in functions.SIGNATURE_TYPES:
            launch_env["FUNCTION_SIGNATURE_TYPE"] = p.kind
    return Main(f"./{functions.GENERATED_DIR}", "function", launch_env)


def for_knative(src: Source, go: Path, env: dict[str, str], cfg: Config, pkg: functions.Package,
                func: func_yaml.FuncYaml | None, pins: dict, log: Logger) -> Main:
    """A Knative Functions (func) function: the main func's scaffolding would write, built
    here from the source itself (func's own .func/build, when BP_GO_WORKDIR names it, is not
    read: it is the same main, made by the CLI)."""
    shape = knative.shape(pkg, func)
    why = "func.yaml says runtime: go" if func is not None and func.runtime == "go" else \
        f"package {pkg.name} has a package-level {'New()' if shape.signature == knative.INSTANCED else 'Handle'}"
    log.info(f"Knative Functions: {why}; {shape.describe()}")
    if cfg.go_workdir is not None:
        log.info(f"{cfg.go_workdir.source}={cfg.go_workdir.value}: func's scaffolding there is not used; the same main "
                 "is generated from the source")
    need = knative.framework_package(shape)
    pin = pins[FRAMEWORK_PINS[knative.MODULE]]
    version = src.requires.get(knative.MODULE, pin)  # what the image is served by
    if src.mode == VENDORED:
        _check_vendored(src, need, log)
    elif src.mode == GOPATH:
        _gopath_framework(src, go, env, knative.MODULE, need, pin, "funcpacks' pin", log)
    elif knative.MODULE in src.requires:
        log.info(f"go.mod requires {knative.MODULE}@{version}")
    else:
        log.info(f"adding {knative.MODULE}@{pin} (funcpacks' pin)")
        gotool.run(go, ["get", f"{knative.MODULE}@{pin}"], src.work_dir, env,
                   f"cannot add {knative.MODULE}@{pin}", "check the module proxy (GOPROXY / FUNC_GOPROXY)")
    main_dir = src.work_dir / functions.GENERATED_DIR
    main_dir.mkdir()
    (main_dir / "main.go").write_text(knative.main_source(shape, src.import_path))
    generated_module.tidy(src, go, env, log, pkg)
    launch_env = {}
    if cfg.default_listen_address is not None:
        launch_env["LISTEN_ADDRESS"] = cfg.default_listen_address.value
    # The label func's own builds carry (its CLI compares it with the middleware it would
    # scaffold today, to say when a rebuild would update it); BP_IMAGE_LABELS wins.
    return Main(f"./{functions.GENERATED_DIR}", "function", launch_env, {knative.MIDDLEWARE_LABEL: version})


def _framework_version(cfg: Config, fw: str, pins: dict, log: Logger) -> tuple[str, str]:
    """(version, why) of the framework to add when the source names none.
    FUNC_FRAMEWORK_VERSION is OpenFunction's setting for OpenFunction's framework."""
    given = cfg.framework_version
    if given and fw == functions.OPENFUNCTION:
        return given.value, given.source
    if given:
        log.warn(f"{given.source}={given.value} is for OpenFunction's framework; Google's is added at its pin")
    return pins[FRAMEWORK_PINS[fw]], "funcpacks' pin"


def _framework_fix(need: str) -> str:
    return (f"add a file with the blank import  import _ \"{need}\"  to the package, "
            "then run 'go mod tidy && go mod vendor' and commit go.mod, go.sum and vendor/")


def _check_vendored_framework(src: Source, choice: functions.Choice, log: Logger) -> None:
    """A vendored build downloads nothing, so vendor/ must already hold the framework
    package the generated main imports."""
    need = functions.MAIN_PACKAGE[choice.framework]
    if not choice.in_go_mod:
        raise UserError(f"go.mod does not require {choice.framework}, and a vendored build downloads nothing",
                        where="go.mod and vendor/modules.txt", fix=_framework_fix(need))
    _check_vendored(src, need, log)


def _check_vendored(src: Source, need: str, log: Logger) -> None:
    """vendor/ holds `need`, the framework package the generated main imports."""
    if need not in module_source.vendored_packages(src.work_dir):
        raise UserError(f"vendor/ lacks {need}, which the generated main package imports",
                        where="vendor/modules.txt", fix=_framework_fix(need))
    log.info(f"{need} is vendored")


def _gopath_framework(src: Source, go: Path, env: dict[str, str], fw: str, need: str, version: str, why: str,
                      log: Logger) -> None:
    """GOPATH mode finds packages in vendor/ or $GOPATH/src: when vendor/ lacks the
    framework's package `need`, it is fetched (with what it imports) into $GOPATH/src."""
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
