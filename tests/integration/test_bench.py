"""The benchmark harness on tiny cases: it runs both contenders, or the registry path
alone, and writes its JSON (with the documented schema) and its chart. No timing is
asserted."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from funcpacks_dev import versions
from funcpacks_dev.bench import measure, report, samples


def run_bench(out: Path, *args: str) -> tuple[str, dict]:
    proc = subprocess.run(["python3", "-m", "funcpacks_dev.bench", "--quick", *args, "--out", str(out), "--no-docs"],
                          cwd=versions.ROOT, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((out / "latest.json").read_text())
    assert result["schema"] == report.SCHEMA
    assert set(result) >= {"date", "machine", "versions", "config", "metrics", "raw", "summary", "builder_images_mb"}
    assert result["config"]["reps"] == 1
    assert result["builder_images_mb"][versions.get("images.builder")] > 0
    return proc.stdout, result


def test_quick_bench_writes_json_and_chart(tmp_path):
    stdout, result = run_bench(tmp_path, "--requests", "50", "--wrk-seconds", "1")
    assert "cold build" in stdout and "| sample | metric |" in stdout
    assert "| sample | warm | no-change |" not in stdout  # the quick sample has no registry path
    assert result["config"]["samples"] == [samples.QUICK_SAMPLE]
    raw = result["raw"][samples.QUICK_SAMPLE]
    assert set(raw) == {"funcpacks", "dockerfile", "funcpacks_warm_phases"}
    for contender in ("funcpacks", "dockerfile"):
        for metric in measure.METRICS:
            values = raw[contender][metric]
            assert len(values) == 1 and values[0] > 0, (contender, metric, values)
    assert set(raw["funcpacks_warm_phases"][0]) >= {"setup", "building", "exporting"}
    for metric in measure.METRICS:
        assert result["summary"][samples.QUICK_SAMPLE][metric]["ratio"]["median"] > 0
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quick_registry_path_alone(tmp_path):
    """--registry-only: the creator's three builds against the registry and the cache
    image's size, no contender, no chart."""
    stdout, result = run_bench(tmp_path, "--registry-only")
    sample = samples.default_samples(quick=True, registry_only=True)[0]
    assert "registry path: warm rebuild" in stdout and "| sample | warm | no-change |" in stdout
    assert "| sample | metric |" not in stdout
    assert result["config"]["samples"] == [sample] and result["config"]["registry_only"]
    raw = result["raw"][sample]
    assert set(raw) == {"registry", "registry_warm_phases"}
    for metric in measure.REGISTRY_METRICS:
        values = raw["registry"][metric]
        assert len(values) == 1 and values[0] > 0, (metric, values)
    assert set(raw["registry_warm_phases"][0]) >= {"setup", "analyzing", "building", "exporting"}
    assert set(result["summary"][sample]["registry"]) == set(measure.REGISTRY_METRICS)
    assert not (tmp_path / "latest.png").exists()
