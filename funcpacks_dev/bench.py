"""`make bench`: funcpacks (pack + our builder) against a hand-written multi-stage
Dockerfile, side by side, for every sample that has a contender B.

For each sample and repetition the two contenders alternate (so machine drift hits
both), each measuring: cold build, warm rebuild after a one-line source change,
no-change rebuild, image size (uncompressed and as pushed to a local registry), cold
start (docker run -> first HTTP 200, polled every millisecond), latency p50/p99 over
sequential requests after a warm-up, and throughput at concurrency 16 with wrk.

The registry path (funcpacks only, the seed samples): the same three builds the way the
Shipwright strategy's create step runs them, the lifecycle's creator in the builder
image with the strategy's flags, fresh volumes for every build, the cache image
(-cache-image) and the previous image in the local registry and the app image published
there; plus the cache image's compressed size and the warm rebuild's lifecycle phases.

Writes bench/results/<timestamp>.json (+ latest.json), bench/results/latest.png, and the
table section of docs/benchmarks.md. Nothing here asserts a time.

    python3 -m funcpacks_dev.bench [--quick] [--reps N] [--samples a,b] [--registry-only]
                                   [--requests N] [--wrk-seconds S]
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.images import flavors, registry
from funcpacks_dev.local_platform import mirrors
from funcpacks_dev.local_platform.http_servers import file_server
from funcpacks_dev.local_platform.strategy_runner import chown_tree

ROOT = versions.ROOT
RESULTS_DIR = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
# 2: the registry path (raw/summary[sample]["registry"], "registry_warm_phases"), the
# builder images' sizes; with --registry-only a sample has no contender entries.
SCHEMA = 2
TABLE_BEGIN, TABLE_END = "<!-- bench:table -->", "<!-- /bench:table -->"

METRICS = {  # name -> (unit, lower is better)
    "cold_build_s": ("s", True),
    "warm_build_s": ("s", True),
    "nochange_build_s": ("s", True),
    "image_size_mb": ("MB", True),
    "pushed_size_mb": ("MB", True),
    "cold_start_ms": ("ms", True),
    "latency_p50_ms": ("ms", True),
    "latency_p99_ms": ("ms", True),
    "throughput_rps_c16": ("req/s", False),
}
# The registry path's metrics (funcpacks only: no ratio).
REGISTRY_METRICS = {
    "registry_cold_build_s": ("s", True),
    "registry_warm_build_s": ("s", True),
    "registry_nochange_build_s": ("s", True),
    "registry_cache_image_mb": ("MB", True),
}


PHASES = ["setup", "analyzing", "detecting", "restoring", "building", "exporting"]


@dataclass(frozen=True)
class Sample:
    name: str
    lang: str
    pack_env: dict[str, str]
    target: str
    source: str  # the file the one-line change goes into
    path: str = "/"  # what the HTTP measurements request
    builder_key: str = "builder"  # [images] key of the funcpacks builder
    run_key: str = "run"  # [images] key of the run image both contenders use
    # The Dockerfile's run image when it is not the builder's: the .NET Dockerfile brings
    # its own runtime onto the general run image, as it always did.
    dockerfile_run_key: str = ""
    # .NET: the NuGet packages (files of the mirrored folder feed) the app restores; the
    # SDK comes from the mirrored .NET feed, served on 127.0.0.1 for both contenders.
    nuget_packages: tuple[str, ...] = ()
    # bench/dockerfiles/<contender>: the hand-written Dockerfile (default: the language's)
    contender: str = ""
    # also measured through the registry path (the creator as the Shipwright strategy runs it)
    registry: bool = False


SAMPLES = [
    Sample("hello-world-python", "python", {"GOOGLE_FUNCTION_TARGET": "hello_world"}, "hello_world", "main.py",
           builder_key="builder-python", registry=True),
    Sample("python-no-requirements", "python", {"FUNC_NAME": "hello"}, "hello", "main.py", builder_key="builder-python"),
    Sample("python-uv", "python", {"GOOGLE_FUNCTION_TARGET": "hello"}, "hello", "main.py", builder_key="builder-python",
           contender="python-uv"),
    Sample("python-poetry", "python", {"GOOGLE_FUNCTION_TARGET": "hello"}, "hello", "main.py",
           builder_key="builder-python", contender="python-poetry"),
    Sample("hello-world-go", "go", {"FUNC_NAME": "HelloWorld"}, "HelloWorld", "hello.go", "/bench",
           "builder-go", "run-static", registry=True),
    Sample("hello-world-dotnet", "dotnet", {"GOOGLE_FUNCTION_TARGET": "helloworld"}, "HelloWorld", "Startup.cs",
           builder_key="builder-dotnet", run_key="run-dotnet", dockerfile_run_key="run",
           nuget_packages=("microsoft.netcore.app.ref.3.1.0.nupkg", "microsoft.aspnetcore.app.ref.3.1.10.nupkg"),
           registry=True),
]
QUICK_SAMPLE = "python-no-requirements"


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def timed(fn: Callable[[], None]) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    return proc


def edit_source(src: Path, sample: Sample, n: int) -> None:
    """The one-line source change of a warm rebuild (a comment: both contenders see a
    changed file; neither can tell it changes nothing)."""
    path = src / sample.source
    comment = "#" if path.suffix == ".py" else "//"
    path.write_text(path.read_text() + f"{comment} bench edit {n}\n")


class Contender:
    name = ""

    def __init__(self, sample: Sample, work: Path, feed: str = "") -> None:
        self.sample = sample
        self.feed = feed  # base URL of the .NET feed mirror, for .NET samples
        self.warm_phases: list[dict[str, float]] = []
        self.tag = f"funcpacks-bench/{sample.name}-{self.name}"
        self.work = work / self.name
        self.src = self.work / "src"
        if self.work.exists():
            shutil.rmtree(self.work)
        shutil.copytree(ROOT / "samples" / sample.name, self.src)

    def cold_build(self) -> None: ...

    def rebuild(self) -> None: ...

    def remove(self) -> None:
        docker_engine.remove_images(self.tag)


_STAMPED = re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) (.*)$")
# `docker logs -t`: RFC 3339 in UTC, nanoseconds
_DOCKER_STAMPED = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z (.*)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the lifecycle colours its phase headers


def _phase_name(text: str) -> str:
    return text.removeprefix("===> ").split()[0].lower()


def phase_durations(marks: list[tuple[str, float]], started: float) -> dict[str, float]:
    """Seconds per phase from (name, time) marks in order, each phase lasting until the
    next mark (the last mark only ends the one before it); 'setup' is the time from
    started to the first mark."""
    phases = {}
    if marks:
        phases["setup"] = round(marks[0][1] - started, 3)
    for (name, t0), (_, t1) in zip(marks, marks[1:]):
        phases[name] = round(t1 - t0, 3)
    return phases


def lifecycle_phases(output: str, started: float) -> dict[str, float]:
    """Seconds per lifecycle phase, from `pack build --timestamps` output: the time from
    each '===> PHASE' line to the next marker; 'setup' is pack's time before the first."""
    marks = []
    for line in output.splitlines():
        m = _STAMPED.match(line)
        if m and (m.group(2).startswith("===> ") or m.group(2).startswith("Successfully built")):
            stamp = dt.datetime.strptime(m.group(1), "%Y/%m/%d %H:%M:%S.%f").timestamp()
            marks.append((_phase_name(m.group(2)), stamp))
    return phase_durations(marks, started)


