"""`make bench`: funcpacks (pack + our builder) against a hand-written multi-stage
Dockerfile, side by side, for every sample that has a contender B.

For each sample and repetition the two contenders alternate (so machine drift hits
both), each measuring: cold build, warm rebuild after a one-line source change,
no-change rebuild, image size (uncompressed and as pushed to a local registry), cold
start (docker run -> first HTTP 200, polled every millisecond), latency p50/p99 over
sequential requests after a warm-up, and throughput at concurrency 16 with wrk.

Writes bench/results/<timestamp>.json (+ latest.json), bench/results/latest.png, and the
table section of docs/benchmarks.md. Nothing here asserts a time.

    python3 -m funcpacks_dev.bench [--quick] [--reps N] [--samples a,b] [--requests N] [--wrk-seconds S]
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
from funcpacks_dev.images import registry
from funcpacks_dev.testing import mirrors
from funcpacks_dev.testing.http_servers import file_server

ROOT = versions.ROOT
RESULTS_DIR = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
SCHEMA = 1
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
    # .NET: the NuGet packages (files of the mirrored folder feed) the app restores; the
    # SDK comes from the mirrored .NET feed, served on 127.0.0.1 for both contenders.
    nuget_packages: tuple[str, ...] = ()
    # bench/dockerfiles/<contender>: the hand-written Dockerfile (default: the language's)
    contender: str = ""


SAMPLES = [
    Sample("hello-world-python", "python", {"GOOGLE_FUNCTION_TARGET": "hello_world"}, "hello_world", "main.py"),
    Sample("python-no-requirements", "python", {"FUNC_NAME": "hello"}, "hello", "main.py"),
    Sample("python-uv", "python", {"GOOGLE_FUNCTION_TARGET": "hello"}, "hello", "main.py", contender="python-uv"),
    Sample("python-poetry", "python", {"GOOGLE_FUNCTION_TARGET": "hello"}, "hello", "main.py",
           contender="python-poetry"),
    Sample("hello-world-go", "go", {"FUNC_NAME": "HelloWorld"}, "HelloWorld", "hello.go", "/bench",
           "builder-go", "run-static"),
    Sample("hello-world-dotnet", "dotnet", {"GOOGLE_FUNCTION_TARGET": "helloworld"}, "HelloWorld", "Startup.cs",
           nuget_packages=("microsoft.netcore.app.ref.3.1.0.nupkg", "microsoft.aspnetcore.app.ref.3.1.10.nupkg")),
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


def lifecycle_phases(output: str, started: float) -> dict[str, float]:
    """Seconds per lifecycle phase, from `pack build --timestamps` output: the time from
    each '===> PHASE' line to the next marker; 'setup' is pack's time before the first."""
    marks = []
    for line in output.splitlines():
        m = _STAMPED.match(line)
        if m and (m.group(2).startswith("===> ") or m.group(2).startswith("Successfully built")):
            stamp = dt.datetime.strptime(m.group(1), "%Y/%m/%d %H:%M:%S.%f").timestamp()
            marks.append((m.group(2).removeprefix("===> ").split()[0].lower(), stamp))
    phases = {}
    if marks:
        phases["setup"] = round(marks[0][1] - started, 3)
    for (name, t0), (_, t1) in zip(marks, marks[1:]):
        phases[name] = round(t1 - t0, 3)
    return phases


class Funcpacks(Contender):
    name = "funcpacks"
    phases: dict[str, float] = {}

    def _build(self, extra: list[str]) -> None:
        started = time.time()
        env, bindings = dict(self.sample.pack_env), []
        if self.sample.lang == "dotnet":
            env["FUNC_DOTNET_FEED"] = self.feed
            extra = [*mirrors.PACK_MOUNT, *extra]
            bindings.append(mirrors.nuget_binding(self.work / "bindings" / "nuget"))
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
        self.args = {"BUILD_IMAGE": data["images"]["build"], "RUN_IMAGE": data["images"][sample.run_key]}
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


def pushed_size_mb(tag: str, address: str) -> float:
    """Compressed size as pushed: the manifest's layer sizes plus the config."""
    repo = tag.replace("funcpacks-bench/", "bench/")
    run(["skopeo", "copy", "--dest-tls-verify=false", f"docker-daemon:{tag}:latest", f"docker://{address}/{repo}:latest"])
    resp = requests.get(f"http://{address}/v2/{repo}/manifests/latest", timeout=30, headers={"Accept": ", ".join([
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])})
    resp.raise_for_status()
    manifest = resp.json()
    return (sum(layer["size"] for layer in manifest["layers"]) + manifest["config"]["size"]) / 1e6


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


