"""Failures under running gangs: a card turning unhealthy, a node failing, more failures than allowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS, ANNOTATION_UNHEALTHY_CARDS
from tests.integration.operator.harness import Fleet, OperatorProcess, operator, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def op(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    with operator(fleet.sim, tmp_path_factory.mktemp("operator"), "--standalone") as handle:
        yield handle


def _job(name: str, model: str, replicas: int = 1, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "cardsPerReplica": 8,
            "cards": {"models": [model]},
            "template": {"spec": {"containers": [{"name": "main", "image": "app:1"}]}},
            **spec,
        },
    }


def test_a_card_turning_unhealthy_under_a_running_pod_restarts_the_gang(
    fleet: Fleet, op: OperatorProcess
) -> None:
    name = fleet.submit(_job("card-fault", "huawei-ascend-910b", replicas=2), seconds=120)
    wait_for("the gang to run", lambda: fleet.phase_is(name, "Running"), timeout=60)
    pod = wait_for(
        "the kubelet to record the pod's cards",
        lambda: next(
            (p for p in fleet.pods(name) if (p.metadata.annotations or {}).get(ANNOTATION_ALLOCATED_CARDS)),
            None,
        ),
    )
    node = pod.spec.node_name
    card = pod.metadata.annotations[ANNOTATION_ALLOCATED_CARDS].split(",")[0]
    fleet.annotate_node(node, ANNOTATION_UNHEALTHY_CARDS, card)
    try:
        restarted = wait_for(
            "the gang to restart", lambda: fleet.status(name).get("restarts") == 1, timeout=60
        )
        assert restarted
        assert "unhealthy" in fleet.condition(name, "Running")["message"]
        wait_for("the gang to run again", lambda: fleet.phase_is(name, "Running"), timeout=60)
        assert "GangRestarted" in [e.reason for e in fleet.events(name)]
    finally:
        fleet.annotate_node(node, ANNOTATION_UNHEALTHY_CARDS, None)
        fleet.delete_job(name)


def test_a_failed_node_restarts_the_gang_elsewhere(fleet: Fleet, op: OperatorProcess) -> None:
    name = fleet.submit(_job("node-fault", "hygon-bw1000"), seconds=120)
    wait_for("the gang to run", lambda: fleet.phase_is(name, "Running"), timeout=60)
    lost = fleet.status(name)["placement"]["nodes"][0]["name"]
    fleet.sim_cli("fail-node", lost)
    try:
        wait_for("the gang to restart", lambda: fleet.status(name).get("restarts") == 1, timeout=60)
        status = wait_for("the gang to run again", lambda: fleet.phase_is(name, "Running"), timeout=60)
        assert lost not in {n["name"] for n in status["placement"]["nodes"]}
    finally:
        fleet.sim_cli("recover-node", lost)
        fleet.delete_job(name)


def test_more_failures_than_the_backoff_limit_fail_the_job(fleet: Fleet, op: OperatorProcess) -> None:
    name = fleet.submit(_job("always-fails", "metax-c500", backoffLimit=1), seconds=1, exit_code=3)
    status = wait_for("the job to fail", lambda: fleet.phase_is(name, "Failed"), timeout=90)
    assert status["restarts"] == 1
    assert fleet.condition(name, "Failed")["reason"] == "BackoffLimitExceeded"
    assert "Failed" in [e.reason for e in fleet.events(name)]
    assert all(p.status.phase in ("Failed", "Succeeded") for p in fleet.pods(name))
