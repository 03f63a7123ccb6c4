"""Run an OpenFunction Function's build the way a cluster runs it, without a cluster.

    python3 -m funcpacks_dev.local_platform.strategy_runner --function deploy/openfunction/hello-world-go.yaml \\
        --shipwright current --repository . --image 127.0.0.1:5000/fn/hello:latest \\
        [--param NAME=VALUE ...] [--volume-dir NAME=DIR ...] [--home DIR] [--work DIR]
    python3 -m funcpacks_dev.local_platform.strategy_runner --function F --shipwright openfunction --print-taskrun

Two halves:
  1. The Shipwright harness (tools/shipwright-harness, built by `make harness`) makes the
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

Other platforms' strategies run the same way: --strategy names another ClusterBuildStrategy
(OpenFunction's own, Shipwright's samples), --build a Shipwright Build instead of a Function
(the current release), and --task a Tekton Task, whose TaskRun gets --task-param values and
--workspace bindings (Tekton alone: the repository is in the source workspace before the
first step). A step's `script` runs as Tekton places it, step results and `when`
expressions as Tekton's entrypoint applies them. --stand-in IMAGE=LOCAL (and --stand-ins)
run a local image where a strategy fixes one no registry here serves.
"""
from __future__ import annotations

import argparse
import json
import os
import re
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
from funcpacks_dev.local_platform import stand_ins

HARNESS_DIR = versions.ROOT / ".tools" / "bin"
# --shipwright NAME -> (harness binary, strategy API version it reads)
SHIPWRIGHT = {"openfunction": ("shp-openfunction", "v1alpha1"), "current": ("shp-current", "v1beta1")}
# Tekton alone, for Tasks such as the catalog's buildpacks task (the Tekton of `current`).
TEKTON = "tekton-current"
# What Tekton's pod builder puts before a step script without a shebang line.
SCRIPT_PREAMBLE = "#!/bin/sh\nset -e\n"
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


