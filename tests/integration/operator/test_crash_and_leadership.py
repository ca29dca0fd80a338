"""kill -9 of the operator in the middle of placing, and two replicas of which only one acts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accelfleet.api.names import GROUP, LABEL_REPLICA, VERSION
from accelfleet.operator.launcher import free_port, start_module
from accelfleet.operator.names import LABEL_ATTEMPT
from tests.integration.operator.harness import Fleet, operator, start_operator, wait_for

pytestmark = pytest.mark.slow


def _job(name: str, model: str, replicas: int, cards: int) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "cardsPerReplica": cards,
            "cards": {"models": [model]},
            "topology": {"scope": "platform"},
            "template": {"spec": {"containers": [{"name": "main", "image": "app:1"}]}},
        },
    }


def _allocated(fleet: Fleet, card: str) -> int:
    status = fleet.custom.get_cluster_custom_object(GROUP, VERSION, "accelcards", card).get("status") or {}
    return int(status.get("allocated", -1))


def test_kill_9_during_placement_then_restart_converges_without_duplicates_or_leaks(
    fleet: Fleet, tmp_path: Path
) -> None:
    shapes = [
        ("huawei-ascend-910b", 3, 8),
        ("huawei-ascend-910b", 4, 2),
        ("hygon-bw1000", 4, 4),
        ("hygon-bw1000", 2, 8),
        ("huawei-ascend-910b", 2, 8),
        ("hygon-bw1000", 4, 4),
    ]
    names = [fleet.submit(_job(f"crash{i}", *shape), seconds=2) for i, shape in enumerate(shapes)]
    kill_points = [
        ("the first pods being created", lambda: any(fleet.pods(n) for n in names)),
        ("a gang running", lambda: any(fleet.phase_is(n, "Running") for n in names)),
        ("a second wave being placed", lambda: sum(bool(fleet.pods(n)) for n in names) > 4),
    ]
    for point, reached in kill_points:
        doomed = start_operator(fleet.sim, tmp_path, "--standalone")
        wait_for(point, reached, timeout=90, every=0.05)
        doomed.kill()
    with operator(fleet.sim, tmp_path, "--standalone"):
        wait_for(
            "every job to succeed", lambda: all(fleet.phase_is(n, "Succeeded") for n in names), timeout=150
        )
        for name, (_, replicas, _) in zip(names, shapes, strict=True):
            status = fleet.status(name)
            assert status["restarts"] == 0, status
            pods = fleet.pods(name)
            assert sorted(int(p.metadata.labels[LABEL_REPLICA]) for p in pods) == list(range(replicas))
            assert {p.metadata.labels[LABEL_ATTEMPT] for p in pods} == {"0"}
            assert all(p.status.phase == "Succeeded" for p in pods)
        wait_for("every card to be free again", lambda: _allocated(fleet, "huawei-ascend-910b") == 0)
        wait_for("every card to be free again", lambda: _allocated(fleet, "hygon-bw1000") == 0)


def test_two_replicas_elect_one_leader_and_the_other_takes_over_after_kill_9(
    fleet: Fleet, tmp_path: Path
) -> None:
    lease = ["--peering", "operator-election-test", "--lease-seconds", "3"]
    first = start_operator(fleet.sim, tmp_path, *lease)
    second = start_operator(fleet.sim, tmp_path, *lease)
    try:
        wait_for(
            "one leader", lambda: first.metric("accelfleet_leader") + second.metric("accelfleet_leader") == 1
        )
        leader, standby = (first, second) if first.metric("accelfleet_leader") == 1 else (second, first)
        name = fleet.submit(_job("elected", "metax-c500", 2, 8), seconds=1)
        wait_for("the job to succeed", lambda: fleet.phase_is(name, "Succeeded"), timeout=60)
        for resource in ("pods", "aijobs", "events", "accelcards"):
            assert standby.metric("accelfleet_api_writes_total", resource=resource) == 0
        assert leader.metric("accelfleet_pods_placed_total") == 2
        leader.kill()
        wait_for("the standby to take over", lambda: standby.metric("accelfleet_leader") == 1, timeout=30)
        after = fleet.submit(_job("after-failover", "metax-c500", 2, 8), seconds=1)
        wait_for("the job to succeed after failover", lambda: fleet.phase_is(after, "Succeeded"), timeout=60)
    finally:
        first.stop()
        second.stop()


def test_kopf_run_module_works_too(fleet: Fleet, tmp_path: Path) -> None:
    port = free_port()
    handle = start_module(
        fleet.sim.kubeconfig,
        tmp_path / "kopf-run.log",
        port,
        "kopf",
        "run",
        "-m",
        "accelfleet.operator",
        "--all-namespaces",
        "--standalone",
        env={"ACCELFLEET_STANDALONE": "1", "ACCELFLEET_METRICS_PORT": str(port)},
    )
    try:
        wait_for("the operator's /healthz", handle.healthy, timeout=60)
        name = fleet.submit(_job("via-kopf-run", "cambricon-mlu370-x8", 1, 8), seconds=1)
        wait_for("the job to succeed", lambda: fleet.phase_is(name, "Succeeded"), timeout=60)
    finally:
        handle.stop()
