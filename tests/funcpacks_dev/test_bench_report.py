"""The benchmark's pure parts: pair-by-pair ratios, phase timings, the docs table, the
registry path's creator arguments and volumes."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from funcpacks_dev import versions
from funcpacks_dev.bench import contenders, measure, report, samples
from funcpacks_dev.images import arches
from funcpacks_dev.local_platform import mirrors, strategy_runner


def test_ratios_are_computed_pair_by_pair():
    raw = {"s": {"funcpacks": {m: [1.0, 4.0] for m in measure.METRICS},
                 "dockerfile": {m: [2.0, 2.0] for m in measure.METRICS},
                 "funcpacks_warm_phases": [{"building": 1.0}, {"building": 3.0}]}}
    summary = report.summary(raw)["s"]
    assert summary["cold_build_s"]["ratio"] == {"median": 1.25, "min": 0.5, "max": 2.0}
    assert summary["cold_build_s"]["funcpacks"] == {"median": 2.5, "min": 1.0, "max": 4.0}
    assert summary["funcpacks_warm_phases"]["building"]["median"] == 2.0


def test_lifecycle_phases_from_pack_timestamps():
    start = dt.datetime(2026, 1, 2, 3, 4, 5).timestamp()
    out = "\n".join([
        "2026/01/02 03:04:05.500000 ===> ANALYZING",
        "2026/01/02 03:04:05.600000 some line",
        "2026/01/02 03:04:06.000000 ===> DETECTING",
        "2026/01/02 03:04:07.250000 ===> BUILDING",
        "2026/01/02 03:04:08.000000 Successfully built image 'x'",
    ])
    assert contenders.lifecycle_phases(out, start) == {"setup": 0.5, "analyzing": 0.5, "detecting": 1.25, "building": 0.75}


def test_docs_table_section_is_replaced(tmp_path):
    docs = tmp_path / "b.md"
    docs.write_text(f"intro\n{report.TABLE_BEGIN}\nold\n{report.TABLE_END}\noutro\n")
    report.update_docs("new table", docs)
    assert docs.read_text() == f"intro\n{report.TABLE_BEGIN}\nnew table\n{report.TABLE_END}\noutro\n"


def test_creator_phases_from_docker_timestamps():
    """The daemon's UTC nanosecond stamps, the lifecycle's coloured headers; exporting
    lasts until the container exited."""
    start = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc).timestamp()
    stamped = "\n".join([
        "2026-01-02T03:04:05.250000000Z \x1b[36m===> ANALYZING\x1b[0m",
        "2026-01-02T03:04:05.500000000Z Restoring data for SBOM from previous image",
        "2026-01-02T03:04:05.750000000Z \x1b[36m===> DETECTING\x1b[0m",
        "2026-01-02T03:04:06Z \x1b[36m===> RESTORING\x1b[0m",
        "2026-01-02T03:04:07.5Z \x1b[36m===> BUILDING\x1b[0m",
        "2026-01-02T03:04:08.000000001Z   ===> not a header (indented buildpack output)",
        "2026-01-02T03:04:09.000000000Z \x1b[36m===> EXPORTING\x1b[0m",
        "2026-01-02T03:04:10.000000000Z Adding cache layer 'funcpacks/go:go'",
    ])
    phases = contenders.creator_phases(stamped, start, start + 6.0)
    assert phases == {"setup": 0.25, "analyzing": 0.5, "detecting": 0.25, "restoring": 1.5, "building": 1.5,
                      "exporting": 2.0}
    assert list(phases) == contenders.PHASES  # the lifecycle's order, as the table shows them
    assert contenders.creator_phases("2026-01-02T03:04:05Z no headers\n", start, start + 1) == {}


def strategy_creator_flags(strategy: Path) -> set[str]:
    """The creator flags the create step's script passes (either cache flag)."""
    spec = yaml.safe_load(strategy.read_text())["spec"]
    step = next(s for s in spec.get("steps") or spec["buildSteps"] if s["name"] == "create")  # v1beta1, v1alpha1
    return set(re.findall(r'"?(-[a-z-]+)=', step["args"][-1]))


@pytest.mark.parametrize("strategy", sorted(strategy_runner.STRATEGY_DIR.glob("funcpacks-*.yaml")),
                         ids=lambda p: p.stem)
def test_creator_gets_the_strategy_flags_with_a_cache_image(strategy):
    args = contenders.creator_args("/workspace/source", "r:5000/bench/x:g1", "r:5000/bench/x-cache:g1",
                              "r:5000/funcpacks/run:trixie", "r:5000", 1001, 1000)
    flags = {a.split("=", 1)[0] for a in args[:-1]}
    assert flags == strategy_creator_flags(strategy) - {"-cache-dir"}
    assert args[-1] == "r:5000/bench/x:g1"
    assert "-previous-image=r:5000/bench/x:g1" in args and "-cache-image=r:5000/bench/x-cache:g1" in args


