"""The real operator on the simulated fleet: a gang with gang.minAvailable starts with the cards there are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from accelfleet.api.names import ENV_WORLD_SIZE, GROUP, LABEL_REPLICA, VERSION
from tests.integration.operator.harness import Fleet, OperatorProcess, operator, wait_for

pytestmark = pytest.mark.slow

# zz3 of the small preset has one super-node of two 8-card Cambricon servers.
MODEL = "cambricon-mlu370-x8"


@pytest.fixture(scope="module")
def op(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    with operator(fleet.sim, tmp_path_factory.mktemp("operator"), "--standalone") as handle:
        yield handle


def _job(name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "cardsPerReplica": 4,
            "cards": {"models": [MODEL]},
            "template": {"spec": {"containers": [{"name": "main", "image": "app:1"}]}},
            **spec,
        },
    }


def _allocated(fleet: Fleet) -> int:
    card = fleet.custom.get_cluster_custom_object(GROUP, VERSION, "accelcards", MODEL)
    status = (card.get("status") if isinstance(card, dict) else None) or {}
    return int(status.get("allocated", -1))


def test_an_elastic_gang_starts_with_the_replicas_that_fit_and_succeeds_with_that_many_pods(
    fleet: Fleet, op: OperatorProcess
) -> None:
    wait_for(f"every {MODEL} card to be free", lambda: _allocated(fleet) == 0, timeout=60)
    hold = fleet.submit(_job("elastic-hold", 1), seconds=300)
    try:
        wait_for("the holding job to run", lambda: fleet.phase_is(hold, "Running"), timeout=60)
        # 12 of 16 cards are free: three replicas of 4 fit, the fourth does not.
        name = fleet.submit(_job("elastic", 4, gang={"minAvailable": 2}), seconds=2)
        wait_for("the elastic gang to succeed", lambda: fleet.phase_is(name, "Succeeded"), timeout=90)
        status = fleet.status(name)
        assert status["cards"] == "3x4"
        assert status["restarts"] == 0
        ranks = sorted(rank for node in status["placement"]["nodes"] for rank in node["replicas"])
        assert ranks == [0, 1, 2]
        pods = fleet.pods(name)
        assert sorted(int(pod.metadata.labels[LABEL_REPLICA]) for pod in pods) == [0, 1, 2]
        assert all(pod.status.phase == "Succeeded" for pod in pods)
        for pod in pods:
            env = {item.name: item.value for item in pod.spec.containers[0].env}
            assert env[ENV_WORLD_SIZE] == "3"
        placed = [event.message for event in fleet.events(name) if event.reason == "Placed"]
        assert placed and placed[0].endswith("started 3 of 4 replicas (minAvailable 2)")
        assert status["message"] == "all 3 replicas exited 0; started 3 of 4 replicas (minAvailable 2)"
    finally:
        fleet.delete_job(hold)