def _harness(name: str, args: list[str]) -> dict[str, Any]:
    binary = HARNESS_DIR / name
    if not binary.is_file():
        raise StrategyError(f"{binary} is missing: run 'make harness' to build the Shipwright harness")
    proc = subprocess.run([str(binary), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise HarnessRefused(proc.stderr.strip() or f"{binary.name} exited {proc.returncode}")
    return json.loads(proc.stdout)


def resolve(function: Path | None, shipwright: str, image: str | None = None, params: dict[str, str] | None = None,
            strategy: Path | None = None, source_sub_path: str | None = None, build: Path | None = None) -> dict[str, Any]:
    """The harness's report: Build, BuildRun, TaskRun and the resolved TaskSpec, for an
    OpenFunction Function or (the current Shipwright) a Shipwright Build."""
    cmd = ["--build", str(build)] if build else ["--function", str(function)]
    cmd += ["--strategy", str(strategy or strategy_file(shipwright))]
    if image:
        cmd += ["--image", image]
    if source_sub_path:
        cmd += ["--source-sub-path", source_sub_path]
    for key, value in (params or {}).items():
        cmd += ["--param", f"{key}={value}"]
    return _harness(SHIPWRIGHT[shipwright][0], cmd)


def resolve_task(task: Path, params: dict[str, str | list[str]], workspaces: list[str]) -> dict[str, Any]:
    """Tekton's report for a TaskRun of `task` with these parameters (a list is an array
    parameter) and these workspaces bound to emptyDirs."""
    cmd = ["--task", str(task)]
    for key, value in params.items():
        cmd += ["--param-array", f"{key}={json.dumps(value)}"] if isinstance(value, list) else ["--param", f"{key}={value}"]
    for name in workspaces:
        cmd += ["--workspace", name]
    return _harness(TEKTON, cmd)


def _security_options(sc: dict[str, Any]) -> dict[str, Any]:
    """A container securityContext as the SDK's container options."""
    opts: dict[str, Any] = {}
    if "runAsUser" in sc:
        opts["user"] = f"{sc['runAsUser']}:{sc.get('runAsGroup', sc['runAsUser'])}"
    # privileged: the Docker engine here refuses privileged containers (it cannot apply every
    # capability); a step that asks for it runs as root with the engine's default
    # capabilities, which is what the strategies' chown and file writes need.
    if sc.get("readOnlyRootFilesystem"):
        opts["read_only"] = True
    if sc.get("allowPrivilegeEscalation") is False:
        opts["security_opt"] = ["no-new-privileges"]
    if (sc.get("capabilities") or {}).get("drop"):
        opts["cap_drop"] = list(sc["capabilities"]["drop"])
    if (sc.get("capabilities") or {}).get("add"):
        opts["cap_add"] = list(sc["capabilities"]["add"])
    return opts


def place_script(step: dict[str, Any], index: int, work: Path) -> list[str]:
    """A step's `script` as Tekton's pod builder places it: a file in /tekton/scripts run as
    the step's command (its own shebang line, else /bin/sh with set -e), the step's args
    its arguments. Returns the command."""
    script = step["script"]
    if not script.strip().startswith("#!"):
        script = SCRIPT_PREAMBLE + script
    path = work / "scripts" / f"script-{index}"
    path.write_text(script)
    path.chmod(0o755)
    return [f"/tekton/scripts/{path.name}"]


def container_options(step: dict[str, Any], container: str, mounts: dict[str, Path], work: Path,
                      pod_security: dict[str, Any] | None = None, stand_ins: dict[str, str] | None = None,
                      index: int = 0) -> dict[str, Any]:
    """docker_engine.run's arguments for one step: image, command, entrypoint and options.
    pod_security: the pod's securityContext (runAsUser/runAsGroup), which a step's own
    overrides; stand_ins: image -> local image used in its place."""
    own = {m["mountPath"] for m in step.get("volumeMounts", [])}
    volumes = [f"{work / d}:/tekton/{d}{suffix}" for d, suffix in
               (("home", ""), ("results", ""), ("scripts", ":ro"), ("steps", ""), ("creds", ""))
               if f"/tekton/{d}" not in own]  # a step may mount a volume of its own there
    for m in step.get("volumeMounts", []):
        if m["name"] not in mounts:
            raise StrategyError(f"step {step['name']} mounts volume {m['name']!r}, which the TaskSpec does not declare")
        volumes.append(f"{mounts[m['name']]}:{m['mountPath']}{':ro' if m.get('readOnly') else ''}")
    environment = ["HOME=/tekton/home"]
    for e in step.get("env", []):
        if "valueFrom" in e:
            raise StrategyError(f"step {step['name']}: env {e['name']} takes its value from a cluster object")
        environment.append(f"{e['name']}={e.get('value', '')}")
    command = place_script(step, index, work) if step.get("script") else list(step.get("command") or [])
    # As `docker run --entrypoint command[0] image command[1:] args`: no args and no
    # command keep the image's own Cmd.
    rest = command[1:] + list(step.get("args") or [])
    security = {k: v for k, v in (pod_security or {}).items() if k in ("runAsUser", "runAsGroup")}
    security.update(step.get("securityContext") or {})
    opts = {"image": (stand_ins or {}).get(step["image"], step["image"]), "command": rest or None,
            "entrypoint": command[0] if command else None,
            "name": container, "network_mode": "host", "volumes": volumes, "environment": environment,
            **_security_options(security)}
    if step.get("workingDir"):
        opts["working_dir"] = step["workingDir"]
    return opts


STEP_RESULT = re.compile(r"\$\(steps\.([^.)]+)\.results\.([^.)\[]+)\)")


def with_step_results(step: dict[str, Any], work: Path) -> dict[str, Any]:
    """The step with the results of earlier steps in its env, command, args and when
    expressions, as Tekton's entrypoint puts them there when the step starts
    (`$(steps.<step>.results.<name>)`: the file the step wrote to its results directory)."""
    def value(match: re.Match[str]) -> str:
        path = work / "steps" / f"step-{match[1]}" / "results" / match[2]
        if not path.is_file():
            raise StrategyError(f"step {step['name']} uses {match[0]}, which step {match[1]} did not write")
        return path.read_text()

    def sub(text: str) -> str:
        return STEP_RESULT.sub(value, text)

    step = json.loads(json.dumps(step))
    for e in step.get("env", []):
        if "value" in e:
            e["value"] = sub(e["value"])
    for key in ("command", "args"):
        if step.get(key):
            step[key] = [sub(a) for a in step[key]]
    for w in step.get("when", []):
        w["input"] = sub(w.get("input", ""))
        w["values"] = [sub(v) for v in w.get("values", [])]
    return step


def skipped_by_when(step: dict[str, Any]) -> str | None:
    """Why the step's when expressions skip it (None: it runs). in/notin, as Tekton has."""
    for w in step.get("when", []):
        if "cel" in w:
            raise StrategyError(f"step {step['name']}: CEL when expressions are not run here")
        matched = w["input"] in w["values"]
        if matched != (w["operator"] == "in"):
            return f"when {w['input']!r} {w['operator']} {w['values']}"
    return None


def chown_tree(path: Path, uid: int, gid: int) -> None:
    """`chown -R uid:gid path`, as a strategy's prepare step (or a clone as its user) leaves
    a volume."""
    os.chown(path, uid, gid)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(Path(parent) / name, uid, gid, follow_symlinks=False)


def execute(taskrun: dict[str, Any], repository: Path, volume_dirs: dict[str, Path] | None = None,
            home: Path | None = None, work: Path | None = None, echo: bool = True,
            stand_ins: dict[str, str] | None = None, platform: str | None = None) -> Run:
    """Runs the resolved steps. stand_ins: images no machine here can pull (a strategy's
    fixed bash image) -> local images with the same tools, each named in the output.
    platform: the node's (linux/arm64: each step's image is that platform's, from its
    index, run through the emulator); None: this machine's."""
    spec = taskrun["resolvedTaskSpec"]
    pod_security = ((taskrun["taskRun"].get("spec") or {}).get("podTemplate") or {}).get("securityContext")
    work = Path(work or tempfile.mkdtemp(prefix="strategy-run-")).resolve()
    for d in ("results", "home", "volumes", "scripts", "steps", "creds"):
        (work / d).mkdir(parents=True, exist_ok=True)
    # As in a pod: emptyDir volumes and the results directories are writable by any step user.
    (work / "results").chmod(0o777)
    for step in spec["steps"]:
        (work / "steps" / f"step-{step['name']}" / "results").mkdir(parents=True, exist_ok=True)
        for d in ("steps", f"steps/step-{step['name']}", f"steps/step-{step['name']}/results"):
            (work / d).chmod(0o777)
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
    if not taskrun.get("sourceStep"):
        # No clone step (a Tekton Task given a source workspace): the repository is there
        # before the first step, as a pipeline's git task would have left it.
        source = mounts[taskrun["sourceVolume"]]
        shutil.copytree(repository, source, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
        source.chmod(0o777)
    for index, step in enumerate(spec["steps"]):
        tekton_name = f"step-{step['name']}"
        container = f"{tekton_name}-{run_id}"
        if step["name"] == taskrun["sourceStep"]:
            # Shipwright's git step: the repository directory stands in for the clone.
            source = mounts[taskrun["sourceVolume"]]
            shutil.copytree(repository, source, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
            source.chmod(0o777)  # a clone fills the emptyDir; the volume keeps its own mode
            clone_user = step.get("securityContext") or {}
            if "runAsUser" in clone_user:  # the files are the clone's user's (a strategy's securityContext)
                chown_tree(source, clone_user["runAsUser"], clone_user.get("runAsGroup", clone_user["runAsUser"]))
            code, output = 0, f"copied {repository} in place of {' '.join(step.get('args', [])[:2])}\n"
        else:
            try:
                step = with_step_results(step, work)
                skip = skipped_by_when(step)
                if skip:
                    if echo:
                        print(f"==> {tekton_name} skipped: {skip}", flush=True)
                    result.steps.append(StepResult(step["name"], tekton_name, 0, f"skipped: {skip}\n"))
                    continue
                options = container_options(step, container, mounts, work, pod_security, stand_ins, index)
                if echo and (step.get("securityContext") or {}).get("privileged"):
                    print(f"==> {tekton_name}: privileged, run as root with the default capabilities", flush=True)
                if echo and options["image"] != step["image"]:
                    print(f"==> {tekton_name}: image {options['image']} stands in for {step['image']}", flush=True)
                ran = docker_engine.run(**options, **({"platform": platform} if platform else {}))
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


def run(function: Path | None, shipwright: str, repository: Path, image: str, params: dict[str, str] | None = None,
        volume_dirs: dict[str, Path] | None = None, home: Path | None = None, work: Path | None = None,
        echo: bool = True, strategy: Path | None = None, build: Path | None = None,
        stand_ins: dict[str, str] | None = None, platform: str | None = None) -> Run:
    return execute(resolve(function, shipwright, image, params, strategy, build=build), repository, volume_dirs,
                   home, work, echo, stand_ins, platform)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--function", type=Path, help="an OpenFunction Function manifest")
    what.add_argument("--build", type=Path, help="a Shipwright v1beta1 Build manifest (--shipwright current)")
    what.add_argument("--task", type=Path, help="a Tekton Task manifest: its TaskRun gets --task-param, --workspace")
    parser.add_argument("--shipwright", choices=sorted(SHIPWRIGHT), default="current")
    parser.add_argument("--strategy", type=Path, help="the ClusterBuildStrategy manifest (default: deploy/shipwright's)")
    parser.add_argument("--repository", type=Path, default=versions.ROOT,
                        help="the directory that stands in for the Function's srcRepo (default: this repository)")
    parser.add_argument("--image", help="the output image (default: the Function's spec.image)")
    parser.add_argument("--param", action="append", default=[], type=key_value,
                        help="a value added to the Function's spec.build.shipwright.params (the Build's paramValues)")
    parser.add_argument("--task-param", action="append", default=[], type=key_value,
                        help="a TaskRun parameter (a value starting with '[' is a JSON array)")
    parser.add_argument("--workspace", action="append", default=[], help="a Task workspace bound to an emptyDir")
    parser.add_argument("--stand-in", action="append", default=[], type=key_value,
                        help="IMAGE=LOCAL: run LOCAL where a step names IMAGE (an image no registry here serves)")
    parser.add_argument("--stand-ins", action="store_true",
                        help="run stand_ins.py's local images where a step names an image no registry here serves")
    parser.add_argument("--insecure-registry", action="append", default=None,
                        help="with --stand-ins: a plain-HTTP registry the skopeo stand-in may read")
    parser.add_argument("--volume-dir", action="append", default=[], type=key_value)
    parser.add_argument("--home", type=Path, help="directory copied into /tekton/home (e.g. with .docker/config.json)")
    parser.add_argument("--work", type=Path, help="work directory (default: a new temporary one)")
    parser.add_argument("--print-taskrun", action="store_true", help="print the harness's report and run nothing")
    parser.add_argument("--platform", help="the node's platform, e.g. linux/arm64 (each step's image from its index, "
                                           "run through the emulator); default: this machine's")
    opts = parser.parse_args(argv)
    try:
        if opts.task:
            params = {k: json.loads(v) if v.startswith("[") else v for k, v in opts.task_param}
            report = resolve_task(opts.task, params, opts.workspace)
        else:
            report = resolve(opts.function, opts.shipwright, opts.image, dict(opts.param), opts.strategy,
                             build=opts.build)
        if opts.print_taskrun:
            json.dump(report, sys.stdout, indent=2)
            print()
            return 0
        result = execute(report, opts.repository, {k: Path(v) for k, v in opts.volume_dir}, opts.home, opts.work,
                         stand_ins={**(stand_ins.stand_ins(insecure_registries=opts.insecure_registry) if opts.stand_ins else {}),
                                    **dict(opts.stand_in)}, platform=opts.platform)
    except StrategyError as exc:
        print(f"strategy-runner: {exc}", file=sys.stderr)
        return 2
    for name in ("shp-image-digest", "APP_IMAGE_DIGEST"):
        digest = result.result(name)
        if digest is not None:
            print(f"{name}: {digest.decode()}")
    return result.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
