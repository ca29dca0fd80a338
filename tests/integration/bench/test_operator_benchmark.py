"""The operator benchmark end to end at smoke size: a real sim and operator on a 32-card fleet."""

from __future__ import annotations

import psutil
import pytest

from bench.__main__ import available
from bench.aijob_mix import Pool, Shape, shapes
from bench.operator import FleetRun, OneGang, Queue, Waves, file_fleet, run_plan

WAVE = shapes((2, 8), (1, 4), (1, 2), (1, 1))
QUEUE_MIX = ((Shape(1, 1), 1.0), (Shape(1, 4), 1.0), (Shape(2, 4), 1.0))


def _tiny() -> FleetRun:
    return file_fleet(
        "tiny",
        {"t1": (Pool("hygon-bw1000", 1, 4),)},
        (Waves(1, WAVE), OneGang(Shape(4, 8)), Queue(5, run_seconds=2, mix=QUEUE_MIX)),
    )


def _benchmark_processes() -> set[int]:
    found = set()
    for process in psutil.process_iter(["cmdline"]):
        if any("accelfleet-bench-" in part for part in process.info["cmdline"] or ()):
            found.add(process.pid)
    return found


@pytest.mark.slow
def test_every_scenario_runs_on_a_tiny_static_fleet_and_leaves_no_process_behind() -> None:
    assert "operator" in available()
    before = _benchmark_processes()
    result = run_plan([_tiny()])
    assert not _benchmark_processes() - before

    rows = {row["scenario"]: row for row in result["runs"]}
    assert set(rows) == {"latency", "gang", "queue"}
    for row in rows.values():
        assert (row["preset"], row["node_mode"]) == ("tiny", "static")
        assert row["not_running"] == 0
        assert row["leaked_cards"] == 0
        assert row["pods_placed"] == row["pods"]
        assert row["writes_per_pod"] >= 2  # at least a create and a gate removal per pod
        assert row["operator_peak_rss_mib"] > 0
        assert row["operator_cpu_s"] > 0
    assert rows["latency"]["pods"] == 5
    assert 0 < rows["latency"]["p50_s"] <= rows["latency"]["p99_s"]
    gang = rows["gang"]
    assert 0 < gang["pods_created_s"] <= gang["ungated_s"] <= gang["all_bound_s"] <= gang["all_running_s"]
    assert rows["queue"]["succeeded"] is True
    assert result["api_writes"]["gang"]["post pods"] == 4

    verdicts = {row["target"]: row for row in result["targets"]}
    assert verdicts["4-pod gang created -> all bound (s)"]["met"] is True
    assert verdicts["cards left allocated after the queue"]["met"] is True
    assert len(result["load_average_start"]) == 3
