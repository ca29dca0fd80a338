"""The real operator process on the simulated small fleet: examples, waiting gangs, columns, metrics."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from kubernetes.client.rest import ApiException

from accelfleet.api.names import LABEL_REPLICA, LABEL_SUPERNODE
from tests.integration.operator.harness import REPO, Fleet, OperatorProcess, load_all, operator, wait_for
from tests.support.k8s_clients import require_kubectl

pytestmark = pytest.mark.slow

EXAMPLES = sorted((REPO / "examples" / "jobs").glob("*.yaml"))
INVALID = sorted((REPO / "examples" / "invalid").glob("*.yaml"))


@pytest.fixture(scope="module")
def op(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    with operator(fleet.sim, tmp_path_factory.mktemp("operator"), "--standalone") as handle:
        yield handle


def _placed_node_of(status: dict, replica: int) -> str:
    return next(n["name"] for n in status["placement"]["nodes"] if replica in n["replicas"])


def test_every_valid_example_succeeds_on_the_nodes_its_placement_named(
    fleet: Fleet, op: OperatorProcess
) -> None:
    names = {fleet.submit(load_all(path)[0], seconds=2): path for path in EXAMPLES}
    wait_for(
        "every example job to succeed",
        lambda: all(fleet.phase_is(name, "Succeeded") for name in names),
        timeout=180,
        every=0.5,
    )
    nodes = {n.metadata.name: n for n in fleet.core.list_node().items}
    for name, path in names.items():
        status = fleet.status(name)
        assert status["restarts"] == 0, (path.name, status)
        for pod in fleet.pods(name):
            replica = int(pod.metadata.labels[LABEL_REPLICA])
            assert pod.spec.node_name == _placed_node_of(status, replica), path.name
        job = load_all(path)[0]["spec"]
        if job.get("topology", {}).get("scope") == "supernode" and job["topology"].get("mode") == "required":
            super_nodes = {
                nodes[n["name"]].metadata.labels[LABEL_SUPERNODE] for n in status["placement"]["nodes"]
            }
            assert len(super_nodes) == 1
        reasons = [e.reason for e in fleet.events(name)]
        assert "Placed" in reasons and "Succeeded" in reasons


def test_invalid_examples_end_valid_false_with_an_event_and_nothing_crashes(
    fleet: Fleet, op: OperatorProcess
) -> None:
    accepted = []
    for path in INVALID:
        try:
            accepted.append((fleet.submit(load_all(path)[0]), path))
        except ApiException as err:
            refused = err.status
            assert refused == 422, path.name
    operator_judged = [path for path in INVALID if "accelfleet-expect: operator" in path.read_text()]
    assert {path for _, path in accepted} >= set(operator_judged)
    for name, path in accepted:
        wait_for(
            f"{path.name} to be judged", lambda n=name: fleet.condition(n, "Valid").get("status") == "False"
        )
        assert fleet.status(name)["message"]
        wait_for(
            f"an Invalid event on {path.name}",
            lambda n=name: "Invalid" in [e.reason for e in fleet.events(n)],
        )
        assert fleet.pods(name) == []
    assert op.process.poll() is None and op.healthy()


def test_a_gang_larger_than_the_free_cards_waits_without_pods_and_starts_when_cards_free(
    fleet: Fleet, op: OperatorProcess
) -> None:
    whole = {
        "metadata": {"name": "zz2-all"},
        "spec": {
            "replicas": 4,
            "cardsPerReplica": 8,
            "cards": {"models": ["huawei-ascend-910b"]},
            "topology": {"scope": "platform", "mode": "required"},
            "template": {"spec": {"containers": [{"name": "main", "image": "app:1"}]}},
        },
    }
    first = fleet.submit(whole, seconds=6)
    wait_for("the first gang to run", lambda: fleet.phase_is(first, "Running"), timeout=60)
    second = fleet.submit({**whole, "metadata": {"name": "zz2-waits"}}, seconds=1)
    wait_for(
        "the second gang to be judged", lambda: fleet.condition(second, "Scheduled").get("status") == "False"
    )
    while True:
        status, pods = fleet.status(second), fleet.pods(second)
        if not fleet.phase_is(first, "Running"):
            break
        assert status["phase"] == "Pending"
        assert "huawei-ascend-910b" in status["message"]
        assert pods == []
    wait_for("the waiting gang to succeed", lambda: fleet.phase_is(second, "Succeeded"), timeout=90)


def test_deleting_a_job_frees_its_cards_at_once(fleet: Fleet, op: OperatorProcess) -> None:
    whole = {
        "metadata": {"name": "hog"},
        "spec": {
            "replicas": 2,
            "cardsPerReplica": 8,
            "cards": {"models": ["metax-c500"]},
            "template": {"spec": {"containers": [{"name": "main", "image": "app:1"}]}},
        },
    }
    hog = fleet.submit(whole, seconds=300)
    wait_for("the hog to run", lambda: fleet.phase_is(hog, "Running"), timeout=60)
    fleet.delete_job(hog)
    after = fleet.submit({**whole, "metadata": {"name": "after-hog"}}, seconds=1)
    wait_for("the next gang to take the freed cards", lambda: fleet.phase_is(after, "Succeeded"), timeout=60)


def test_kubectl_get_shows_useful_columns_and_writes_per_pod_are_reported(
    fleet: Fleet, op: OperatorProcess
) -> None:
    env = {**os.environ, "KUBECONFIG": str(fleet.sim.kubeconfig)}
    shown = subprocess.run(
        [str(require_kubectl()), "get", "aij,ac,sxp", "-A"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    ).stdout
    for column in (
        "PHASE",
        "MODEL",
        "CARDS",
        "PLATFORM",
        "READY",
        "TOTAL",
        "HEALTHY",
        "ALLOCATED",
        "SUPERNODES",
        "BF16-PFLOPS",
    ):
        assert column in shown
    assert "Succeeded" in shown and "hygon-bw1000" in shown
    placed = op.metric("accelfleet_pods_placed_total")
    assert placed > 0
    pod_writes = op.metric("accelfleet_api_writes_total", resource="pods")
    assert pod_writes <= 3 * placed
    assert op.metric("accelfleet_aijobs", phase="Succeeded") >= 1
    assert op.metric("accelfleet_cards", platform="zz1", model="hygon-bw1000", state="free") > 0
