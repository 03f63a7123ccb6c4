"""The build image as the lifecycle's build container, for the unit tier: one container
per test session in which each buildpack's bin/detect and bin/build run on the stack's
own python3 and C library, with the image's environment, the CNB_* variables and the
platform env, and nothing of the host's.

Paths are the same inside and out: the session's temporary directory (apps, layers,
platform dirs, packaged buildpacks) is mounted read-write at its own path, the repository
(fixtures, bundled toolchains) and the mirrored dependencies read-only at theirs, so a test
hands the container the paths it made and reads what the build wrote where it wrote it.

Phases run as root in the container, as the host's tests run: the directories are the
host user's (pytest makes them 0700), and the unit tier packages the buildpacks for any
build user (the stack's build users are checked through pack).

The host's extra CA certificates (an egress that re-signs TLS) are added to the
container's trust store once at the start, as `make stacks EXTRA_CA_DIR=` bakes them into
a build image: builds that fetch from PyPI or the Go proxy then verify as they do there.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import docker.errors

from funcpacks.context import Target
from funcpacks_dev import docker_engine, versions
from funcpacks_dev.funcbuild import HOST_CA_DIR

LABEL = "io.funcpacks.phase-container.pid"
CONTAINER_CA_DIR = "/usr/local/share/ca-certificates/host"
# Seconds a phase may take before `timeout` in the container ends it (and its children).
PHASE_TIMEOUT = 600


class PhaseContainerError(RuntimeError):
    """The build image is missing or its container could not be prepared."""


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def target_of(attrs: dict) -> Target:
    """The target the lifecycle derives from the build image's config and labels."""
    labels = attrs["Config"].get("Labels") or {}
    return Target(attrs["Os"], attrs["Architecture"], labels.get("io.buildpacks.base.distro.name", ""),
                  labels.get("io.buildpacks.base.distro.version", ""))


def target_env(target: Target) -> dict[str, str]:
    """The CNB_TARGET_* variables the lifecycle gives a phase."""
    return {"CNB_TARGET_OS": target.os, "CNB_TARGET_ARCH": target.arch,
            "CNB_TARGET_DISTRO_NAME": target.distro_name, "CNB_TARGET_DISTRO_VERSION": target.distro_version}


def _remove_orphans(client) -> None:
    """Containers a session that was killed left running (their pid is gone)."""
    for old in client.containers.list(all=True, filters={"label": LABEL}):
        pid = old.labels.get(LABEL, "")
        if not (pid.isdigit() and Path(f"/proc/{pid}").exists()):
            old.remove(force=True)


class PhaseContainer:
    def __init__(self, shared_rw: list[Path], shared_ro: list[Path], image: str | None = None) -> None:
        self.image = image or versions.get("images.build")
        client = docker_engine.client()
        try:
            attrs = client.images.get(self.image).attrs
        except docker.errors.ImageNotFound:
            raise PhaseContainerError(f"the build image {self.image} is not in the Docker engine: "
                                      "`make test-fast` makes it (or `make stacks`)") from None
        self.target = target_of(attrs)
        _remove_orphans(client)
        volumes = {str(p): {"bind": str(p), "mode": "rw"} for p in shared_rw}
        volumes.update({str(p): {"bind": str(p), "mode": "ro"} for p in shared_ro if p.exists()})
        cas = HOST_CA_DIR.is_dir() and any(HOST_CA_DIR.glob("**/*.crt"))
        if cas:
            volumes[str(HOST_CA_DIR)] = {"bind": CONTAINER_CA_DIR, "mode": "ro"}
        self.container = client.containers.run(
            self.image, ["sleep", "infinity"], detach=True, network_mode="host", user="0:0",
            volumes=volumes, labels={LABEL: str(os.getpid())}, init=True)
        if cas:
            trusted = self.container.exec_run(["update-ca-certificates"], user="0:0")
            if trusted.exit_code != 0:
                self.close()
                raise PhaseContainerError(f"update-ca-certificates failed in {self.image}: "
                                          f"{trusted.output.decode(errors='replace')}")

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], timeout: int = PHASE_TIMEOUT) -> Ran:
        """argv in the container, in cwd, with the image's environment plus env."""
        result = self.container.exec_run(["timeout", "--kill-after=10", str(timeout), *argv], workdir=str(cwd),
                                         environment=env, user="0:0", demux=True)
        out, err = result.output
        return Ran(result.exit_code, (out or b"").decode(errors="replace"), (err or b"").decode(errors="replace"))

    def close(self) -> None:
        self.container.remove(force=True)