def creator_phases(stamped: str, started: float, finished: float) -> dict[str, float]:
    """Seconds per lifecycle phase of a creator container, from its output with the
    daemon's timestamps (`docker logs -t`): each '===> PHASE' line to the next, the last
    phase (exporting, with the cache image's push) to finished (the container exited and
    removed); 'setup' is the time from started (before `docker create`) to the first."""
    marks = []
    for line in stamped.splitlines():
        m = _DOCKER_STAMPED.match(line)
        text = _ANSI.sub("", m.group(3)) if m else ""
        if text.startswith("===> "):
            stamp = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
            marks.append((_phase_name(text), stamp.timestamp() + float(m.group(2) or 0)))
    return phase_durations(marks + [("end", finished)] if marks else [], started)


def platform_inputs(sample: Sample, work: Path, feed: str) -> tuple[dict[str, str], list[Path]]:
    """The platform env and service bindings of a funcpacks build of sample (through pack
    or the registry path). .NET: the mirrored .NET feed served on 127.0.0.1 and a NuGet
    binding to the mirrored folder feed, which the build sees at mirrors.CONTAINER_DEPS."""
    env, bindings = dict(sample.pack_env), []
    if sample.lang == "dotnet":
        env["FUNC_DOTNET_FEED"] = feed
        bindings.append(mirrors.nuget_binding(work / "bindings" / "nuget"))
    return env, bindings


