"""The demo's job mix, its expectations and its summary, without a cluster."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pytest
from rich.console import Console

from accelfleet.api.aijob import AIJob
from accelfleet.api.catalog import builtin_cards
from accelfleet.api.fleets import preset_platforms
from accelfleet.demo import render
from accelfleet.demo.jobs import DemoJob, Outcome, demo_jobs
from accelfleet.demo.outcomes import (
    JobTrace,
    Usage,
    checks,
    observe,
    settled,
    time_to_running,
    utilization,
    waited,
)
from accelfleet.operator.jobs import card_models

CATALOG = card_models(card.to_wire() for card in builtin_cards())


def _jobs(preset: str = "small") -> dict[str, DemoJob]:
    return {job.name: job for job in demo_jobs(preset_platforms(preset), CATALOG)}


def _status(phase: str, **extra: Any) -> dict[str, Any]:
    return {"metadata": {"name": "x"}, "status": {"phase": phase, **extra}}


def _placed(
    model: str, platform: str, super_nodes: list[str], nodes: list[str], phase: str = "Succeeded"
) -> dict[str, Any]:
    placement = {
        "platform": platform,
        "superNodes": super_nodes,
        "nodes": [{"name": name, "replicas": [i], "cards": 8} for i, name in enumerate(nodes)],
    }
    started = {} if phase == "Scheduled" else {"startTime": "2026-01-01T00:00:01Z"}
    return _status(phase, cardModel=model, placement=placement, **started)


def _waiting(reason: str = "InsufficientCards") -> dict[str, Any]:
    return _status("Pending", conditions=[{"type": "Scheduled", "status": "False", "reason": reason}])


def _invalid(reason: str = "UnknownCardModel") -> dict[str, Any]:
    return _status(
        "Pending", conditions=[{"type": "Valid", "status": "False", "reason": reason, "message": "no such"}]
    )


def test_the_mix_covers_every_example_kind_a_waiting_job_and_an_invalid_one() -> None:
    jobs = _jobs()
    scopes = {
        (job.spec.get("topology", {}).get("scope"), job.spec.get("topology", {}).get("mode"))
        for job in jobs.values()
    }
    assert {
        ("platform", "required"),
        ("supernode", "required"),
        ("supernode", "preferred"),
        ("node", "required"),
    } <= scopes
    assert [job.name for job in jobs.values() if job.must_wait] == ["bw1000-one-supernode"]
    assert jobs["bw1000-one-supernode"].after == "bf16-heavy"
    assert [job.name for job in jobs.values() if job.outcome is Outcome.INVALID] == ["typo-model"]
    for job in jobs.values():
        AIJob.model_validate(job.manifest())


def test_the_mix_is_sized_so_the_big_job_takes_a_whole_platform_and_the_spread_job_two_super_nodes() -> None:
    small, scnet = _jobs("small"), _jobs("scnet")
    assert small["bf16-heavy"].cards == "4x8"  # every BW1000 card of zz1
    assert scnet["bf16-heavy"].cards == "1280x8"
    assert small["ascend-cross-supernode"].cards == "3x8"  # a super-node holds 16 cards, two replicas
    assert scnet["ascend-cross-supernode"].cards == "81x8"


def test_expected_models_come_from_the_engine_matching_the_fleet() -> None:
    jobs = _jobs()
    assert jobs["bf16-heavy"].models == {"hygon-bw1000"}
    assert jobs["cuda-any-64g"].models == {"metax-c500"}
    assert jobs["neuware-inference"].models == {"cambricon-mlu370-x8"}
    assert jobs["typo-model"].models == frozenset()


def test_a_fleet_without_the_story_models_is_refused() -> None:
    platforms = [p for p in preset_platforms("small") if p.metadata.name != "zz1"]
    with pytest.raises(ValueError, match="hygon-bw1000"):
        demo_jobs(platforms, CATALOG)


def test_observe_keeps_first_moments() -> None:
    trace = JobTrace(submitted_at=10.0)
    trace = observe(trace, _waiting(), 10.5)
    trace = observe(trace, _placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a"], phase="Scheduled"), 12.0)
    trace = observe(trace, _placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a"], phase="Running"), 12.5)
    trace = observe(trace, _placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a"]), 20.0)
    trace = observe(trace, _placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a"]), 21.0)
    assert (trace.wait_reason, trace.placed_at, trace.finished_at) == ("InsufficientCards", 12.0, 20.0)
    assert waited(trace) == 2.0
    assert time_to_running(trace) == 2.5


def test_permanent_reasons_are_not_counted_as_waiting_for_cards() -> None:
    trace = observe(JobTrace(submitted_at=0.0), _waiting("ExceedsFleet"), 1.0)
    assert trace.wait_reason is None


def test_checks_pass_for_the_expected_story() -> None:
    jobs = _jobs()
    waiter = jobs["bw1000-one-supernode"]
    trace = observe(JobTrace(submitted_at=0.0), _waiting(), 1.0)
    trace = observe(trace, _placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a", "b"]), 9.0)
    assert settled(waiter, trace)
    assert all(check.ok for check in checks(waiter, trace))

    typo = jobs["typo-model"]
    refused = observe(JobTrace(submitted_at=0.0), _invalid(), 1.0)
    assert settled(typo, refused)
    assert all(check.ok for check in checks(typo, refused))


@pytest.mark.parametrize(
    ("seen", "failing"),
    [
        (
            _placed("hygon-bw1000", "zz1", ["zz1-sn01", "zz1-sn02"], ["a", "b"]),
            "inside 2 super-nodes, expected 1",
        ),
        (_placed("huawei-ascend-910b", "zz2", ["zz2-sn01"], ["a", "b"]), "not one of hygon-bw1000"),
        (_placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a", "b"], phase="Failed"), "ended Failed"),
    ],
)
def test_checks_catch_what_went_wrong(seen: dict[str, Any], failing: str) -> None:
    waiter = _jobs()["bw1000-one-supernode"]
    trace = observe(JobTrace(submitted_at=0.0), seen, 1.0)
    failed = [check.text for check in checks(waiter, trace) if not check.ok]
    assert any(failing in text for text in failed)
    assert "was never seen waiting" in failed


def test_an_invalid_job_that_got_placed_fails_its_checks() -> None:
    typo = _jobs()["typo-model"]
    trace = observe(JobTrace(submitted_at=0.0), _placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a"]), 1.0)
    assert settled(typo, trace)
    assert [check.ok for check in checks(typo, trace)] == [False, False]
    assert checks(typo, JobTrace())[0].text == "was never submitted"


def test_utilization_is_peak_and_time_weighted_average() -> None:
    samples = [Usage(0.0, {"zz1": 0}, {}), Usage(1.0, {"zz1": 32}, {}), Usage(3.0, {"zz1": 16}, {})]
    (row,) = utilization(samples, {"zz1": 32}, by_model=False, start=0.0, end=4.0)
    assert (row.peak, row.average) == (32, (32 * 2 + 16 * 1) / 4)
    assert row.peak_share == 1.0


def test_event_lines_only_for_changes() -> None:
    before = observe(JobTrace(submitted_at=0.0), _waiting(), 1.0)
    same = observe(before, _waiting(), 1.5)
    placed = observe(same, _placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a"], phase="Running"), 2.0)
    assert render.event_line("job", before, same, 1.5) is None
    line = render.event_line("job", same, placed, 2.0)
    assert line is not None and "Running" in line and line.startswith("   2.0s  job")
    assert render.event_line("job", JobTrace(), observe(JobTrace(), {"metadata": {}}, 0.0), 0.0) is None


def test_summary_lists_every_job_and_the_verdict() -> None:
    jobs = list(_jobs().values())
    traces = {job.name: JobTrace() for job in jobs}
    good = observe(JobTrace(submitted_at=0.0), _waiting(), 1.0)
    traces["bw1000-one-supernode"] = observe(
        good, _placed("hygon-bw1000", "zz1", ["zz1-sn01"], ["a", "b"]), 5.0
    )
    found = {job.name: checks(job, traces[job.name]) for job in jobs}
    ok, line = render.verdict(found)
    assert not ok and "typo-model: was never submitted" in line
    console = Console(file=io.StringIO(), width=200, record=True)
    rows = utilization(
        [Usage(0.0, {"zz1": 16}, {"hygon-bw1000": 16})], {"zz1": 32}, by_model=False, start=0.0, end=1.0
    )
    console.print(render.summary(render.SummaryFacts("small", 96, 40.0, 15.0), jobs, traces, found, rows, []))
    text = console.export_text()
    for job in jobs:
        assert job.name in text
    assert (
        "zz1: zz1-sn01 (2 nodes)" in text
        and "16 (50%)" in text
        and "expected outcomes did not happen" in text
    )
    all_good = {name: [replace(check, ok=True) for check in found[name]] for name in found}
    assert render.verdict(all_good) == (
        True,
        f"All {sum(map(len, found.values()))} expected outcomes happened.",
    )


def test_keep_lines_say_how_to_reach_and_stop_the_cluster() -> None:
    lines = render.keep_lines("/tmp/k", 42, "http://127.0.0.1:1/metrics")
    assert "  KUBECONFIG=/tmp/k kubectl get aij,ac,sxp" in lines
    assert lines[-1] == "Stop them: kill 42; accelfleet sim down --kubeconfig /tmp/k"
