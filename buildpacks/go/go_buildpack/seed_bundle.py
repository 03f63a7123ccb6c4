"""Bundles the seed: the module cache and the build cache of a function built with each
default functions framework (`make builder` runs this after bundling the toolchain, with
the buildpack's own package on the import path).

Each function is built by this buildpack's own build, with the bundled toolchain and the
[go] pins, so what the seed holds is what a build of such a function computes: the
framework's modules as the go command downloaded and verified them (against go.sum and
the checksum database) and the compiled packages of the standard library and of those
modules, under the action IDs a build with the same toolchain and flags looks up (with
-trimpath they name modules by path and version, not by directory, so they do not depend
on where the cache sits). seed.py says how a build uses it.

Another architecture's seed is made by this machine's toolchain of the same version,
cross-compiling (GOARCH=<arch>): a release toolchain's compiler and linker are keyed by
their version, not by the machine they run on, so their action IDs (and outputs) are the
ones that architecture's own toolchain computes, and the seed is made at native speed
instead of under an emulator. The arm64 integration tests check that an arm64 build of a
seeded function compiles only its own package.

    python3 -m go_buildpack.seed_bundle <bundled dir> <toolchain dir> <arch> <[go] pins as JSON>
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

import tomli_w

from funcpacks import bundled, defaults as builder_defaults
from funcpacks.context import BuildContext, Target

from . import build, build_cache_layer, module_cache_layer, seed
from .main_package import FRAMEWORK_PINS
from .toolchain_layer import BUNDLED_KIND

# The function each framework serves, as a user without go.mod requirements writes it:
# the build adds the framework at its pin, and the module graph is the framework's own.
_FUNCTION = """package seed

import "net/http"

func Serve(w http.ResponseWriter, r *http.Request) {}
"""
_GO_MOD = "module example.com/seed\n\ngo 1.21\n"
# Knative Functions' shapes as func's templates lay them out (go.mod `module function`;
# the CloudEvents one requires the SDK at the version its template does): the build adds
# func-go at its pin.
_KNATIVE_HTTP = """package function

import "net/http"

type F struct{}

func New() *F { return &F{} }

func (f *F) Handle(w http.ResponseWriter, r *http.Request) {}
"""
_KNATIVE_CLOUDEVENTS = """package function

import "github.com/cloudevents/sdk-go/v2/event"

type F struct{}

func New() *F { return &F{} }

