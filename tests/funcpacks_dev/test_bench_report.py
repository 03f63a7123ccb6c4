"""The benchmark's pure parts: pair-by-pair ratios, phase timings, the docs table."""
from __future__ import annotations

import datetime as dt

from funcpacks_dev import bench


def test_ratios_are_computed_pair_by_pair():
    raw = {"s": {"funcpacks": {m: [1.0, 4.0] for m in bench.METRICS},
                 "dockerfile": {m: [2.0, 2.0] for m in bench.METRICS},
                 "funcpacks_warm_phases": [{"building": 1.0}, {"building": 3.0}]}}
    summary = bench.summary(raw)["s"]
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
    assert bench.lifecycle_phases(out, start) == {"setup": 0.5, "analyzing": 0.5, "detecting": 1.25, "building": 0.75}


def test_docs_table_section_is_replaced(tmp_path):
    docs = tmp_path / "b.md"
    docs.write_text(f"intro\n{bench.TABLE_BEGIN}\nold\n{bench.TABLE_END}\noutro\n")
    bench.update_docs("new table", docs)
    assert docs.read_text() == f"intro\n{bench.TABLE_BEGIN}\nnew table\n{bench.TABLE_END}\noutro\n"
