"""What is measured of each contender: build times, sizes, cold start, latency and throughput."""
from __future__ import annotations

import http.client
import os
import platform
import re
import time
from pathlib import Path

import requests

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.images import arches, flavors
from funcpacks_dev.bench.contenders import Contender, Funcpacks, OnArch, RegistryPath, run, say, skopeo_copy, timed
from funcpacks_dev.bench.samples import edit_source


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


# funcpacks builds per architecture: this machine's and the emulated ones, the same steps
# (reported side by side, no goal).
ARCH_METRICS = {
    "arch_cold_build_s": ("s", True),
    "arch_warm_build_s": ("s", True),
    "arch_nochange_build_s": ("s", True),
    "arch_image_size_mb": ("MB", True),
    "arch_cold_start_ms": ("ms", True),
}


def builder_images_mb() -> dict[str, float]:
    """The builder images' uncompressed sizes (`docker image inspect`), by name; those
    not built here are left out."""
    images = versions.load()["images"]
    refs = [images[f.image_key] for f in flavors.FLAVORS]
    return {ref: round(image_size_mb(ref), 1) for ref in refs if docker_engine.image_exists(ref)}


def image_size_mb(tag: str) -> float:
    return docker_engine.inspect_image(tag)["Size"] / 1e6


def wait_first_answer(tag: str, name: str, port: int, path: str, start: float, limit: float) -> float:
    """Milliseconds from start until the container answers path with 200 (polled every
    millisecond), at most limit seconds."""
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return (time.monotonic() - start) * 1000
        except OSError:
            pass
        if time.monotonic() > start + limit:
            raise RuntimeError(f"{tag} did not answer within {limit:.0f} s:\n{funcbuild.container_logs(name)[-2000:]}")
        time.sleep(0.001)


def serve_metrics(tag: str, path: str, sequential: int, wrk_seconds: float) -> dict[str, float]:
    port = funcbuild.free_port()
    start = time.monotonic()
    with funcbuild.running(tag, port=port) as (name, _):
        cold_start_ms = wait_first_answer(tag, name, port, path, start, 60)
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


def three_builds(c: Contender, rep: int, label: str, prefix: str = "") -> dict[str, float]:
    """Cold build, warm rebuild after the one-line change, no-change rebuild (seconds),
    as <prefix>cold_build_s etc.; funcpacks' warm phases recorded."""
    c.remove()
    say(f"{label}: cold build")
    out = {f"{prefix}cold_build_s": timed(c.cold_build)}
    edit_source(c.src, c.sample, rep)
    say(f"{label}: warm rebuild after a one-line change")
    out[f"{prefix}warm_build_s"] = timed(c.rebuild)
    if isinstance(c, Funcpacks):
        c.warm_phases.append(c.phases)
    say(f"{label}: no-change rebuild")
    out[f"{prefix}nochange_build_s"] = timed(c.rebuild)
    return out


def measure(c: Contender, rep: int, address: str, sequential: int, wrk_seconds: float) -> dict[str, float]:
    label = f"{c.sample.name} rep {rep + 1} {c.name}"
    out = three_builds(c, rep, label)
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


def measure_arch(c: OnArch, rep: int) -> dict[str, float]:
    """Builds and the cold start of one architecture's image; no latency or throughput:
    an emulated server's say nothing of the real machine's."""
    label = f"{c.sample.name} rep {rep + 1} {c.arch}" + (" (emulated)" if c.emulated else "")
    out = three_builds(c, rep, label, prefix="arch_")
    out["arch_image_size_mb"] = image_size_mb(c.tag)
    say(f"{label}: cold start")
    port = funcbuild.free_port()
    start = time.monotonic()
    with funcbuild.running(c.tag, port=port) as (name, _):
        out["arch_cold_start_ms"] = wait_first_answer(c.tag, name, port, c.sample.path, start, 300)
    return out


def machine() -> dict:
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), "0")
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "memory_gib": round(int(mem) / 2**20, 1), "cpu": cpu,
            "arch": arches.host(), "kernel": platform.release(), "docker": docker_engine.server_version(),
            "python": platform.python_version()}
