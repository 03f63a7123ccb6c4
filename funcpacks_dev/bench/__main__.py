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
import json
import shutil
import sys
import tempfile
from pathlib import Path

from funcpacks_dev import funcbuild, versions
from funcpacks_dev.images import registry
from funcpacks_dev.local_platform import mirrors
from funcpacks_dev.local_platform.http_servers import file_server
from funcpacks_dev.bench.contenders import CONTENDERS, RegistryPath, push_run_images, say
from funcpacks_dev.bench.measure import METRICS, REGISTRY_METRICS, builder_images_mb, machine, measure, measure_registry
from funcpacks_dev.bench.report import RESULTS_DIR, SCHEMA, _ratio_samples, chart, summary, table, update_docs
from funcpacks_dev.bench.samples import QUICK_SAMPLE, SAMPLES, default_samples


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