class Funcpacks(Contender):
    name = "funcpacks"
    phases: dict[str, float] = {}

    def _build(self, extra: list[str]) -> None:
        started = time.time()
        env, bindings = platform_inputs(self.sample, self.work, self.feed)
        if self.sample.lang == "dotnet":
            extra = [*mirrors.PACK_MOUNT, *extra]
        proc = funcbuild.pack_build(self.src, self.tag, env, ["--timestamps", *extra], capture=True,
                                    builder_image=versions.get(f"images.{self.sample.builder_key}"), bindings=bindings)
        if proc.returncode != 0:
            raise RuntimeError(f"pack build failed:\n{proc.stdout[-3000:]}")
        self.phases = lifecycle_phases(proc.stdout, started)

    def cold_build(self) -> None:
        self._build(["--clear-cache"])

    def rebuild(self) -> None:
        self._build([])


class Dockerfile(Contender):
    name = "dockerfile"

    def __init__(self, sample: Sample, work: Path, feed: str = "") -> None:
        super().__init__(sample, work, feed)
        contender_dir = ROOT / "bench" / "dockerfiles" / (sample.contender or sample.lang)
        shutil.copy(contender_dir / "Dockerfile", self.work / "Dockerfile")
        cas = sorted(funcbuild.HOST_CA_DIR.glob("**/*.crt")) if funcbuild.HOST_CA_DIR.is_dir() else []
        (self.work / "bench-ca.crt").write_text("".join(p.read_text() for p in cas))
        data = versions.load()
        self.args = {"BUILD_IMAGE": data["images"]["build"],
                     "RUN_IMAGE": data["images"][sample.dockerfile_run_key or sample.run_key]}
        if sample.contender == "python-uv":
            (self.work / "uv-requirement.txt").write_text(versions.uv_requirement(data))
            self.args["FUNCTION_TARGET"] = sample.target
        elif sample.contender == "python-poetry":
            shutil.copy(ROOT / "buildpacks" / "python" / "poetry-requirements.txt", self.work)
            self.args["FUNCTION_TARGET"] = sample.target
        elif sample.lang == "python":
            req = self.src / "requirements.txt"
            (self.work / "requirements.txt").write_text(req.read_text() if req.exists() else "")
            names_ff = "functions-framework" in (self.work / "requirements.txt").read_text().lower()
            self.args["FRAMEWORK_REQUIREMENT"] = (
                "" if names_ff else f"functions-framework=={data['python']['functions-framework']}")
            self.args["FUNCTION_TARGET"] = sample.target
        elif sample.lang == "go":
            shutil.copy(contender_dir / "main.go", self.work / "main.go")
            self.args["GO_VERSION"] = data["go"]["toolchain"]
            self.args["GOPROXY"] = data["go"]["goproxy"].split(",")[0]
        elif sample.lang == "dotnet":
            (self.work / "nuget").mkdir()
            for package in sample.nuget_packages:
                shutil.copy(mirrors.DEPS / "nuget" / package, self.work / "nuget" / package)
            (self.work / "nuget.config").write_text(mirrors.nuget_config("/nuget-feed"))
            url, sha512 = mirrors.newest_sdk(mirrors.DEPS / "dotnet")
            self.args.update({"SDK_URL": url.replace(mirrors.DOTNET_FEED, feed), "SDK_SHA512": sha512,
                              "ASSEMBLY": sample.target})

    def _build(self, nocache: bool) -> None:
        docker_engine.build(str(self.work), self.tag, buildargs=self.args, nocache=nocache, network_mode="host")

    def cold_build(self) -> None:
        self._build(nocache=True)

    def rebuild(self) -> None:
        self._build(nocache=False)


