"""The pure parts of the operator benchmark: gang timelines, job mixes, metrics and target rows."""

from __future__ import annotations

from typing import Any

from accelfleet.api.names import LABEL_JOB, SCHEDULING_GATE
from accelfleet.operator.launcher import samples, total
from bench.aijob_mix import QUEUE_MIX, WAVE_MIX, Shape, aijob, draw_queue
from bench.gang_timeline import Timeline, percentile
from bench.operator import targets
from bench.sim_harness import advertised_cards


def _pod(
    job: str, name: str, *, gated: bool = True, node: str = "", phase: str = "Pending"
) -> dict[str, Any]:
    spec: dict[str, Any] = {"schedulingGates": [{"name": SCHEDULING_GATE}] if gated else []}
    if node:
        spec["nodeName"] = node
    return {"metadata": {"name": name, "labels": {LABEL_JOB: job}}, "spec": spec, "status": {"phase": phase}}


def test_a_gang_reaches_a_step_when_its_last_pod_does_and_first_sightings_stick() -> None:
    timeline = Timeline()
    timeline.expect("j", replicas=2, created_at=10.0)
    timeline.observe(_pod("j", "j-0"), 10.5)
    timeline.observe(_pod("other", "other-0", gated=False, node="n", phase="Running"), 10.5)
    timeline.observe(_pod("j", "j-0", gated=False, node="n1", phase="Running"), 11.0)
    assert timeline.elapsed("j", "running") is None
    timeline.observe(_pod("j", "j-1", gated=False, node="n2"), 12.0)
    timeline.observe(_pod("j", "j-1", gated=False, node="n2", phase="Running"), 13.0)
    timeline.observe(_pod("j", "j-0", gated=False, node="n1", phase="Running"), 20.0)  # a relist
    assert timeline.elapsed("j", "created") == 2.0
    assert timeline.elapsed("j", "bound") == 2.0
    assert timeline.elapsed("j", "running") == 3.0
    assert timeline.gangs["j"].first("running") == 11.0
    assert timeline.all_reached(["j"], "running")
    assert "other" not in timeline.gangs


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile(range(1, 101), 0.99) == 99


def test_job_mixes_are_seeded_and_manifests_say_what_a_user_would_write() -> None:
    assert draw_queue(50, QUEUE_MIX, 7) == draw_queue(50, QUEUE_MIX, 7)
    assert sum(shape.cards for shape in WAVE_MIX) <= 96
    job = aijob("q-1", Shape(2, 8), run_seconds=5)
    assert job["spec"]["replicas"] == 2
    assert job["spec"]["cardsPerReplica"] == 8
    assert job["spec"]["template"]["metadata"]["annotations"] == {"accelfleet.io/sim-duration": "5"}
    assert "metadata" not in aijob("q-2", Shape(1, 1))["spec"]["template"]


def test_metrics_and_node_capacity_are_read_as_exposed() -> None:
    text = (
        "# TYPE accelfleet_api_writes_total counter\n"
        'accelfleet_api_writes_total{verb="post",resource="pods"} 4.0\n'
        'accelfleet_api_writes_total{verb="patch",resource="pods"} 3.0\n'
        "# TYPE accelfleet_pods_placed_total counter\n"
        "accelfleet_pods_placed_total 4.0\n"
    )
    found = samples(text)
    assert total(found, "accelfleet_api_writes_total") == 7.0
    assert total(found, "accelfleet_api_writes_total", verb="post") == 4.0
    assert total(found, "accelfleet_pods_placed_total") == 4.0
    nodes: list[dict[str, Any]] = [
        {"status": {"allocatable": {"cpu": "64", "huawei.com/Ascend910": "8"}}},
        {"status": {"allocatable": {"hygon.com/hcu": "6"}}},
        {"status": {}},
    ]
    assert advertised_cards(nodes) == 14


def test_targets_pair_each_goal_with_its_figure_and_leave_missing_ones_open() -> None:
    row = {"scenario": "latency", "preset": "small", "node_mode": "plugin", "p50_s": 0.4}
    found = {t["target"]: t for t in targets([row])}
    latency = found["AIJob created -> all pods Running, p50 (s)"]
    assert (latency["measured"], latency["met"], latency["node_mode"]) == (0.4, True, "plugin")
    rss = found["operator peak RSS (MiB)"]
    assert (rss["measured"], rss["met"]) == (None, None)
