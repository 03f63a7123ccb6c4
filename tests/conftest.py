"""Shared fixtures: packaged buildpacks and a runner that executes bin/detect and
bin/build exactly as the lifecycle does (argv, CNB_* env, cwd = app dir, exit codes), in
the build image (funcpacks_dev/local_platform/phase_container.py)."""
from __future__ import annotations

import os
import subprocess
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import tomli_w

from funcpacks_dev import versions
from funcpacks_dev.images import builder, bundles
from funcpacks_dev.local_platform import mirrors
from funcpacks_dev.local_platform.phase_container import PhaseContainer, PhaseContainerError, target_env


@pytest.fixture(scope="session")
def phase_container(tmp_path_factory):
    """The build image's container the phases run in, started by the first test that runs one."""
    tools = versions.ROOT / ".tools"
    try:
        container = PhaseContainer([tmp_path_factory.getbasetemp()],
                                   [versions.ROOT, tools.resolve(), mirrors.DEPS.resolve()])
    except PhaseContainerError as err:
        pytest.fail(str(err))
    yield container
    container.close()


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> dict[str, Path]:
    return builder.package_buildpacks(tmp_path_factory.mktemp("buildpacks"), any_user=True)


@pytest.fixture(scope="session")
def packaged_with_bundles(tmp_path_factory) -> dict[str, Path]:
    """The buildpacks as the builder carries them: with the default Go toolchain and .NET
    SDK (fetched once into .tools/bundles, then linked)."""
    carried = bundles.ensure()
    if "dotnet" not in carried:
        pytest.fail(f"no .NET SDK to bundle: set {bundles.FEED_VAR} to a reachable feed")
    return builder.package_buildpacks(tmp_path_factory.mktemp("bundled-buildpacks"), bundled=carried,
                                      any_user=True)


def _snapshot(directory: Path) -> dict[str, tuple[int, int, int]]:
    # A directory's own times are left out: the .NET SDK probes whether its directory is
    # writable by creating and deleting a file there (harmless where it is read-only).
    return {str(p.relative_to(directory)): (0, 0, 0) if p.is_dir() and not p.is_symlink()
            else (p.lstat().st_size, p.lstat().st_mode, p.lstat().st_mtime_ns)
            for p in directory.rglob("*")}


@pytest.fixture
def snapshot():
    """snapshot(directory): every entry under it, and each file's size, mode and
    modification time: equal snapshots mean nothing was added, removed or written."""
    return _snapshot


@pytest.fixture
def bp(packaged, request) -> Path:
    """The packaged buildpack named by the test module's BUILDPACK."""
    return packaged[request.module.BUILDPACK]


@dataclass
class PhaseResult:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


@dataclass
class Lifecycle:
    """One app + platform + layers directory, as the lifecycle lays them out."""

    root: Path
    app: Path
    platform: Path
    layers_root: Path
    container: Callable[[], PhaseContainer]

    def base_env(self, platform_env: dict[str, str]) -> dict[str, str]:
        """What the lifecycle adds to the build image's environment: CNB_* and the platform env."""
        tmp = self.root / "tmp"  # as a build container's own /tmp: not shared between builds
        tmp.mkdir(exist_ok=True)
        env = {"TMPDIR": str(tmp), "CNB_PLATFORM_DIR": str(self.platform), **target_env(self.container().target)}
        # Platform env reaches buildpacks (clear-env = false) and is written to <platform>/env.
        env_dir = self.platform / "env"
        env_dir.mkdir(parents=True, exist_ok=True)
        for key, value in platform_env.items():
            (env_dir / key).write_text(value)
            env[key] = value
        return env

    def detect(self, bp_dir: Path, platform_env: dict[str, str] | None = None) -> tuple[PhaseResult, dict]:
        plan = self.root / "plan.toml"
        plan.unlink(missing_ok=True)
        env = self.base_env(platform_env or {})
        env.update({"CNB_BUILD_PLAN_PATH": str(plan), "CNB_BUILDPACK_DIR": str(bp_dir)})
        ran = self.container().run([str(bp_dir / "bin" / "detect")], self.app, env, timeout=120)
        written = tomllib.loads(plan.read_text()) if plan.exists() and plan.read_text().strip() else {}
        return PhaseResult(ran.code, ran.out, ran.err), written

    def layers(self, bp_dir: Path) -> Path:
        bp_id = tomllib.loads((bp_dir / "buildpack.toml").read_text())["buildpack"]["id"]
        return self.layers_root / bp_id.replace("/", "_")

    def build(self, bp_dir: Path, platform_env: dict[str, str] | None = None,
              plan_entries: list[dict] | None = None) -> PhaseResult:
        layers = self.layers(bp_dir)
        layers.mkdir(parents=True, exist_ok=True)
        bp_plan = self.root / "bp-plan.toml"
        bp_plan.write_text(tomli_w.dumps({"entries": plan_entries or []}))
        env = self.base_env(platform_env or {})
        env.update({"CNB_LAYERS_DIR": str(layers), "CNB_BP_PLAN_PATH": str(bp_plan),
                    "CNB_BUILDPACK_DIR": str(bp_dir)})
        ran = self.container().run([str(bp_dir / "bin" / "build")], self.app, env)
        return PhaseResult(ran.code, ran.out, ran.err)

    def restore_as_cache(self, bp_dir: Path, previous_image: bool = False) -> None:
        """What the lifecycle leaves for the next build: cached layers with their
        metadata but WITHOUT [types], their files with the time of the restore (its
        extraction sets no mtime), a minute before the build; launch-only layers are gone.
        With previous_image (the image this build made is the next one's previous image),
        the metadata of launch-only layers comes back too, from that image, but not their
        contents."""
        layers = self.layers(bp_dir)
        restored_at = time.time() - 60
        for toml in list(layers.glob("*.toml")):
            if toml.name in ("launch.toml", "store.toml"):
                toml.unlink()
                continue
            data = tomllib.loads(toml.read_text())
            types = data.get("types", {})
            layer_dir = layers / toml.stem
            if not types.get("cache"):
                subprocess.run(["rm", "-rf", str(layer_dir)], check=True, timeout=120)
                if not (previous_image and types.get("launch") and not types.get("build")):
                    toml.unlink()
                    continue
            toml.write_text(tomli_w.dumps({"metadata": _through_json(data["metadata"])}) if data.get("metadata") else "")
            for path in (layer_dir, *layer_dir.rglob("*")) if layer_dir.is_dir() else ():
                os.utime(path, (restored_at, restored_at), follow_symlinks=False)


def _through_json(value):
    """Layer metadata as the lifecycle gives it back: it keeps it as JSON between builds,
    so every number comes back as a float."""
    if isinstance(value, dict):
        return {k: _through_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_through_json(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _lifecycle(root: Path, container: Callable[[], PhaseContainer]) -> Lifecycle:
    lc = Lifecycle(root, root / "workspace", root / "platform", root / "layers", container)
    for d in (lc.app, lc.platform, lc.layers_root):
        d.mkdir()
    return lc


@pytest.fixture
def lifecycle(tmp_path, request) -> Lifecycle:
    return _lifecycle(tmp_path, lambda: request.getfixturevalue("phase_container"))


@pytest.fixture(scope="session")
def dotnet_deps() -> Path:
    if mirrors.missing():
        pytest.fail(mirrors.missing())
    return mirrors.DEPS