CONTENDERS = [Funcpacks, Dockerfile]

CREATOR = "/cnb/lifecycle/creator"


def creator_args(app: str, image: str, cache_image: str, run_image: str, insecure_registry: str,
                 uid: int, gid: int) -> list[str]:
    """The creator's arguments as the Shipwright strategy's create step passes them
    (deploy/shipwright: process type web, no -skip-restore, the output image as the
    previous image, log level info, CACHE_IMAGE, RUN_IMAGE and INSECURE_REGISTRIES set)."""
    return [f"-app={app}", "-layers=/layers", "-platform=/platform", "-report=/layers/report.toml",
            f"-uid={uid}", f"-gid={gid}", "-process-type=web", "-skip-restore=false", f"-previous-image={image}",
            "-log-level=info", f"-cache-image={cache_image}", f"-run-image={run_image}",
            f"-insecure-registry={insecure_registry}", image]


class RegistryPath(Contender):
    """funcpacks as the Shipwright strategy runs it: the creator in the builder image as
    the CNB user, fresh volumes for every build (the source copied into /workspace/source
    as a clone would be, /layers, /platform with the env as files, the bindings read-only
    at /platform/bindings, HOME with a docker config naming the registry), network host,
    CNB_PLATFORM_API from the builder image. Between builds the cache image and the
    previous image in the registry are all that is kept."""
    name = "registry"

    def __init__(self, sample: Sample, work: Path, feed: str = "", address: str = "") -> None:
        super().__init__(sample, work, feed)
        data = versions.load()
        self.address = address
        self.builder = data["images"][sample.builder_key]
        self.run_image = f"{address}/{data['images'][sample.run_key]}"
        self.uid, self.gid = data["stack"]["build-user-id"], data["stack"]["group-id"]
        self.repo = f"bench/{sample.name}-registry"
        self.cache_repo = f"{self.repo}-cache"
        self.cold_builds = 0
        self.version = ""  # the tag of the app and cache image: a new one for each cold build
        self.seconds = 0.0
        self.phases: dict[str, float] = {}

    def ref(self, repo: str) -> str:
        return f"{self.address}/{repo}:{self.version}"

    def _volumes(self, build: Path) -> list[str]:
        """The directories of one build's volumes, made as the prepare step leaves them."""
        shutil.copytree(self.src, build / "workspace" / "source")
        for name in ("layers", "platform/env", "home/.docker"):
            (build / name).mkdir(parents=True)
        env, bindings = platform_inputs(self.sample, self.work, self.feed)
        for key, value in env.items():
            (build / "platform" / "env" / key).write_text(value)
        funcbuild.bindings_root(True, bindings, build / "bindings")
        (build / "bindings").mkdir(exist_ok=True)
        # the registry takes anonymous pushes: an entry without credentials
        (build / "home" / ".docker" / "config.json").write_text(json.dumps({"auths": {self.address: {}}}))
        for name in ("workspace", "layers", "platform", "home"):  # not group- or world-writable
            chown_tree(build / name, self.uid, self.gid)
        volumes = [f"{build / 'workspace'}:/workspace", f"{build / 'layers'}:/layers",
                   f"{build / 'platform'}:/platform", f"{build / 'bindings'}:{funcbuild.CONTAINER_BINDINGS}:ro",
                   f"{build / 'home'}:/tekton/home"]
        return volumes + ([mirrors.VOLUME] if self.sample.lang == "dotnet" else [])

    def _create(self) -> None:
        build = self.work / "build"
        try:
            volumes = self._volumes(build)
            args = creator_args("/workspace/source", self.ref(self.repo), self.ref(self.cache_repo), self.run_image,
                                self.address, self.uid, self.gid)
            started = time.time()
            ran = docker_engine.run(self.builder, args, entrypoint=CREATOR, user=f"{self.uid}:{self.gid}",
                                    volumes=volumes, environment=["HOME=/tekton/home"], timestamps=True)
            finished = time.time()
        finally:
            shutil.rmtree(build, ignore_errors=True)
        if ran.returncode != 0:
            raise RuntimeError(f"creator exited {ran.returncode}:\n{ran.output[-3000:]}")
        self.seconds = finished - started
        self.phases = creator_phases(ran.stamped, started, finished)

    def cold_build(self) -> None:
        self.cold_builds += 1
        self.version = f"g{self.cold_builds}"  # new tags: no previous image, no cache image
        self._create()

    def rebuild(self) -> None:
        self._create()

    def remove(self) -> None:
        """Nothing in the daemon: the registry's storage goes with the registry."""


