"""Run an OpenFunction Function's build the way a cluster runs it, without a cluster.

    python3 -m funcpacks_dev.testing.strategy_runner --function deploy/openfunction/hello-world-go.yaml \\
        --shipwright current --repository . --image 127.0.0.1:5000/fn/hello:latest \\
        [--param NAME=VALUE ...] [--volume-dir NAME=DIR ...] [--home DIR] [--work DIR]
    python3 -m funcpacks_dev.testing.strategy_runner --function F --shipwright openfunction --print-taskrun

Two halves:
  1. The Shipwright harness (tools/shipwright-harness, built by `make tools`) makes the
     Build and BuildRun OpenFunction makes for the Function, and runs Shipwright's own
     validation and TaskRun generation and Tekton's own validation and substitutions, for
     the Shipwright release OpenFunction installs (`openfunction`, v1alpha1 strategy) or
     the current one (`current`, v1beta1 strategy). A refusal ends here with the
     component's own message.
  2. This runner executes the resolved TaskSpec's steps, in order, with Docker: each
     step's image, command, args, env, working dir, user, read-only root and dropped
     capabilities as resolved; each volume a directory (kept with --volume-dir NAME=DIR);
     /tekton/results for results and /tekton/home as the steps' HOME (put a
     .docker/config.json there for registry credentials, as Tekton's credential
     initialisation does with the service account's secrets). Shipwright's git step is
     the one step not run: --repository is copied into the source workspace in its place,
     so the Function's srcRepo.sourceSubPath is resolved inside that directory.
Each step prints its container name (step-<name>) and exit code; the first failing step
ends the run with its code.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker.errors

from funcpacks_dev import docker_engine, versions
from funcpacks_dev.cli_args import key_value

HARNESS_DIR = versions.ROOT / ".tools" / "bin"
# --shipwright NAME -> (harness binary, strategy API version it reads)
SHIPWRIGHT = {"openfunction": ("shp-openfunction", "v1alpha1"), "current": ("shp-current", "v1beta1")}
STRATEGY_DIR = versions.ROOT / "deploy" / "shipwright"


class StrategyError(Exception):
    pass


class HarnessRefused(StrategyError):
    """Shipwright or Tekton refused the Function; the message is theirs."""


@dataclass
class StepResult:
    name: str
    container: str
    code: int
    output: str


@dataclass
class Run:
    taskrun: dict[str, Any]
    steps: list[StepResult] = field(default_factory=list)
    results_dir: Path | None = None

    @property
    def code(self) -> int:
        return next((s.code for s in self.steps if s.code != 0), 0)

    def result(self, name: str) -> bytes | None:
        assert self.results_dir is not None
        path = self.results_dir / name
        return path.read_bytes() if path.exists() else None

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)

    def resolved_step(self, name: str) -> dict[str, Any]:
        return next(s for s in self.taskrun["resolvedTaskSpec"]["steps"] if s["name"] == name)


def strategy_file(shipwright: str) -> Path:
    return STRATEGY_DIR / f"funcpacks-{SHIPWRIGHT[shipwright][1]}.yaml"


def resolve(function: Path, shipwright: str, image: str | None = None, params: dict[str, str] | None = None,
            strategy: Path | None = None, source_sub_path: str | None = None) -> dict[str, Any]:
    """The harness's report: Build, BuildRun, TaskRun and the resolved TaskSpec."""
    binary = HARNESS_DIR / SHIPWRIGHT[shipwright][0]
    if not binary.is_file():
        raise StrategyError(f"{binary} is missing: run 'make tools' to build the Shipwright harness")
    cmd = [str(binary), "--function", str(function), "--strategy", str(strategy or strategy_file(shipwright))]
    if image:
        cmd += ["--image", image]
    if source_sub_path:
        cmd += ["--source-sub-path", source_sub_path]
    for key, value in (params or {}).items():
        cmd += ["--param", f"{key}={value}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise HarnessRefused(proc.stderr.strip() or f"{binary.name} exited {proc.returncode}")
    return json.loads(proc.stdout)


def _security_options(sc: dict[str, Any]) -> dict[str, Any]:
    """A container securityContext as the SDK's container options."""
    opts: dict[str, Any] = {}
    if "runAsUser" in sc:
        opts["user"] = f"{sc['runAsUser']}:{sc.get('runAsGroup', sc['runAsUser'])}"
    if sc.get("privileged"):
        opts["privileged"] = True
    if sc.get("readOnlyRootFilesystem"):
        opts["read_only"] = True
    if sc.get("allowPrivilegeEscalation") is False:
        opts["security_opt"] = ["no-new-privileges"]
    if (sc.get("capabilities") or {}).get("drop"):
        opts["cap_drop"] = list(sc["capabilities"]["drop"])
    if (sc.get("capabilities") or {}).get("add"):
        opts["cap_add"] = list(sc["capabilities"]["add"])
    return opts


def container_options(step: dict[str, Any], container: str, mounts: dict[str, Path], work: Path) -> dict[str, Any]:
    """docker_engine.run's arguments for one step: image, command, entrypoint and options."""
    volumes = [f"{work / 'home'}:/tekton/home", f"{work / 'results'}:/tekton/results"]
    for m in step.get("volumeMounts", []):
        if m["name"] not in mounts:
            raise StrategyError(f"step {step['name']} mounts volume {m['name']!r}, which the TaskSpec does not declare")
        volumes.append(f"{mounts[m['name']]}:{m['mountPath']}{':ro' if m.get('readOnly') else ''}")
    environment = ["HOME=/tekton/home"]
    for e in step.get("env", []):
        if "valueFrom" in e:
            raise StrategyError(f"step {step['name']}: env {e['name']} takes its value from a cluster object")
        environment.append(f"{e['name']}={e.get('value', '')}")
    command = list(step.get("command") or [])
    # As `docker run --entrypoint command[0] image command[1:] args`: no args and no
    # command keep the image's own Cmd.
    rest = command[1:] + list(step.get("args") or [])
    opts = {"image": step["image"], "command": rest or None, "entrypoint": command[0] if command else None,
            "name": container, "network_mode": "host", "volumes": volumes, "environment": environment,
            **_security_options(step.get("securityContext") or {})}
    if step.get("workingDir"):
        opts["working_dir"] = step["workingDir"]
    return opts


def execute(taskrun: dict[str, Any], repository: Path, volume_dirs: dict[str, Path] | None = None,
            home: Path | None = None, work: Path | None = None, echo: bool = True) -> Run:
    spec = taskrun["resolvedTaskSpec"]
    work = Path(work or tempfile.mkdtemp(prefix="strategy-run-")).resolve()
    for d in ("results", "home", "volumes"):
        (work / d).mkdir(parents=True, exist_ok=True)
    # As in a pod: emptyDir volumes and the results directory are writable by any step user.
    (work / "results").chmod(0o777)
    if home is not None:
        shutil.copytree(home, work / "home", dirs_exist_ok=True)
    mounts = {}
    for volume in spec.get("volumes", []):
        name = volume["name"]
        mounts[name] = Path((volume_dirs or {}).get(name) or work / "volumes" / name).resolve()
        mounts[name].mkdir(parents=True, exist_ok=True)
        mounts[name].chmod(0o777)
    run_id = uuid.uuid4().hex[:8]
    result = Run(taskrun=taskrun, results_dir=work / "results")
    for step in spec["steps"]:
        tekton_name = f"step-{step['name']}"
        container = f"{tekton_name}-{run_id}"
        if step["name"] == taskrun["sourceStep"]:
            # Shipwright's git step: the repository directory stands in for the clone.
            source = mounts[taskrun["sourceVolume"]]
            shutil.copytree(repository, source, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
            source.chmod(0o777)  # a clone fills the emptyDir; the volume keeps its own mode
            code, output = 0, f"copied {repository} in place of {' '.join(step.get('args', [])[:2])}\n"
        else:
            try:
                ran = docker_engine.run(**container_options(step, container, mounts, work))
                code, output = ran.returncode, ran.output
            except docker.errors.APIError as exc:  # the step never ran: `docker run` exits 125 then
                code, output = 125, f"docker: {exc.explanation or exc}\n"
            except docker_engine.DockerError as exc:  # its image could not be pulled: the same
                code, output = 125, f"docker: {exc}\n"
        if echo:
            sys.stdout.write(output)
            print(f"==> {tekton_name} (container {container}) exited {code}", flush=True)
        result.steps.append(StepResult(step["name"], tekton_name, code, output))
        if code != 0:
            break
    return result


def run(function: Path, shipwright: str, repository: Path, image: str, params: dict[str, str] | None = None,
        volume_dirs: dict[str, Path] | None = None, home: Path | None = None, work: Path | None = None,
        echo: bool = True) -> Run:
    return execute(resolve(function, shipwright, image, params), repository, volume_dirs, home, work, echo)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--function", type=Path, required=True, help="an OpenFunction Function manifest")
    parser.add_argument("--shipwright", choices=sorted(SHIPWRIGHT), default="current")
    parser.add_argument("--repository", type=Path, default=versions.ROOT,
                        help="the directory that stands in for the Function's srcRepo (default: this repository)")
    parser.add_argument("--image", help="the output image (default: the Function's spec.image)")
    parser.add_argument("--param", action="append", default=[], type=key_value,
                        help="a value added to the Function's spec.build.shipwright.params")
    parser.add_argument("--volume-dir", action="append", default=[], type=key_value)
    parser.add_argument("--home", type=Path, help="directory copied into /tekton/home (e.g. with .docker/config.json)")
    parser.add_argument("--work", type=Path, help="work directory (default: a new temporary one)")
    parser.add_argument("--print-taskrun", action="store_true", help="print the harness's report and run nothing")
    opts = parser.parse_args(argv)
    try:
        report = resolve(opts.function, opts.shipwright, opts.image, dict(opts.param))
        if opts.print_taskrun:
            json.dump(report, sys.stdout, indent=2)
            print()
            return 0
        result = execute(report, opts.repository, {k: Path(v) for k, v in opts.volume_dir}, opts.home, opts.work)
    except StrategyError as exc:
        print(f"strategy-runner: {exc}", file=sys.stderr)
        return 2
    digest = result.result("shp-image-digest")
    if digest is not None:
        print(f"shp-image-digest: {digest.decode()}")
    return result.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
