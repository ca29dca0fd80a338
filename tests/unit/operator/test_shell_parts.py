"""Pure pieces of the operator's shell: the mirror's ordering rules, leader claims, write payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accelfleet.api.names import LABEL_JOB, SCHEDULING_GATE
from accelfleet.cli.main import main
from accelfleet.operator.executor import status_patch, ungate_patch
from accelfleet.operator.leadership import claim
from accelfleet.operator.mirror import NODES, PODS, Mirror
from accelfleet.operator.plan import Ungate

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _pod(name: str, rv: str, uid: str = "u1", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "ns", "uid": uid, "resourceVersion": rv, "labels": labels},
        "spec": {
            "containers": [{"name": "c", "resources": {}}],
            "schedulingGates": [{"name": SCHEDULING_GATE}],
        },
        "status": {"phase": "Pending"},
    }


def test_mirror_never_goes_back_to_an_older_version_nor_revives_a_deleted_pod() -> None:
    mirror = Mirror()
    assert mirror.observe(PODS, "ADDED", _pod("a", "5", **{LABEL_JOB: "j"}))
    assert not mirror.put(PODS, _pod("a", "4", **{LABEL_JOB: "j"}))
    assert mirror.store[PODS][("ns", "a")]["metadata"]["resourceVersion"] == "5"
    assert mirror.observe(PODS, "DELETED", _pod("a", "6", **{LABEL_JOB: "j"}))
    assert not mirror.put(PODS, _pod("a", "5", **{LABEL_JOB: "j"}))
    assert ("ns", "a") not in mirror.store[PODS]


def test_mirror_ignores_foreign_pods_without_cards_and_node_heartbeats() -> None:
    mirror = Mirror()
    assert not mirror.observe(PODS, "ADDED", _pod("web", "1"))
    node: dict[str, Any] = {
        "metadata": {"name": "n1", "resourceVersion": "1", "labels": {}},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "t1"}],
            "allocatable": {},
        },
    }
    assert mirror.observe(NODES, "ADDED", node)
    beat = {**node, "metadata": {**node["metadata"], "resourceVersion": "2"}}
    beat["status"] = {
        "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "t2"}],
        "allocatable": {},
    }
    assert not mirror.observe(NODES, "MODIFIED", beat)


def test_lease_is_taken_when_free_or_expired_and_never_while_another_holds_it() -> None:
    assert claim(None, "me", NOW, 15) is not None
    held = {
        "spec": {
            "holderIdentity": "other",
            "leaseDurationSeconds": 15,
            "renewTime": "2026-01-01T11:59:55.000000Z",
        }
    }
    assert claim(held, "me", NOW, 15) is None
    later = NOW + timedelta(seconds=11)
    taken = claim(held, "me", later, 15)
    assert taken is not None and taken["holderIdentity"] == "me" and taken["leaseTransitions"] == 1
    mine = {"spec": {**held["spec"], "holderIdentity": "me"}}
    renewed = claim(mine, "me", NOW, 15)
    assert renewed is not None and renewed["leaseTransitions"] == 0


def test_status_patch_nulls_removed_fields_and_ungate_patch_guards_the_pod_uid() -> None:
    patch = status_patch(
        {"phase": "Running", "placement": {"platform": "zz1"}}, {"phase": "Pending", "restarts": 1}
    )
    assert patch == {"phase": "Pending", "restarts": 1, "placement": None}
    ops = ungate_patch(Ungate("p", "uid-1"))
    assert ops[0] == {"op": "test", "path": "/metadata/uid", "value": "uid-1"}
    assert ops[1] == {"op": "remove", "path": "/spec/schedulingGates"}
    kept = ungate_patch(Ungate("p", "uid-1", ("other/gate",)))
    assert kept[1]["value"] == [{"name": "other/gate"}]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["operator", "--namespace", "Bad_NS"], "invalid namespace"),
        (["operator", "--metrics-port", "70000"], "--metrics-port"),
        (["operator", "--kubeconfig", "/nonexistent/kubeconfig"], "does not exist"),
    ],
)
def test_operator_cli_refuses_bad_input_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