def skopeo_copy(source: str, destination: str) -> None:
    run(["skopeo", "copy", "--dest-tls-verify=false", source, destination])


def registry_size_mb(address: str, repo: str, tag: str) -> float:
    """Compressed size of an image in the registry: the manifest's layer sizes plus the config."""
    resp = requests.get(f"http://{address}/v2/{repo}/manifests/{tag}", timeout=30, headers={"Accept": ", ".join([
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])})
    resp.raise_for_status()
    manifest = resp.json()
    return (sum(layer["size"] for layer in manifest["layers"]) + manifest["config"]["size"]) / 1e6


def pushed_size_mb(tag: str, address: str) -> float:
    """Compressed size as pushed: the manifest's layer sizes plus the config."""
    repo = tag.replace("funcpacks-bench/", "bench/")
    skopeo_copy(f"docker-daemon:{tag}:latest", f"docker://{address}/{repo}:latest")
    return registry_size_mb(address, repo, "latest")


def push_run_images(samples: list[Sample], address: str) -> None:
    """The registry path's run images into the registry (a registry export reads its run
    image there), under their own names."""
    images = versions.load()["images"]
    for key in sorted({s.run_key for s in samples if s.registry}):
        skopeo_copy(f"docker-daemon:{images[key]}", f"docker://{address}/{images[key]}")


def builder_images_mb() -> dict[str, float]:
    """The builder images' uncompressed sizes (`docker image inspect`), by name; those
    not built here are left out."""
    images = versions.load()["images"]
    refs = [images[f.image_key] for f in flavors.FLAVORS]
    return {ref: round(image_size_mb(ref), 1) for ref in refs if docker_engine.image_exists(ref)}


def image_size_mb(tag: str) -> float:
    return docker_engine.inspect_image(tag)["Size"] / 1e6


