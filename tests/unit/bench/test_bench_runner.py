"""The benchmark runner: figures printed as JSON or a table, and recorded with the machine they ran on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import available, main, render


def test_placement_benchmark_runs_at_smoke_size_and_is_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["placement", "--quick", "--json", "--results-dir", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["fleet_cards"] > 0
    cells = {(row["gang_cards"], row["occupancy"]) for row in printed["results"]}
    assert cells == {(cards, occupancy) for cards in (8, 64, 1024, 4096) for occupancy in (0.0, 0.5, 0.9)}
    for row in printed["results"]:
        assert 0 <= row["p50_ms"] <= row["p99_ms"]
    recorded = json.loads((tmp_path / "placement.json").read_text())
    assert recorded["result"] == printed
    assert recorded["benchmark"] == "placement"
    assert recorded["quick"] is True
    assert {"cpu_count", "platform", "python"} <= set(recorded["machine"])
    assert "git_commit" in recorded
    assert recorded["date"]


def test_unknown_benchmarks_are_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-bench"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "unknown benchmark no-such-bench" in error
    assert "placement" in available()


def test_any_result_renders_as_a_table() -> None:
    text = render("demo", {"fleet_cards": 16, "results": [{"a": 1, "b": 0.5}, {"a": 22, "c": "x"}]})
    assert text.splitlines() == [
        "== demo",
        "fleet_cards: 16",
        "results:",
        "   a      b  c",
        "   1  0.500   ",
        "  22         x",
    ]
