"""The user-facing scenarios on a real cluster (kind): cards advertised by the device plugin, gangs
placed all at once inside the topology they ask for, invalid jobs refused, clean uninstall.

The cluster is hack/kind/cluster.yaml: platform "kind", super-nodes kind-sn1 and kind-sn2 of two
workers each, eight simulated huawei-ascend-910b cards per worker.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from tests.e2e.conftest import IMAGE, KindHandle
from tests.support.chart import CHART_DIR, NAMESPACE, RELEASE, REPO_ROOT

RESOURCE = "huawei.com/Ascend910"
WAIT_S = 300.0
T = TypeVar("T")


def eventually(condition: Callable[[], T | None], timeout: float = WAIT_S, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(2)


def get_json(kind: KindHandle, *args: str) -> Any:
    return json.loads(kind.kubectl_("get", *args, "-o", "json").stdout)


def job_manifest(name: str, replicas: int, cards: int, scope: str, mode: str = "required") -> str:
    job = {
        "apiVersion": "accelfleet.io/v1alpha1",
        "kind": "AIJob",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "cardsPerReplica": cards,
            "cards": {"models": ["huawei-ascend-910b"]},
            "topology": {"scope": scope, "mode": mode},
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": IMAGE,
                            "imagePullPolicy": "Never",
                            "command": ["python3", "-c", "import time; time.sleep(600)"],
                        }
                    ]
                }
            },
        },
    }
    return yaml.safe_dump(job)


def job_pods(kind: KindHandle, job: str) -> list[dict[str, Any]]:
    pods: list[dict[str, Any]] = get_json(kind, "pods", "-n", "default", "-l", f"accelfleet.io/job={job}")[
        "items"
    ]
    return pods


def running_gang(
    kind: KindHandle, job: str, replicas: int, phases: tuple[str, ...] = ("Running",)
) -> list[dict[str, Any]] | None:
    """The gang's pods once every one has started (and, for short jobs, maybe finished)."""
    pods = job_pods(kind, job)
    if len(pods) == replicas and all(p["status"].get("phase") in phases for p in pods):
        return pods
    return None


def supernode_of(kind: KindHandle, node: str) -> str:
    labels: dict[str, str] = get_json(kind, "node", node)["metadata"]["labels"]
    return labels["accelfleet.io/supernode"]


def test_device_plugin_advertises_every_workers_cards(kind: KindHandle) -> None:
    def advertised() -> dict[str, str] | None:
        nodes = get_json(kind, "nodes", "-l", "accelfleet.io/card")["items"]
        found = {n["metadata"]["name"]: n["status"].get("allocatable", {}).get(RESOURCE) for n in nodes}
        return found if len(found) == 4 and all(v == "8" for v in found.values()) else None

    eventually(advertised, what="every worker advertising 8 cards")


def test_kind_up_gang_runs_on_one_server_with_its_cards(kind: KindHandle) -> None:
    pods = eventually(
        lambda: running_gang(kind, "kind-hello", 2, ("Running", "Succeeded")), what="kind-hello gang started"
    )
    assert len({p["spec"]["nodeName"] for p in pods}) == 1
    for pod in pods:
        assert "schedulingGates" not in pod["spec"] or not pod["spec"]["schedulingGates"]
        limits = pod["spec"]["containers"][0]["resources"]["limits"]
        assert limits[RESOURCE] == "4"
    logs = kind.kubectl_("logs", "-n", "default", "kind-hello-0").stdout
    assert "ACCELFLEET_RANK = 0" in logs
    assert "ASCEND_VISIBLE_DEVICES" in logs
    phase = eventually(
        lambda: (
            get_json(kind, "aij", "kind-hello", "-n", "default")["status"].get("phase")
            in ("Running", "Succeeded")
        ),
        what="kind-hello phase Running",
    )
    assert phase


def test_required_supernode_gang_stays_inside_one_supernode(kind: KindHandle) -> None:
    kind.kubectl_("apply", "-f", "-", stdin=job_manifest("e2e-supernode", 2, 8, "supernode"))
    try:
        pods = eventually(lambda: running_gang(kind, "e2e-supernode", 2), what="e2e-supernode gang Running")
        assert len({supernode_of(kind, p["spec"]["nodeName"]) for p in pods}) == 1
    finally:
        kind.kubectl_("delete", "aij", "e2e-supernode", "-n", "default", "--wait=true")