REGISTRY_RAW = {"registry": {"registry_cold_build_s": [30.0, 40.0], "registry_warm_build_s": [10.0, 12.0],
                             "registry_nochange_build_s": [9.0, 9.0], "registry_cache_image_mb": [200.0, 200.0]},
                "registry_warm_phases": [{"setup": 0.1, "restoring": 4.0, "exporting": 6.0},
                                         {"setup": 0.3, "restoring": 5.0, "building": 1.0, "exporting": 8.0}]}


def result_of(raw: dict) -> dict:
    return {"date": "2026-01-02T03:04:05+00:00", "machine": {"cpus": 2, "cpu": "cpu"}, "config": {"reps": 2},
            "builder_images_mb": {"funcpacks/builder:trixie": 587.04, "funcpacks/builder-go:trixie": 585.0},
            "summary": report.summary(raw)}


def test_registry_only_summary_and_table():
    """No contender numbers: no ratio or pack-phase table, the registry rows in their own."""
    result = result_of({"hello-world-go": REGISTRY_RAW})
    summary = result["summary"]["hello-world-go"]
    assert set(summary) == {"registry", "registry_warm_phases"}
    assert summary["registry"]["registry_warm_build_s"] == {"median": 11.0, "min": 10.0, "max": 12.0}
    assert list(summary["registry_warm_phases"]) == ["setup", "restoring", "building", "exporting"]
    assert summary["registry_warm_phases"]["building"] == {"median": 1.0, "min": 1.0, "max": 1.0}
    text = report.table(result)
    assert "| sample | metric |" not in text and "| sample | setup |" not in text
    assert "Builder images (uncompressed): funcpacks/builder:trixie 587.0 MB, funcpacks/builder-go:trixie 585.0 MB." \
        in text.splitlines()[0]
    lines = text.splitlines()
    header = lines.index("| sample | warm | no-change | cold | cache image MB | phase breakdown |")
    assert lines[header + 2:] == ["| hello-world-go | 11.0 s [10.0-12.0] | 9.0 s | 35.0 s [30.0-40.0] | 200.0 | "
                                  "setup 0.20, restoring 4.50, building 1.00, exporting 7.00 |"]


def test_table_keeps_ratio_rows_apart_from_registry_rows():
    both = {m: [1.0] for m in measure.METRICS}
    raw = {"hello-world-go": {"funcpacks": both, "dockerfile": both, "funcpacks_warm_phases": [{"building": 1.0}],
                              **REGISTRY_RAW},
           "python-uv": {"funcpacks": both, "dockerfile": both, "funcpacks_warm_phases": []}}
    lines = report.table(result_of(raw)).splitlines()
    ratio_rows = [ln for ln in lines if ln.count("|") == 6 and not ln.startswith("| sample") and "---" not in ln]
    assert len(ratio_rows) == 2 * len(measure.METRICS) and not any("registry" in ln for ln in ratio_rows)
    assert "| hello-world-go | - | - | - | - | 1.00 | - |" in lines and "| python-uv | - | - | - | - | - | - |" in lines
    registry_rows = lines[lines.index("| sample | warm | no-change | cold | cache image MB | phase breakdown |") + 2:]
    assert [row.split(" | ")[0] for row in registry_rows] == ["| hello-world-go"]
    assert report._ratio_samples(result_of(raw)) == ["hello-world-go", "python-uv"]


def test_default_samples():
    registry = [s.name for s in samples.SAMPLES if s.registry]
    assert registry == ["hello-world-python", "hello-world-go", "hello-world-dotnet"]
    assert samples.default_samples(quick=True, registry_only=False) == [samples.QUICK_SAMPLE]
    assert samples.default_samples(quick=True, registry_only=True) == ["hello-world-python"]
    assert samples.default_samples(quick=False, registry_only=True) == registry
    assert samples.default_samples(quick=False, registry_only=False) == [s.name for s in samples.SAMPLES]


@pytest.mark.skipif(os.geteuid() != 0, reason="the volumes are chowned to the CNB user, as the prepare step does")
def test_registry_path_volumes_for_dotnet(tmp_path):
    """What the creator gets mounted: the source as cloned, the platform env as files, the
    bindings (the NuGet feed's) read-only, a docker config naming the registry, the mirrors."""
    sample = next(s for s in samples.SAMPLES if s.name == "hello-world-dotnet")
    path = contenders.RegistryPath(sample, tmp_path, "http://127.0.0.1:8080", "127.0.0.1:5000")
    build = tmp_path / "build"
    volumes = path._volumes(build)
    assert volumes == [f"{build}/workspace:/workspace", f"{build}/layers:/layers", f"{build}/platform:/platform",
                       f"{build}/bindings:/platform/bindings:ro", f"{build}/home:/tekton/home", mirrors.VOLUME]
    assert sorted(p.name for p in (build / "workspace" / "source").iterdir()) == sorted(
        p.name for p in (versions.ROOT / "samples" / sample.name).iterdir())
    assert {p.name: p.read_text() for p in (build / "platform" / "env").iterdir()} == {
        "GOOGLE_FUNCTION_TARGET": "helloworld", "FUNC_DOTNET_FEED": "http://127.0.0.1:8080"}
    assert (build / "bindings" / "nuget" / "type").read_text() == "nugetconfig\n"
    assert f'value="{mirrors.CONTAINER_DEPS}/nuget"' in (build / "bindings" / "nuget" / "nuget.config").read_text()
    assert json.loads((build / "home" / ".docker" / "config.json").read_text()) == {"auths": {"127.0.0.1:5000": {}}}
    for name in ("workspace/source", "layers", "platform/env/FUNC_DOTNET_FEED", "home/.docker/config.json"):
        st = (build / name).stat()
        assert (st.st_uid, st.st_gid) == (path.uid, path.gid) and not st.st_mode & 0o022, name
    assert path.run_image == "127.0.0.1:5000/funcpacks/run-dotnet:trixie" and path.builder == "funcpacks/builder-dotnet:trixie"


