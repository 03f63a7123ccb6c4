"""The results: their summary, the table of docs/benchmarks.md and the chart."""
from __future__ import annotations

import statistics
from pathlib import Path

from funcpacks_dev.bench.contenders import PHASES
from funcpacks_dev.images.arches import ARCHES
from funcpacks_dev.bench.measure import METRICS
from funcpacks_dev.bench.samples import ROOT


RESULTS_DIR = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
# 2: the registry path (raw/summary[sample]["registry"], "registry_warm_phases"), the
# builder images' sizes; with --registry-only a sample has no contender entries.
# 3: the builds per architecture (raw/summary[sample][<arch>], "<arch>_warm_phases");
# with --arches-only a sample has only those.
SCHEMA = 3
TABLE_BEGIN, TABLE_END = "<!-- bench:table -->", "<!-- /bench:table -->"
# The per-architecture table has markers of its own: --arches-only rewrites it alone.
ARCHES_BEGIN, ARCHES_END = "<!-- bench:arches -->", "<!-- /bench:arches -->"


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
        for arch in (a for a in ARCHES if a in by_contender):
            out[sample][arch] = {m: summarize(v) for m, v in by_contender[arch].items() if v}
            out[sample][f"{arch}_warm_phases"] = phases_summary(by_contender[f"{arch}_warm_phases"])
    return out


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


def _run_of(result: dict) -> str:
    """The opening words of a table's caption: when and on what."""
    return f"Run of {result['date']} on {result['machine']['cpus']} cores ({result['machine']['cpu']})"


def arch_table(result: dict) -> str:
    """The builds per architecture (this machine's natively, the others emulated), one row
    per sample and architecture; empty when none ran."""
    rows = [(sample, arch, m[arch]) for sample, m in result["summary"].items() for arch in ARCHES if m.get(arch)]
    if not rows:
        return ""
    host = result["machine"].get("arch", "")
    lines = [f"{_run_of(result)}, {result['config'].get('arch_reps', 1)} repetition(s): funcpacks only, the same "
             f"steps for every architecture, this machine's ({host}) natively, the others emulated by qemu-user. Reported, no "
             "goal: an emulated build is several times slower than the same build on that architecture's own "
             "machine. Medians [min-max]:", "",
             "| sample | arch | run | cold | warm | no-change | image MB | cold start |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for sample, arch, s in rows:
        how = "native" if arch == host else "emulated"
        lines.append(f"| {sample} | {arch} | {how} | {_spread(s['arch_cold_build_s'], 's')} | "
                     f"{_spread(s['arch_warm_build_s'], 's')} | {_spread(s['arch_nochange_build_s'], 's')} | "
                     f"{_spread(s['arch_image_size_mb'])} | {_spread(s['arch_cold_start_ms'], 'ms')} |")
    return "\n".join(lines)


def table(result: dict) -> str:
    builders = ", ".join(f"{ref} {mb:.1f} MB" for ref, mb in result.get("builder_images_mb", {}).items())
    lines = [f"{_run_of(result)}, {result['config']['reps']} repetition(s); medians, ratio = funcpacks / Dockerfile "
             "computed pair by pair (min-max in brackets)." + (f" Builder images (uncompressed): {builders}." if builders else "")]
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


def update_docs(text: str, docs: Path = DOCS, markers: tuple[str, str] = (TABLE_BEGIN, TABLE_END)) -> None:
    """Replace what stands between the markers of docs with text."""
    begin, end = markers
    if not docs.exists():
        return
    doc = docs.read_text()
    if begin in doc and end in doc:
        head, rest = doc.split(begin, 1)
        _, tail = rest.split(end, 1)
        docs.write_text(f"{head}{begin}\n{text}\n{end}{tail}")