def test_gang_waits_without_pods_while_cards_are_taken_and_starts_when_they_free(kind: KindHandle) -> None:
    """The operator's test_a_gang_larger_than_the_free_cards... and test_deleting_a_job_frees...:
    one gang takes all 32 cards; a second waits, Pending with a reason and no pod, and runs as soon
    as the first is deleted."""
    kind.kubectl_("delete", "aij", "--all", "-n", "default", "--wait=true")
    kind.kubectl_("apply", "-f", "-", stdin=job_manifest("e2e-all", 4, 8, "platform"))
    try:
        eventually(lambda: running_gang(kind, "e2e-all", 4), what="e2e-all gang Running")
        kind.kubectl_("apply", "-f", "-", stdin=job_manifest("e2e-waits", 4, 8, "platform"))

        def waiting() -> str | None:
            status = get_json(kind, "aij", "e2e-waits", "-n", "default").get("status", {})
            return (
                status.get("message") if status.get("phase") == "Pending" and status.get("message") else None
            )

        assert "huawei-ascend-910b" in eventually(waiting, what="e2e-waits Pending with a message")
        assert job_pods(kind, "e2e-waits") == []
        kind.kubectl_("delete", "aij", "e2e-all", "-n", "default", "--wait=true")
        eventually(
            lambda: running_gang(kind, "e2e-waits", 4), what="e2e-waits gang Running on the freed cards"
        )
    finally:
        kind.kubectl_(
            "delete", "aij", "e2e-all", "e2e-waits", "-n", "default", "--ignore-not-found", "--wait=true"
        )


INVALID = sorted((REPO_ROOT / "examples" / "invalid").glob("*.yaml"))


@pytest.mark.parametrize(
    "path", [p for p in INVALID if "accelfleet-expect: operator" not in p.read_text()], ids=lambda p: p.stem
)
def test_invalid_jobs_the_schema_can_judge_are_refused_by_the_api(kind: KindHandle, path: Path) -> None:
    done = kind.kubectl_("apply", "--dry-run=server", "-f", str(path), check=False)
    assert done.returncode != 0
    assert "invalid" in done.stderr.lower()


@pytest.mark.parametrize(
    "path", [p for p in INVALID if "accelfleet-expect: operator" in p.read_text()], ids=lambda p: p.stem
)
def test_invalid_jobs_only_the_operator_can_judge_end_valid_false_with_an_event(
    kind: KindHandle, path: Path
) -> None:
    name = yaml.safe_load(path.read_text())["metadata"]["name"]
    kind.kubectl_("apply", "-f", str(path))
    try:

        def judged() -> bool:
            conditions = get_json(kind, "aij", name, "-n", "default").get("status", {}).get("conditions", [])
            return any(c["type"] == "Valid" and c["status"] == "False" for c in conditions)

        eventually(judged, what=f"{name} Valid=False")
        events = get_json(kind, "events", "-n", "default", "--field-selector", f"involvedObject.name={name}")
        assert "Invalid" in [e["reason"] for e in events["items"]]
        assert job_pods(kind, name) == []
    finally:
        kind.kubectl_("delete", "-f", str(path), "--wait=true")


def test_uninstall_removes_every_chart_object(kind: KindHandle) -> None:
    """Runs last (file order): the docs' uninstall steps leave no accelfleet object behind."""
    kind.kubectl_("delete", "aij", "--all", "-A", "--wait=true")
    kind.kubectl_("delete", "-f", str(REPO_ROOT / "hack" / "kind" / "platform.yaml"), "--wait=true")
    kind.run(
        str(kind.helm),
        "uninstall",
        RELEASE,
        "--kube-context",
        kind.context,
        "--namespace",
        NAMESPACE,
        "--wait",
    )
    kind.kubectl_("delete", "-f", str(CHART_DIR / "crds"), "--wait=true")
    leftovers = kind.kubectl_(
        "get", "all,serviceaccounts,configmaps,clusterroles,clusterrolebindings", "-A",
        "-l", f"app.kubernetes.io/instance={RELEASE}", "-o", "name",
    ).stdout  # fmt: skip
    assert leftovers.strip() == ""
