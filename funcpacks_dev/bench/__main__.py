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

Per architecture, funcpacks only: the same cold, warm and no-change builds, image size
and cold start for this machine's architecture and for each other one it emulates
(arm64 on an amd64 machine, through qemu-user), for every sample whose builder exists
for that architecture (make builder), --arch-reps times (default 1, none with --quick or
--registry-only; --arches-only runs this part alone). Reported side by side, with no
goal: qemu-user runs every build step several times slower than the real machine would.

Writes bench/results/<timestamp>.json (+ latest.json), bench/results/latest.png, and the
table section of docs/benchmarks.md. Nothing here asserts a time.

    python3 -m funcpacks_dev.bench [--quick] [--reps N] [--samples a,b] [--registry-only]
                                   [--requests N] [--wrk-seconds S] [--arch-reps N] [--arches-only]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.images import arches, registry
from funcpacks_dev.local_platform import mirrors
from funcpacks_dev.local_platform.http_servers import file_server
from funcpacks_dev.bench.contenders import CONTENDERS, OnArch, RegistryPath, push_run_images, say
from funcpacks_dev.bench.measure import (ARCH_METRICS, METRICS, REGISTRY_METRICS, builder_images_mb, machine,
                                         measure, measure_arch, measure_registry)
from funcpacks_dev.bench.report import (ARCHES_BEGIN, ARCHES_END, RESULTS_DIR, SCHEMA, TABLE_BEGIN, TABLE_END,
                                        _ratio_samples, arch_table, chart, summary, table, update_docs)
from funcpacks_dev.bench.samples import QUICK_SAMPLE, SAMPLES, Sample, default_samples


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m funcpacks_dev.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"one repetition of {QUICK_SAMPLE} only (or of the --samples given)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--samples", default="", help="comma-separated sample names (default: all)")
    parser.add_argument("--registry-only", action="store_true",
                        help="only the registry path (no pack build, no Dockerfile; default samples: "
                             f"{', '.join(s.name for s in SAMPLES if s.registry)}, with --quick the first)")
    parser.add_argument("--arch-reps", type=int, default=None,
                        help="repetitions of the builds per architecture (default 1; 0 with --quick or "
                             "--registry-only)")
    parser.add_argument("--arches-only", action="store_true",
                        help="only the builds per architecture (no Dockerfile, no registry path)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--wrk-seconds", type=float, default=10)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--docs-section", default="",
                        help="write the table between the <!-- bench:NAME --> markers of docs/benchmarks.md instead "
                             "of the full run's (a run of some samples, kept beside the full one)")
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
    if opts.registry_only and opts.arches_only:
        print("bench: --registry-only and --arches-only exclude each other", file=sys.stderr)
        return 2
    if not opts.registry_only and not opts.arches_only and shutil.which("wrk") is None:
        print("bench: wrk is not installed: run 'make tools'", file=sys.stderr)
        return 1
    if any(s.lang == "dotnet" for s in samples) and mirrors.missing():
        print(f"bench: {mirrors.missing()}", file=sys.stderr)
        return 1
    arch_reps = opts.arch_reps if opts.arch_reps is not None else (
        0 if (opts.quick or opts.registry_only) and not opts.arches_only else 1)
    per_arch = arch_runs(samples) if arch_reps else []
    if opts.arches_only and not per_arch:
        print("bench: --arches-only: no architecture's builds to measure (see above)", file=sys.stderr)
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
                contenders = [] if opts.registry_only or opts.arches_only else [cls(sample, work, feed)
                                                                                for cls in CONTENDERS]
                path = RegistryPath(sample, work, feed, address) if sample.registry and not opts.arches_only else None
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
            for sample, arch in per_arch:
                c = OnArch(sample, Path(tmp) / sample.name, feed, arch)
                raw[sample.name][arch] = {m: [] for m in ARCH_METRICS}
                for rep in range(arch_reps):
                    for metric, value in measure_arch(c, rep).items():
                        raw[sample.name][arch][metric].append(value)
                raw[sample.name][f"{arch}_warm_phases"] = c.warm_phases  # type: ignore[assignment]
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
                   "arch_reps": arch_reps, "arches": sorted({arch for _, arch in per_arch}),
                   "registry_only": opts.registry_only, "arches_only": opts.arches_only,
                   "requests": opts.requests, "wrk_seconds": opts.wrk_seconds, "wrk_connections": 16},
        "metrics": {m: {"unit": u, "lower_is_better": low}
                    for m, (u, low) in {**METRICS, **REGISTRY_METRICS, **ARCH_METRICS}.items()},
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
    md, arch_md = ("" if opts.arches_only else table(result)), arch_table(result)
    print("\n\n".join(t for t in (md, arch_md) if t))
    if not opts.no_docs:
        if md:
            section = opts.docs_section
            update_docs(md, markers=(f"<!-- bench:{section} -->", f"<!-- /bench:{section} -->") if section
                        else (TABLE_BEGIN, TABLE_END))
        if arch_md:
            update_docs(arch_md, markers=(ARCHES_BEGIN, ARCHES_END))
    say(f"done in {result['duration_s']:.0f} s: {opts.out / 'latest.json'}"
        + (f", {opts.out / 'latest.png'}" if _ratio_samples(result) else ""))
    return 0


def arch_runs(samples: list[Sample]) -> list[tuple[Sample, str]]:
    """(sample, architecture) for this machine's architecture and every other one it
    emulates, for each sample whose builder exists for another architecture (a row of one
    architecture compares nothing); says why for the rest."""
    runs = []
    images = versions.load()["images"]
    emulated = []
    for arch in (a for a in arches.ARCHES if a != arches.host()):
        why = arches.emulator_missing(arch)
        if why is None:
            emulated.append(arch)
        else:
            say(f"no {arch} numbers: {why}")
    for sample in samples:
        made = []
        for arch in emulated:
            builder = arches.local(images[sample.builder_key], arch)
            if docker_engine.image_exists(builder):
                made.append(arch)
            else:
                say(f"{sample.name}: no {arch} numbers: {builder} is not made here (make builder says why)")
        if made:
            runs += [(sample, arch) for arch in [arches.host(), *made]]
    return runs


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
