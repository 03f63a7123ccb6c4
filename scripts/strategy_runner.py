"""Run a Shipwright BuildStrategy's steps locally with Docker, without a cluster.

    python3 scripts/strategy_runner.py STRATEGY.yaml --source DIR --output-image REF \\
        [--context-dir D] [--param K=V ...] [--volume-dir NAME=DIR ...] [--home DIR] [--work DIR]

It executes what the YAML says, in order, with Tekton/Shipwright semantics:
  - `$(params.X)` from --param, else the parameter's default; the system parameters
    shp-output-image, shp-source-root and shp-source-context are set as Shipwright sets them;
  - `$(results.X.path)` is /tekton/results/X (a directory kept in the work dir);
  - every declared volume (v1beta1 `spec.volumes`, or the steps' volumeMounts) is an empty
    directory unless --volume-dir gives one to keep (e.g. a cache across runs);
  - /workspace/source holds a copy of --source (standing in for step-source-default);
    /tekton/home is the steps' HOME (put a .docker/config.json there for registry auth);
  - securityContext runAsUser/runAsGroup become `docker run --user`; env, command and
    args are passed exactly as written; containers use --network host.
Each step prints its container name (step-<name>) and exit code; the first failing step
ends the run with its code.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from funcbuild import key_value  # noqa: E402

SOURCE_ROOT = "/workspace/source"
_REF = re.compile(r"\$\((params|results)\.([A-Za-z0-9_.-]+?)(\.path)?\)")


class StrategyError(Exception):
    pass


@dataclass
class StepResult:
    name: str
    container: str
    code: int
    output: str


@dataclass
class Run:
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


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    if not isinstance(doc, dict) or doc.get("kind") not in ("ClusterBuildStrategy", "BuildStrategy"):
        raise StrategyError(f"{path} is not a Shipwright (Cluster)BuildStrategy")
    return doc


def strategy_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec", {})
    steps = spec.get("steps") if doc["apiVersion"].endswith("v1beta1") else spec.get("buildSteps")
    if not steps:
        raise StrategyError(f"{doc['apiVersion']} strategy has no steps")
    return steps


def resolve_params(doc: dict[str, Any], overrides: dict[str, str], system: dict[str, str]) -> dict[str, str]:
    declared = {p["name"]: p for p in doc.get("spec", {}).get("parameters", [])}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise StrategyError(f"unknown parameter(s) {', '.join(unknown)}; the strategy declares {', '.join(declared)}")
    values = dict(system)
    for name, p in declared.items():
        if name in overrides:
            values[name] = overrides[name]
        elif "default" in p:
            values[name] = str(p["default"])
        else:
            raise StrategyError(f"parameter {name} has no default and was not given (--param {name}=...)")
    return values


def substitute(value: Any, params: dict[str, str]) -> Any:
    if isinstance(value, str):
        def repl(m: re.Match) -> str:
            kind, name, path = m.group(1), m.group(2), m.group(3)
            if kind == "results":
                if not path:
                    raise StrategyError(f"$(results.{name}) must be $(results.{name}.path)")
                return f"/tekton/results/{name}"
            if name not in params:
                raise StrategyError(f"$(params.{name}) is not a parameter of the strategy")
            return params[name]
        return _REF.sub(repl, value)
    if isinstance(value, list):
        return [substitute(v, params) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, params) for k, v in value.items()}
    return value


def volume_names(doc: dict[str, Any]) -> list[str]:
    names = [v["name"] for v in doc.get("spec", {}).get("volumes", [])]
    for step in strategy_steps(doc):
        names += [m["name"] for m in step.get("volumeMounts", []) if m["name"] not in names]
    return names


def docker_command(step: dict[str, Any], container: str, mounts: dict[str, Path], work: Path) -> list[str]:
    cmd = ["docker", "run", "--name", container, "--network", "host",
           "-v", f"{work / 'source'}:{SOURCE_ROOT}", "-v", f"{work / 'home'}:/tekton/home",
           "-v", f"{work / 'results'}:/tekton/results", "-e", "HOME=/tekton/home"]
    sc = step.get("securityContext") or {}
    if "runAsUser" in sc:
        cmd += ["--user", f"{sc['runAsUser']}:{sc.get('runAsGroup', sc['runAsUser'])}"]
    if sc.get("privileged"):
        cmd += ["--privileged"]
    for m in step.get("volumeMounts", []):
        cmd += ["-v", f"{mounts[m['name']]}:{m['mountPath']}{':ro' if m.get('readOnly') else ''}"]
    for e in step.get("env", []):
        cmd += ["-e", f"{e['name']}={e.get('value', '')}"]
    if step.get("workingDir"):
        cmd += ["-w", step["workingDir"]]
    command = list(step.get("command") or [])
    if command:
        cmd += ["--entrypoint", command[0]]
    return cmd + [step["image"]] + command[1:] + list(step.get("args") or [])


def run(strategy: Path, source: Path, output_image: str, params: dict[str, str] | None = None,
        context_dir: str = ".", volume_dirs: dict[str, Path] | None = None, home: Path | None = None,
        work: Path | None = None, echo: bool = True) -> Run:
    doc = load(strategy)
    system = {"shp-output-image": output_image, "shp-source-root": SOURCE_ROOT,
              "shp-source-context": f"{SOURCE_ROOT}/{context_dir}".rstrip("/.") or SOURCE_ROOT}
    values = resolve_params(doc, params or {}, system)
    work = Path(work or tempfile.mkdtemp(prefix="strategy-run-")).resolve()
    for d in ("source", "results", "home", "volumes"):
        (work / d).mkdir(parents=True, exist_ok=True)
    (work / "results").chmod(0o777)  # as in Tekton: any step user may write its results
    shutil.copytree(source, work / "source", dirs_exist_ok=True)
    if home is not None:
        shutil.copytree(home, work / "home", dirs_exist_ok=True)
    mounts = {}
    for name in volume_names(doc):
        mounts[name] = Path((volume_dirs or {}).get(name) or work / "volumes" / name).resolve()
        mounts[name].mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    result = Run(results_dir=work / "results")
    for step in strategy_steps(doc):
        step = substitute(step, values)
        tekton_name = f"step-{step['name']}"
        container = f"{tekton_name}-{run_id}"
        proc = subprocess.run(docker_command(step, container, mounts, work), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)
        if echo:
            sys.stdout.write(proc.stdout)
            print(f"==> {tekton_name} (container {container}) exited {proc.returncode}", flush=True)
        result.steps.append(StepResult(step["name"], tekton_name, proc.returncode, proc.stdout))
        if proc.returncode != 0:
            break
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("strategy", type=Path)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--output-image", required=True)
    parser.add_argument("--context-dir", default=".")
    parser.add_argument("--param", action="append", default=[], type=key_value)
    parser.add_argument("--volume-dir", action="append", default=[], type=key_value)
    parser.add_argument("--home", type=Path, help="directory copied into /tekton/home (e.g. with .docker/config.json)")
    parser.add_argument("--work", type=Path, help="work directory (default: a new temporary one)")
    opts = parser.parse_args(argv)
    try:
        result = run(opts.strategy, opts.source, opts.output_image, dict(opts.param), opts.context_dir,
                     {k: Path(v) for k, v in opts.volume_dir}, opts.home, opts.work)
    except StrategyError as exc:
        print(f"strategy-runner: {exc}", file=sys.stderr)
        return 2
    digest = result.result("shp-image-digest")
    if digest is not None:
        print(f"shp-image-digest: {digest.decode()}")
    return result.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
