"""The benchmark harness on a tiny case: it runs both contenders and writes its JSON
(with the documented schema) and its chart. No timing is asserted."""
from __future__ import annotations

import json
import subprocess

from funcpacks_dev import bench, versions


def test_quick_bench_writes_json_and_chart(tmp_path):
    proc = subprocess.run(["python3", "-m", "funcpacks_dev.bench", "--quick", "--requests", "50", "--wrk-seconds", "1",
                           "--out", str(tmp_path), "--no-docs"], cwd=versions.ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "cold build" in proc.stdout and "| sample | metric |" in proc.stdout
    result = json.loads((tmp_path / "latest.json").read_text())
    assert result["schema"] == bench.SCHEMA
    assert set(result) >= {"date", "machine", "versions", "config", "metrics", "raw", "summary"}
    assert result["config"]["reps"] == 1 and result["config"]["samples"] == [bench.QUICK_SAMPLE]
    raw = result["raw"][bench.QUICK_SAMPLE]
    for contender in ("funcpacks", "dockerfile"):
        for metric in bench.METRICS:
            values = raw[contender][metric]
            assert len(values) == 1 and values[0] > 0, (contender, metric, values)
    assert set(raw["funcpacks_warm_phases"][0]) >= {"setup", "building", "exporting"}
    for metric in bench.METRICS:
        assert result["summary"][bench.QUICK_SAMPLE][metric]["ratio"]["median"] > 0
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