def test_each_architecture_has_its_row_in_a_table_of_its_own():
    """The builds per architecture: one row per sample and architecture, this machine's
    marked native and the others emulated; not in the Dockerfile table, and nothing when
    none ran."""
    def arch_raw(cold: list[float]) -> dict:
        return {"arch_cold_build_s": cold, "arch_warm_build_s": [20.0, 20.0], "arch_nochange_build_s": [8.0, 8.0],
                "arch_image_size_mb": [80.0, 80.0], "arch_cold_start_ms": [1500.0, 2500.0]}
    both = {m: [4.0, 6.0] for m in measure.METRICS}
    raw = {"hello-world-go": {"funcpacks": both, "dockerfile": both, "funcpacks_warm_phases": [],
                              "amd64": arch_raw([4.0, 4.0]), "amd64_warm_phases": [],
                              "arm64": arch_raw([90.0, 110.0]),
                              "arm64_warm_phases": [{"building": 9.0}, {"building": 11.0}]},
           "python-uv": {"arm64": arch_raw([90.0, 110.0]), "arm64_warm_phases": []}}
    result = result_of(raw)
    result["machine"]["arch"] = "amd64"
    assert result["summary"]["hello-world-go"]["arm64"]["arch_cold_build_s"] == {
        "median": 100.0, "min": 90.0, "max": 110.0}
    assert result["summary"]["hello-world-go"]["arm64_warm_phases"]["building"]["median"] == 10.0
    assert "| arch |" not in report.table(result)
    lines = report.arch_table(result).splitlines()
    assert lines[0].startswith("Run of 2026-01-02T03:04:05+00:00 on 2 cores (cpu), 1 repetition(s)")
    rows = lines[lines.index("| sample | arch | run | cold | warm | no-change | image MB | cold start |") + 2:]
    assert rows == ["| hello-world-go | amd64 | native | 4.0 s | 20.0 s | 8.0 s | 80.0 | 2000.0 ms [1500.0-2500.0] |",
                    "| hello-world-go | arm64 | emulated | 100.0 s [90.0-110.0] | 20.0 s | 8.0 s | 80.0 | "
                    "2000.0 ms [1500.0-2500.0] |",
                    "| python-uv | arm64 | emulated | 100.0 s [90.0-110.0] | 20.0 s | 8.0 s | 80.0 | "
                    "2000.0 ms [1500.0-2500.0] |"]
    assert report.arch_table(result_of({"hello-world-go": {"funcpacks": both, "dockerfile": both,
                                                           "funcpacks_warm_phases": []}})) == ""


def test_the_architectures_table_is_rewritten_between_its_own_markers(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"{report.TABLE_BEGIN}\nmain\n{report.TABLE_END}\n{report.ARCHES_BEGIN}\nold\n{report.ARCHES_END}\n")
    report.update_docs("arches", docs, markers=(report.ARCHES_BEGIN, report.ARCHES_END))
    assert docs.read_text() == (f"{report.TABLE_BEGIN}\nmain\n{report.TABLE_END}\n"
                                f"{report.ARCHES_BEGIN}\narches\n{report.ARCHES_END}\n")


def test_an_architectures_builds_ask_pack_for_its_builder(tmp_path):
    sample = next(s for s in samples.SAMPLES if s.name == "hello-world-go")
    other = next(a for a in arches.ARCHES if a != arches.host())
    c = contenders.OnArch(sample, tmp_path, "", other)
    assert c.tag == f"funcpacks-bench/hello-world-go-{other}" and c.work == tmp_path / other
    assert c.builder_image() == f"funcpacks/builder-go:trixie-{other}" and c.emulated
    assert c.pack_flags() == ["--platform", f"linux/{other}", "--pull-policy", "never"]
    native = contenders.OnArch(sample, tmp_path, "", arches.host())
    assert native.builder_image() == "funcpacks/builder-go:trixie" and not native.emulated