def summarize(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def summary(raw: dict) -> dict:
    """Per sample and metric: each contender's median/min/max and the A/B ratio computed
    pair by pair (repetition i of funcpacks over repetition i of the Dockerfile)."""
    out = {}
    for sample, by_contender in raw.items():
        a, b = by_contender["funcpacks"], by_contender["dockerfile"]
        out[sample] = {"funcpacks_warm_phases": {
            phase: summarize([p[phase] for p in by_contender["funcpacks_warm_phases"] if phase in p])
            for phase in by_contender["funcpacks_warm_phases"][0]} if by_contender["funcpacks_warm_phases"] else {}}
        for metric in METRICS:
            ratios = [x / y for x, y in zip(a[metric], b[metric]) if y]
            out[sample][metric] = {"funcpacks": summarize(a[metric]), "dockerfile": summarize(b[metric]),
                                   "ratio": summarize(ratios) if ratios else None}
    return out


def machine() -> dict:
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), "0")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "memory_gib": round(int(mem) / 2**20, 1), "cpu": cpu,
            "kernel": platform.release(), "docker": docker_engine.server_version(), "python": platform.python_version()}


def table(result: dict) -> str:
    lines = [f"Run of {result['date']} on {result['machine']['cpus']} cores ({result['machine']['cpu']}), "
             f"{result['config']['reps']} repetition(s); medians, ratio = funcpacks / Dockerfile computed "
             "pair by pair (min-max in brackets).", "",
             "| sample | metric | funcpacks | Dockerfile | ratio |", "| --- | --- | ---: | ---: | ---: |"]
    for sample, metrics in result["summary"].items():
        for metric in METRICS:
            s = metrics[metric]
            unit = METRICS[metric][0]
            ratio = s["ratio"]
            r = f"{ratio['median']:.2f} [{ratio['min']:.2f}-{ratio['max']:.2f}]" if ratio else "-"
            lines.append(f"| {sample} | {metric} | {s['funcpacks']['median']:.1f} {unit} | "
                         f"{s['dockerfile']['median']:.1f} {unit} | {r} |")
    lines += ["", "Where a funcpacks warm rebuild spends its time (median seconds per lifecycle phase, "
              "from `pack build --timestamps`):", "", "| sample | " + " | ".join(PHASES) + " |",
              "| --- |" + " ---: |" * len(PHASES)]
    for sample, metrics in result["summary"].items():
        ph = metrics["funcpacks_warm_phases"]
        lines.append(f"| {sample} | " + " | ".join(f"{ph[p]['median']:.2f}" if p in ph else "-" for p in PHASES) + " |")
    return "\n".join(lines)


def chart(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(METRICS)
    samples = list(result["summary"])
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"one repetition of {QUICK_SAMPLE} only")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--samples", default="", help="comma-separated sample names (default: all)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--wrk-seconds", type=float, default=10)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    opts = parser.parse_args(argv)
    reps = 1 if opts.quick else opts.reps
    wanted = opts.samples.split(",") if opts.samples else ([QUICK_SAMPLE] if opts.quick else [s.name for s in SAMPLES])
    samples = [s for s in SAMPLES if s.name in wanted]
    if len(samples) != len(wanted):
        print(f"bench: unknown sample in {wanted}; known: {', '.join(s.name for s in SAMPLES)}", file=sys.stderr)
        return 2
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed: run 'make tools'", file=sys.stderr)
        return 1
    if any(s.lang == "dotnet" for s in samples) and mirrors.missing():
        print(f"bench: {mirrors.missing()}", file=sys.stderr)
        return 1
    opts.out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)
    raw: dict[str, dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, file_server(mirrors.DEPS / "dotnet") as (feed_port, _):
        feed = f"http://127.0.0.1:{feed_port}"
        reg_dir = Path(tmp) / "registry"
        address = registry.start(reg_dir, f"127.0.0.1:{funcbuild.free_port()}")
        try:
            for sample in samples:
                contenders = [cls(sample, Path(tmp) / sample.name, feed) for cls in CONTENDERS]
                raw[sample.name] = {c.name: {m: [] for m in METRICS} for c in contenders}
                for rep in range(reps):
                    # alternate who goes first, so drift does not always favour one side
                    for c in (contenders if rep % 2 == 0 else list(reversed(contenders))):
                        for metric, value in measure(c, rep, address, opts.requests, opts.wrk_seconds).items():
                            raw[sample.name][c.name][metric].append(value)
                raw[sample.name]["funcpacks_warm_phases"] = contenders[0].warm_phases  # type: ignore[assignment]
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
                   "requests": opts.requests, "wrk_seconds": opts.wrk_seconds, "wrk_connections": 16},
        "metrics": {m: {"unit": u, "lower_is_better": low} for m, (u, low) in METRICS.items()},
        "raw": raw,
        "summary": summary(raw),
    }
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, indent=2)
    (opts.out / f"{stamp}.json").write_text(text)
    (opts.out / "latest.json").write_text(text)
    chart(result, opts.out / "latest.png")
    md = table(result)
    print(md)
    if not opts.no_docs:
        update_docs(md)
    say(f"done in {result['duration_s']:.0f} s: {opts.out / 'latest.json'}, {opts.out / 'latest.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