def serve_metrics(tag: str, path: str, sequential: int, wrk_seconds: float) -> dict[str, float]:
    port = funcbuild.free_port()
    start = time.monotonic()
    with funcbuild.running(tag, port=port) as (name, _):
        deadline = start + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{tag} did not answer within 60 s:\n{funcbuild.container_logs(name)[-2000:]}")
            time.sleep(0.001)
        cold_start_ms = (time.monotonic() - start) * 1000
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies = []
        for i in range(200 + sequential):  # the first 200 are the warm-up
            t0 = time.perf_counter()
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            if i >= 200:
                latencies.append((time.perf_counter() - t0) * 1000)
            if resp.getheader("Connection", "").lower() == "close":
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.sort()
        wrk = run(["wrk", "-t2", "-c16", f"-d{wrk_seconds:g}s", f"http://127.0.0.1:{port}{path}"]).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
        return {"cold_start_ms": cold_start_ms,
                "latency_p50_ms": latencies[len(latencies) // 2],
                "latency_p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                "throughput_rps_c16": rps}


def measure(c: Contender, rep: int, address: str, sequential: int, wrk_seconds: float) -> dict[str, float]:
    label = f"{c.sample.name} rep {rep + 1} {c.name}"
    c.remove()
    say(f"{label}: cold build")
    out = {"cold_build_s": timed(c.cold_build)}
    edit_source(c.src, c.sample, rep)
    say(f"{label}: warm rebuild after a one-line change")
    out["warm_build_s"] = timed(c.rebuild)
    if isinstance(c, Funcpacks):
        c.warm_phases.append(c.phases)
    say(f"{label}: no-change rebuild")
    out["nochange_build_s"] = timed(c.rebuild)
    say(f"{label}: sizes")
    out["image_size_mb"] = image_size_mb(c.tag)
    out["pushed_size_mb"] = pushed_size_mb(c.tag, address)
    say(f"{label}: cold start, {sequential} sequential requests, wrk -c16 {wrk_seconds:g}s")
    out.update(serve_metrics(c.tag, c.sample.path, sequential, wrk_seconds))
    return out


def measure_registry(c: RegistryPath, rep: int) -> dict[str, float]:
    label = f"{c.sample.name} rep {rep + 1} registry path"
    say(f"{label}: cold build (new cache image, no previous image)")
    c.cold_build()
    out = {"registry_cold_build_s": c.seconds}
    edit_source(c.src, c.sample, rep)
    say(f"{label}: warm rebuild after a one-line change")
    c.rebuild()
    out["registry_warm_build_s"] = c.seconds
    c.warm_phases.append(c.phases)
    say(f"{label}: no-change rebuild")
    c.rebuild()
    out["registry_nochange_build_s"] = c.seconds
    out["registry_cache_image_mb"] = registry_size_mb(c.address, c.cache_repo, c.version)
    return out


def summarize(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def phases_summary(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Median/min/max of each phase over the runs that report it, in the lifecycle's order."""
    names = [p for p in PHASES if any(p in r for r in runs)] + sorted({p for r in runs for p in r} - set(PHASES))
    return {phase: summarize([r[phase] for r in runs if phase in r]) for phase in names}


def summary(raw: dict) -> dict:
    """Per sample and metric: each contender's median/min/max and the A/B ratio computed
    pair by pair (repetition i of funcpacks over repetition i of the Dockerfile); the
    registry path's metrics (funcpacks only) under "registry"."""
    out = {}
    for sample, by_contender in raw.items():
        out[sample] = {}
        if "funcpacks" in by_contender:
            a, b = by_contender["funcpacks"], by_contender["dockerfile"]
            out[sample]["funcpacks_warm_phases"] = phases_summary(by_contender["funcpacks_warm_phases"])
            for metric in METRICS:
                ratios = [x / y for x, y in zip(a[metric], b[metric]) if y]
                out[sample][metric] = {"funcpacks": summarize(a[metric]), "dockerfile": summarize(b[metric]),
                                       "ratio": summarize(ratios) if ratios else None}
        if "registry" in by_contender:
            out[sample]["registry"] = {m: summarize(v) for m, v in by_contender["registry"].items() if v}
            out[sample]["registry_warm_phases"] = phases_summary(by_contender["registry_warm_phases"])
    return out


def machine() -> dict:
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), "0")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "memory_gib": round(int(mem) / 2**20, 1), "cpu": cpu,
            "kernel": platform.release(), "docker": docker_engine.server_version(), "python": platform.python_version()}


def _ratio_samples(result: dict) -> list[str]:
    """The samples with both contenders' numbers (none with --registry-only)."""
    return [sample for sample, metrics in result["summary"].items() if "cold_build_s" in metrics]


def _spread(s: dict[str, float], unit: str = "") -> str:
    """'median unit [min-max]', the brackets only when the repetitions differ."""
    text = f"{s['median']:.1f}{f' {unit}' if unit else ''}"
    return text + (f" [{s['min']:.1f}-{s['max']:.1f}]" if s["min"] != s["max"] else "")


def registry_table(result: dict) -> list[str]:
    """The registry path's rows (funcpacks only), or nothing when it did not run."""
    rows = [(sample, m["registry"], m["registry_warm_phases"]) for sample, m in result["summary"].items()
            if m.get("registry")]
    if not rows:
        return []
    lines = ["", "The registry path, funcpacks only: the lifecycle's `creator` in the builder image with the "
             "Shipwright strategy's flags and fresh volumes per build, the cache image (`-cache-image`) and the "
             "previous image in a local registry, the app image published there. Medians [min-max]; the cache "
             "image compressed, as stored; the warm rebuild's phases in median seconds (setup: the creator "
             "container's start; exporting: until the container is gone, the cache image's push included):", "",
             "| sample | warm | no-change | cold | cache image MB | phase breakdown |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for sample, s, ph in rows:
        phases = ", ".join(f"{p} {v['median']:.2f}" for p, v in ph.items()) or "-"
        lines.append(f"| {sample} | {_spread(s['registry_warm_build_s'], 's')} | "
                     f"{_spread(s['registry_nochange_build_s'], 's')} | {_spread(s['registry_cold_build_s'], 's')} | "
                     f"{_spread(s['registry_cache_image_mb'])} | {phases} |")
    return lines


def table(result: dict) -> str:
    builders = ", ".join(f"{ref} {mb:.1f} MB" for ref, mb in result.get("builder_images_mb", {}).items())
    lines = [f"Run of {result['date']} on {result['machine']['cpus']} cores ({result['machine']['cpu']}), "
             f"{result['config']['reps']} repetition(s); medians, ratio = funcpacks / Dockerfile computed "
             "pair by pair (min-max in brackets)." + (f" Builder images (uncompressed): {builders}." if builders else "")]
    samples = _ratio_samples(result)
    if samples:
        lines += ["", "| sample | metric | funcpacks | Dockerfile | ratio |", "| --- | --- | ---: | ---: | ---: |"]
    for sample in samples:
        for metric in METRICS:
            s = result["summary"][sample][metric]
            unit = METRICS[metric][0]
            ratio = s["ratio"]
            r = f"{ratio['median']:.2f} [{ratio['min']:.2f}-{ratio['max']:.2f}]" if ratio else "-"
            lines.append(f"| {sample} | {metric} | {s['funcpacks']['median']:.1f} {unit} | "
                         f"{s['dockerfile']['median']:.1f} {unit} | {r} |")
    if samples:
        lines += ["", "Where a funcpacks warm rebuild spends its time (median seconds per lifecycle phase, "
                  "from `pack build --timestamps`):", "", "| sample | " + " | ".join(PHASES) + " |",
                  "| --- |" + " ---: |" * len(PHASES)]
    for sample in samples:
        ph = result["summary"][sample]["funcpacks_warm_phases"]
        lines.append(f"| {sample} | " + " | ".join(f"{ph[p]['median']:.2f}" if p in ph else "-" for p in PHASES) + " |")
    return "\n".join(lines + registry_table(result))


def chart(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(METRICS)
    samples = _ratio_samples(result)
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / max(1, len(samples))
    for i, sample in enumerate(samples):
        med, lo, hi = [], [], []
        for m in metrics:
            r = result["summary"][sample][m]["ratio"] or {"median": 0, "min": 0, "max": 0}
            med.append(r["median"])
            lo.append(r["median"] - r["min"])
            hi.append(r["max"] - r["median"])
        xs = [x + i * width for x in range(len(metrics))]
        ax.bar(xs, med, width, yerr=[lo, hi], capsize=3, label=sample)
    ax.set_yscale("log")  # ratios of 0.9 and of 45 both stay readable
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([x + width * (len(samples) - 1) / 2 for x in range(len(metrics))])
    ax.set_xticklabels(metrics, rotation=30, ha="right")
    ax.set_ylabel("funcpacks / Dockerfile (median, min-max, log scale)")
    ax.set_title(f"funcpacks vs hand-written Dockerfile ({result['date'][:10]}); throughput: higher is better")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_docs(text: str, docs: Path = DOCS) -> None:
    if not docs.exists():
        return
    doc = docs.read_text()
    if TABLE_BEGIN in doc and TABLE_END in doc:
        head, rest = doc.split(TABLE_BEGIN, 1)
        _, tail = rest.split(TABLE_END, 1)
        docs.write_text(f"{head}{TABLE_BEGIN}\n{text}\n{TABLE_END}{tail}")


def default_samples(quick: bool, registry_only: bool) -> list[str]:
    """The samples a run measures when --samples names none."""
    names = [s.name for s in SAMPLES if s.registry or not registry_only]
    return names[:1] if quick and registry_only else [QUICK_SAMPLE] if quick else names


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"one repetition of {QUICK_SAMPLE} only (or of the --samples given)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--samples", default="", help="comma-separated sample names (default: all)")
    parser.add_argument("--registry-only", action="store_true",
                        help="only the registry path (no pack build, no Dockerfile; default samples: "
                             f"{', '.join(s.name for s in SAMPLES if s.registry)}, with --quick the first)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--wrk-seconds", type=float, default=10)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    opts = parser.parse_args(argv)
    reps = 1 if opts.quick else opts.reps
    wanted = opts.samples.split(",") if opts.samples else default_samples(opts.quick, opts.registry_only)
    samples = [s for s in SAMPLES if s.name in wanted]
    if len(samples) != len(wanted):
        print(f"bench: unknown sample in {wanted}; known: {', '.join(s.name for s in SAMPLES)}", file=sys.stderr)
        return 2
    if opts.registry_only and not all(s.registry for s in samples):
        print(f"bench: --registry-only: the registry path measures {', '.join(default_samples(False, True))}",
              file=sys.stderr)
        return 2
    if not opts.registry_only and shutil.which("wrk") is None:
        print("bench: wrk is not installed: run 'make tools'", file=sys.stderr)
        return 1
    if any(s.lang == "dotnet" for s in samples) and mirrors.missing():
        print(f"bench: {mirrors.missing()}", file=sys.stderr)
        return 1
    opts.out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)
    builders = builder_images_mb()  # the builders this run uses (a rebuild may replace them later)
    raw: dict[str, dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, file_server(mirrors.DEPS / "dotnet") as (feed_port, _):
        feed = f"http://127.0.0.1:{feed_port}"
        reg_dir = Path(tmp) / "registry"
        address = registry.start(reg_dir, f"127.0.0.1:{funcbuild.free_port()}")
        try:
            push_run_images(samples, address)
            for sample in samples:
                work = Path(tmp) / sample.name
                contenders = [] if opts.registry_only else [cls(sample, work, feed) for cls in CONTENDERS]
                path = RegistryPath(sample, work, feed, address) if sample.registry else None
                raw[sample.name] = {c.name: {m: [] for m in METRICS} for c in contenders}
                if path is not None:
                    raw[sample.name][path.name] = {m: [] for m in REGISTRY_METRICS}
                for rep in range(reps):
                    # alternate who goes first, so drift does not always favour one side
                    for c in (contenders if rep % 2 == 0 else list(reversed(contenders))):
                        for metric, value in measure(c, rep, address, opts.requests, opts.wrk_seconds).items():
                            raw[sample.name][c.name][metric].append(value)
                    if path is not None:
                        for metric, value in measure_registry(path, rep).items():
                            raw[sample.name][path.name][metric].append(value)
                if contenders:
                    raw[sample.name]["funcpacks_warm_phases"] = contenders[0].warm_phases  # type: ignore[assignment]
                if path is not None:
                    raw[sample.name]["registry_warm_phases"] = path.warm_phases  # type: ignore[assignment]
                for c in contenders:
                    c.remove()
        finally:
            registry.stop(reg_dir)
    result = {
        "schema": SCHEMA,
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 1),
        "machine": machine(),
        "versions": versions.load(),
        "config": {"reps": reps, "quick": opts.quick, "samples": [s.name for s in samples],
                   "registry_only": opts.registry_only, "requests": opts.requests, "wrk_seconds": opts.wrk_seconds,
                   "wrk_connections": 16},
        "metrics": {m: {"unit": u, "lower_is_better": low} for m, (u, low) in {**METRICS, **REGISTRY_METRICS}.items()},
        "builder_images_mb": builders,
        "raw": raw,
        "summary": summary(raw),
    }
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, indent=2)
    (opts.out / f"{stamp}.json").write_text(text)
    (opts.out / "latest.json").write_text(text)
    if _ratio_samples(result):
        chart(result, opts.out / "latest.png")
    else:  # no ratios to draw: no chart, and none left over from an earlier run
        (opts.out / "latest.png").unlink(missing_ok=True)
    md = table(result)
    print(md)
    if not opts.no_docs:
        update_docs(md)
    say(f"done in {result['duration_s']:.0f} s: {opts.out / 'latest.json'}"
        + (f", {opts.out / 'latest.png'}" if _ratio_samples(result) else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
