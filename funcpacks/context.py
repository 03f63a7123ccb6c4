"""The detect and build contexts as the lifecycle hands them to bin/detect and bin/build.

Buildpack API 0.10: cwd is the application directory; paths come from CNB_* variables
(and, for older lifecycles, from positional arguments).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


def _path(env: Mapping[str, str], name: str, argv: list[str], index: int) -> Path:
    value = env.get(name) or (argv[index] if len(argv) > index else "")
    if not value:
        raise RuntimeError(f"{name} is not set: bin/detect and bin/build are run by the CNB lifecycle")
    return Path(value)


def machine_arch() -> str:
    """This machine's architecture by the CNB (GOARCH-style) name."""
    machine = os.uname().machine  # what platform.machine() answers, without importing it
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


@dataclass(frozen=True)
class Target:
    os: str
    arch: str
    distro_name: str
    distro_version: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Target":
        return cls(
            os=env.get("CNB_TARGET_OS", "linux"),
            arch=env.get("CNB_TARGET_ARCH", machine_arch()),
            distro_name=env.get("CNB_TARGET_DISTRO_NAME", ""),
            distro_version=env.get("CNB_TARGET_DISTRO_VERSION", ""),
        )


def _phase_inputs(argv: list[str], env: dict[str, str], platform_index: int, plan_var: str,
                  plan_index: int) -> dict[str, Any]:
    """What detect and build are both given; only the plan variable and the positions of
    the legacy positional arguments differ."""
    return {
        "app_dir": Path.cwd(),
        "platform_dir": _path(env, "CNB_PLATFORM_DIR", argv, platform_index),
        "plan_path": _path(env, plan_var, argv, plan_index),
        "buildpack_dir": Path(env.get("CNB_BUILDPACK_DIR") or Path(argv[0]).resolve().parent.parent),
        "env": env,
        "target": Target.from_env(env),
    }


@dataclass
class DetectContext:
    app_dir: Path
    platform_dir: Path
    plan_path: Path  # the build plan this buildpack writes
    buildpack_dir: Path
    env: Mapping[str, str]
    target: Target

    @classmethod
    def from_process(cls, argv: list[str], env: Mapping[str, str] | None = None) -> "DetectContext":
        env = dict(os.environ if env is None else env)
        return cls(**_phase_inputs(argv, env, 1, "CNB_BUILD_PLAN_PATH", 2))


@dataclass
class BuildPlan:
    """What detect promises: provides and requires, each a list of {name, metadata}."""

    provides: list[dict[str, Any]] = field(default_factory=list)
    requires: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of_own(cls, name: str) -> "BuildPlan":
        """The plan of a language buildpack: it provides what it requires itself."""
        plan = cls()
        plan.provide(name)
        plan.require(name)
        return plan

    def provide(self, name: str) -> None:
        self.provides.append({"name": name})

    def require(self, name: str, **metadata: Any) -> None:
        entry: dict[str, Any] = {"name": name}
        if metadata:
            entry["metadata"] = metadata
        self.requires.append(entry)

    def write(self, path: Path) -> None:
        import tomli_w  # here: most detects fail, and they need no TOML writer
        data: dict[str, Any] = {}
        if self.provides:
            data["provides"] = self.provides
        if self.requires:
            data["requires"] = self.requires
        path.write_text(tomli_w.dumps(data))


@dataclass
class BuildContext(DetectContext):
    """plan_path is the buildpack plan (the entries this buildpack was given)."""

    layers_dir: Path = Path("/layers")

    @classmethod
    def from_process(cls, argv: list[str], env: Mapping[str, str] | None = None) -> "BuildContext":
        env = dict(os.environ if env is None else env)
        return cls(layers_dir=_path(env, "CNB_LAYERS_DIR", argv, 1),
                   **_phase_inputs(argv, env, 2, "CNB_BP_PLAN_PATH", 3))