func (f *F) Handle(e event.Event) (*event.Event, error) { return &e, nil }
"""
_KNATIVE_GO_MOD = "module function\n\ngo 1.21\n"
# (name, files, the setting that makes it a function): one build each.
_SEEDS = (
    ("openfunction", {"go.mod": _GO_MOD, "seed.go": _FUNCTION}, {"FUNC_NAME": "Serve"}),
    ("google", {"go.mod": _GO_MOD, "seed.go": _FUNCTION}, {"GOOGLE_FUNCTION_TARGET": "Serve"}),
    ("knative-http", {"go.mod": _KNATIVE_GO_MOD, "function.go": _KNATIVE_HTTP}, {}),
    ("knative-cloudevents", {"go.mod": _KNATIVE_GO_MOD + "\nrequire github.com/cloudevents/sdk-go/v2 v2.15.2\n",
                             "function.go": _KNATIVE_CLOUDEVENTS, "func.yaml": "runtime: go\ninvoke: cloudevent\n"}, {}),
)
# Far in the future, so a go command never touches them (it records a use only in an mtime
# at least an hour old); the builder stores its own times anyway.
_MTIME = 4102444800  # 2100-01-01


def bundle(bundled_dir: Path, toolchain: str, arch: str, pins: str) -> Path:
    defaults = json.loads(pins)
    toolchain_dir = Path(toolchain)
    with (toolchain_dir.parent / f"{toolchain_dir.name}.toml").open("rb") as f:
        described = tomllib.load(f)
    if described.get("kind") != BUNDLED_KIND:
        raise SystemExit(f"{toolchain_dir} is not a bundled Go toolchain")
    version = str(described["version"])
    name = f"go{version}.linux-{arch}"
    dest = bundled_dir / f"{name}.seed"
    with tempfile.TemporaryDirectory(prefix="go-seed-") as tmp:
        work = Path(tmp)
        if described.get("arch") != arch:
            toolchain_dir = _cross_toolchain(toolchain_dir, work / "toolchain" / name, arch, described)
        bp_dir = _buildpack_dir(work / "buildpack", toolchain_dir, defaults)
        for name, files, settings in _SEEDS:
            layers = _build_function(work / name, bp_dir, arch, files, settings)
            _merge(layers / module_cache_layer.NAME, dest / seed.MODULES)
            _merge(layers / build_cache_layer.NAME, dest / seed.BUILD, build_cache_layer.entries)
    for path in (dest, *dest.rglob("*")):
        os.utime(path, (_MTIME, _MTIME), follow_symlinks=False)
    frameworks = " ".join(f"{fw}@{defaults[pin]}" for fw, pin in FRAMEWORK_PINS.items())
    bundled.describe(dest, seed.KIND, version, arch, {"frameworks": frameworks, "toolchain": name,
                                                      "made-by": made_by()})
    return dest


def _cross_toolchain(host: Path, view: Path, arch: str, described: dict) -> Path:
    """host's toolchain as arch's, for the seed only: its files linked, its go.env (read by
    the go command from its GOROOT) with GOARCH=arch, its go and gofmt copied so the go
    command takes this directory as its GOROOT."""
    view.mkdir(parents=True)
    for entry in host.iterdir():
        if entry.name not in ("bin", "go.env"):
            (view / entry.name).symlink_to(entry.resolve())
    (view / "bin").mkdir()
    for program in (host / "bin").iterdir():
        shutil.copy2(program, view / "bin" / program.name)
    env_file = host / "go.env"
    (view / "go.env").write_text((env_file.read_text() if env_file.exists() else "") + f"\nGOARCH={arch}\n")
    bundled.describe(view, described["kind"], str(described["version"]), arch,
                     {k: v for k, v in described.items() if k not in ("kind", "version", "arch")})
    return view


def made_by() -> str:
    """The code that makes the seed: this buildpack's package and the library."""
    return bundled.code_digest(Path(__file__).parent, Path(bundled.__file__).parent)


def _buildpack_dir(bp_dir: Path, toolchain_dir: Path, defaults: dict) -> Path:
    """A buildpack directory as the builder has it: the defaults, the bundled toolchain."""
    (bp_dir / bundled.DIR).mkdir(parents=True)
    (bp_dir / builder_defaults.FILE).write_text(tomli_w.dumps(defaults))
    (bp_dir / bundled.DIR / toolchain_dir.name).symlink_to(toolchain_dir.resolve())
    shutil.copy(toolchain_dir.parent / f"{toolchain_dir.name}.toml", bp_dir / bundled.DIR)
    return bp_dir


def _build_function(root: Path, bp_dir: Path, arch: str, files: dict[str, str], settings: dict[str, str]) -> Path:
    """Runs the build on a function made of files, with settings; its layers."""
    app, platform, layers = root / "app", root / "platform", root / "layers"
    for d in (app, platform, layers):
        d.mkdir(parents=True)
    for name, text in files.items():
        (app / name).write_text(text)
    # As a build container has it: none of the host's settings (its go env file among them).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GO", "FUNC_", "GOOGLE_", "BP_", "CNB_", "CGO_", "XDG_"))}
    env.update(settings, HOME=str(root))
    ctx = BuildContext(app_dir=app, platform_dir=platform, plan_path=root / "plan.toml", buildpack_dir=bp_dir,
                       env=env, target=Target("linux", arch, "debian", ""), layers_dir=layers)
    cwd = os.getcwd()
    os.chdir(app)
    try:
        build.build(ctx)
    finally:
        os.chdir(cwd)
    return layers


def _merge(layer: Path, into: Path, only=None) -> None:
    """Copies the layer's files into the seed (the same file from two builds is the same
    content: module files are verified, build entries content-addressed)."""
    paths = only(layer) if only else [p for p in layer.rglob("*") if p.is_file() and not p.is_symlink()]
    for path in paths:
        rel = path.relative_to(layer)
        if not seed.seeded(rel):
            continue
        target = into / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            shutil.copy2(path, target)


if __name__ == "__main__":
    sys.exit(bundled.command(sys.argv[1:], __doc__, "funcpacks/go seed", bundle))
