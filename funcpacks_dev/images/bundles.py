"""The dependencies the builder carries: the default Go toolchain ([go] toolchain), the
Go seed (the caches a build of a function on each default functions framework leaves,
made with that toolchain), uv ([python] uv), the default .NET SDK ([dotnet] sdk), the
default Node.js and the functions framework for Node.js ([nodejs]), each
made once by the buildpack's own code (go_buildpack.bundle, go_buildpack.seed_bundle,
python_buildpack.bundle, dotnet_buildpack.bundle, nodejs_buildpack.bundle,
nodejs_buildpack.framework_bundle: the same downloads, checks and builds as a build's) into
.tools/bundles/<buildpack>/, then linked into every packaging of the buildpacks
(funcpacks/bundled.py says how a build finds them).

Each architecture's builder carries its own (arches.py): the toolchain, seed, uv wheel
and SDK of linux/<arch>, fetched and made here (another architecture's seed by this
machine's toolchain, cross-compiling: go_buildpack/seed_bundle.py).

The .NET SDK comes from FUNCPACKS_DOTNET_FEED (make builder DOTNET_FEED=<base URL>), else
from the mirrored feed next to the checkout when there is one (the one the tests use),
else from Microsoft's feed. When Microsoft's feed cannot be reached and no feed was named,
the builder carries no SDK (builds then download theirs, as for any other version) and
says so; a feed that was named must work for this machine's architecture. For another
architecture the SDK is optional even from a named feed (the mirrored one holds
linux-x64 only): that builder then carries none and builder-dotnet is not made for it.

    python3 -m funcpacks_dev.images.bundles fetch   # fetch what is missing, print where
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from funcpacks import bundled
from funcpacks_dev import versions
from funcpacks_dev.images import arches
from funcpacks_dev.local_platform import mirrors

ROOT = versions.ROOT
BUNDLES = ROOT / ".tools" / "bundles"
FEED_VAR = "FUNCPACKS_DOTNET_FEED"


class BundleError(Exception):
    pass


@dataclass(frozen=True)
class Bundle:
    buildpack: str  # the buildpack directory name under buildpacks/
    name: str  # <buildpack>/bundled/<name>/ and <name>.toml
    command: tuple[str, ...]  # the buildpack module's bundle command, without the output dir
    env: tuple[tuple[str, str], ...] = ()
    optional: bool = False  # a failure leaves the builder without it (with a warning)
    carried: bool = True  # False: needed to make another bundle, not carried by the builder
    # Made by running the buildpack's build (not only downloaded): made again when that code changes.
    made_by_code: bool = False


def dotnet_feed() -> tuple[str, bool]:
    """(feed base URL or "" for Microsoft's, whether it was named)."""
    named = os.environ.get(FEED_VAR, "").strip()
    if named:
        return named, True
    local = mirrors.DEPS / "dotnet"
    if (local / "release-metadata" / "releases-index.json").is_file():
        return local.resolve().as_uri(), True
    return "", False


def wanted(data: dict | None = None, arch: str | None = None) -> list[Bundle]:
    data = data or versions.load()
    arch = arch or arches.host()
    go, sdk, node = data["go"]["toolchain"], data["dotnet"]["sdk"], data["nodejs"]
    feed, named = dotnet_feed()
    toolchain, host_toolchain = f"go{go}.linux-{arch}", f"go{go}.linux-{arches.host()}"
    fetch_go = ("go_buildpack.bundle", go, arch, data["go"]["goproxy"], data["go"]["gosumdb"])
    # The seed is made by this machine's toolchain (cross-compiling for another arch:
    # the same entries at native speed, go_buildpack/seed_bundle.py), fetched first.
    host_go = [] if arch == arches.host() else [
        Bundle("go", host_toolchain, (*fetch_go[:2], arches.host(), *fetch_go[3:]), carried=False)]
    fetch_node = ("nodejs_buildpack.bundle", node["version"], arch, node["wheel-sha256"][arch], node["index"])
    host_node_name = f"node-v{node['version']}-linux-{arches.host()}"
    # The framework is installed by this machine's Node.js (JavaScript only: the same for every arch).
    host_node = [] if arch == arches.host() else [
        Bundle("nodejs", host_node_name, (*fetch_node[:2], arches.host(), node["wheel-sha256"][arches.host()],
                                          node["index"]), carried=False)]
    return host_go + host_node + [
        Bundle("go", toolchain, fetch_go),
        # After the toolchain, which builds it; the pins name the frameworks and versions.
        Bundle("go", f"{toolchain}.seed", ("go_buildpack.seed_bundle", str(BUNDLES / "go" / host_toolchain), arch,
                                           json.dumps(data["go"], sort_keys=True)), made_by_code=True),
        Bundle("python", f"uv-{data['python']['uv']}-linux-{arch}",
               ("python_buildpack.bundle", arch, versions.uv_requirement(data).strip())),
        Bundle("nodejs", f"node-v{node['version']}-linux-{arch}", fetch_node),
        Bundle("nodejs", f"functions-framework-{node['functions-framework']}-linux-{arch}",
               ("nodejs_buildpack.framework_bundle", str(BUNDLES / "nodejs" / host_node_name),
                node["functions-framework"], arch,
                hashlib.sha256((ROOT / "buildpacks/nodejs/framework/package-lock.json").read_bytes()).hexdigest())),
        Bundle("dotnet", f"dotnet-sdk-{sdk}-linux-{arch}", ("dotnet_buildpack.bundle", sdk, arch),
               (("FUNC_DOTNET_FEED", feed),) if feed else (), optional=not named or arch != arches.host()),
    ]


def _source(bundle: Bundle) -> str:
    """What a cached bundle was fetched with: another command or feed (or, for one that
    a build makes, other code) means fetch again."""
    source: dict = {"command": bundle.command, "env": bundle.env}
    if bundle.made_by_code:
        source["code"] = bundled.code_digest(ROOT / "buildpacks" / bundle.buildpack / f"{bundle.buildpack}_buildpack",
                                             ROOT / "funcpacks")
    return json.dumps(source)


def _fetch(bundle: Bundle, dest_dir: Path) -> None:
    """Runs the buildpack's bundle command into a fresh directory, then moves the result
    into place, its files read-only: an interrupted fetch leaves nothing that looks
    complete, and a build that runs as root on this host (the unit tier) cannot change
    what later builders are made of by writing through a hard link."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".fetching-") as tmp:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "buildpacks" / bundle.buildpack)]))
        env.update(dict(bundle.env))
        command = [sys.executable, "-m", bundle.command[0], tmp, *bundle.command[1:]]
        if bundle.optional:
            # An optional bundle's failure is a warning: its error's first line becomes
            # the warning's reason instead of an ERROR block in the output.
            proc = subprocess.run(command, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                error = next((ln.split("ERROR: ", 1)[1] for ln in proc.stderr.splitlines() if "ERROR: " in ln),
                             (proc.stderr.strip().splitlines() or ["no output"])[-1])
                raise BundleError(f"bundling {bundle.name} for the {bundle.buildpack} buildpack failed: {error}")
            sys.stderr.write(proc.stdout + proc.stderr)
        else:
            # Its progress goes to this process's stderr (file descriptor 2), as it happens.
            proc = subprocess.run(command, env=env, stdout=2)
            if proc.returncode != 0:
                raise BundleError(f"bundling {bundle.name} for the {bundle.buildpack} buildpack failed (see above)")
        made = Path(tmp) / bundle.name
        if not made.is_dir() or not (Path(tmp) / f"{bundle.name}.toml").is_file():
            raise BundleError(f"{bundle.command[0]} made {sorted(p.name for p in Path(tmp).iterdir())}, "
                              f"not {bundle.name} and its description")
        for path in made.rglob("*"):
            if path.is_file() and not path.is_symlink():
                path.chmod(path.stat().st_mode & ~0o222)
        (Path(tmp) / f"{bundle.name}.source").write_text(_source(bundle))
        for suffix in (".toml", ".source"):
            (dest_dir / f"{bundle.name}{suffix}").unlink(missing_ok=True)
        _remove(dest_dir / bundle.name)
        os.replace(made, dest_dir / bundle.name)
        for suffix in (".toml", ".source"):  # the description last: it says the bundle is complete
            os.replace(Path(tmp) / f"{bundle.name}{suffix}", dest_dir / f"{bundle.name}{suffix}")


def _remove(path: Path) -> None:
    """Deletes a directory whose files were made read-only."""
    if path.exists():
        subprocess.run(["chmod", "-R", "u+w", str(path)], check=True)
        shutil.rmtree(path)


def _cached(bundle: Bundle, dest_dir: Path) -> bool:
    source = dest_dir / f"{bundle.name}.source"
    return (dest_dir / bundle.name).is_dir() and (dest_dir / f"{bundle.name}.toml").is_file() \
        and source.is_file() and source.read_text() == _source(bundle)


def ensure(data: dict | None = None, buildpacks: set[str] | None = None,
           arch: str | None = None) -> dict[str, list[Path]]:
    """buildpack name -> the bundled dependencies it carries (directories under .tools/bundles)
    for arch (default: this machine's); `buildpacks`: only theirs (make demo needs Python's alone)."""
    found: dict[str, list[Path]] = {}
    for bundle in wanted(data, arch):
        if buildpacks is not None and bundle.buildpack not in buildpacks:
            continue
        dest_dir = BUNDLES / bundle.buildpack
        for partial in dest_dir.glob(".fetching-*"):  # left by an interrupted fetch
            _remove(partial)
        if not _cached(bundle, dest_dir):
            print(f"bundles: fetching {bundle.name} for the {bundle.buildpack} buildpack", flush=True)
            try:
                _fetch(bundle, dest_dir)
            except BundleError as exc:
                if not bundle.optional:
                    raise
                print(f"bundles: WARNING: {exc}; the {bundle.name.rsplit('-', 1)[-1]} builder carries no .NET SDK, "
                      f"so .NET builds download theirs. Set {FEED_VAR} (make builder DOTNET_FEED=<feed base URL>) "
                      "to a reachable feed that has it to bundle it.", file=sys.stderr)
                continue
        # Only what versions.toml names today: an older bundle stays cached but is not carried.
        if bundle.carried:
            found.setdefault(bundle.buildpack, []).append(dest_dir / bundle.name)
    return found


def link_into(packaged: Path, dependencies: list[Path]) -> None:
    """<packaged>/bundled/ with hard links to the cached files (a copy across file systems)."""
    target = packaged / "bundled"
    target.mkdir(exist_ok=True)
    for dep in dependencies:
        shutil.copytree(dep, target / dep.name, symlinks=True, copy_function=_link_or_copy)
        shutil.copy2(dep.parent / f"{dep.name}.toml", target / f"{dep.name}.toml")


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def main(argv: list[str]) -> int:
    if argv != ["fetch"]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        for name, paths in ensure().items():
            print(f"{name}: {' '.join(map(str, paths))}")
    except BundleError as exc:
        print(f"bundles: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
