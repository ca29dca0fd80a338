from accelfleet.sim.nodes.devices import ResourceAmount
from accelfleet.sim.nodes.node_status import NodeFacts, desired_node_status, desired_taints, pod_ip
from accelfleet.sim.nodes.pod_status import (
    node_lost_status,
    rejected_status,
    running_status,
    terminated_status,
)

POD = {
    "metadata": {"name": "p", "namespace": "default", "uid": "u1"},
    "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    "status": {"phase": "Pending", "qosClass": "BestEffort"},
}


def test_node_status_reports_devices_and_is_stable_without_changes() -> None:
    facts = NodeFacts("n1", "10.0.0.1", devices={"x.io/card": ResourceAmount(8, 6)})
    first = desired_node_status(None, facts, "2026-01-01T00:00:00Z")
    assert first["capacity"]["x.io/card"] == "8"
    assert first["allocatable"]["x.io/card"] == "6"
    assert first["nodeInfo"]["kubeletVersion"] == "v1.33.0-accelfleet-sim"
    again = desired_node_status(first, facts, "2026-01-01T00:05:00Z")
    assert again == first


def test_a_failed_node_turns_unknown_and_keeps_its_last_heartbeat() -> None:
    healthy = desired_node_status(None, NodeFacts("n1", "10.0.0.1"), "2026-01-01T00:00:00Z")
    failed = desired_node_status(healthy, NodeFacts("n1", "10.0.0.1", failed=True), "2026-01-01T00:01:00Z")
    ready = next(c for c in failed["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "Unknown"
    assert ready["reason"] == "NodeStatusUnknown"
    assert ready["lastHeartbeatTime"] == "2026-01-01T00:00:00Z"
    assert ready["lastTransitionTime"] == "2026-01-01T00:01:00Z"


def test_extended_resources_advertised_by_others_are_kept() -> None:
    current = {"capacity": {"example.com/dongle": "2"}, "allocatable": {"example.com/dongle": "1"}}
    status = desired_node_status(current, NodeFacts("n1", "10.0.0.1"), "t")
    assert status["capacity"]["example.com/dongle"] == "2"
    assert status["allocatable"]["example.com/dongle"] == "1"


def test_unreachable_taints_come_and_go_leaving_other_taints() -> None:
    mine = {"key": "dedicated", "value": "ai", "effect": "NoSchedule"}
    failed = desired_taints([mine], True, "t")
    assert {(t["key"], t["effect"]) for t in failed} == {
        ("dedicated", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    }
    assert desired_taints(failed, False, "t") == [mine]


def test_pod_addresses_are_distinct_per_node() -> None:
    assert pod_ip(0, 1) != pod_ip(1, 1)
    assert pod_ip(0, 1).startswith("100.64.")


def test_running_then_terminated_pod_statuses() -> None:
    running = running_status(POD, "10.0.0.1", "100.64.0.3", "t0")
    assert running["phase"] == "Running"
    assert running["qosClass"] == "BestEffort"
    assert running["containerStatuses"][0]["state"]["running"]["startedAt"] == "t0"
    pod = {**POD, "status": running}
    done = terminated_status(pod, 0, "t1")
    assert done["phase"] == "Succeeded"
    state = done["containerStatuses"][0]["state"]["terminated"]
    assert (state["exitCode"], state["reason"], state["startedAt"], state["finishedAt"]) == (
        0,
        "Completed",
        "t0",
        "t1",
    )
    assert terminated_status(pod, 2, "t1")["phase"] == "Failed"


def test_rejection_and_node_loss_read_like_the_kubelet() -> None:
    rejected = rejected_status(
        POD, "UnexpectedAdmissionError", "Allocate failed due to x, which is unexpected"
    )
    assert rejected == {
        "phase": "Failed",
        "reason": "UnexpectedAdmissionError",
        "message": "Pod was rejected: Allocate failed due to x, which is unexpected",
        "qosClass": "BestEffort",
    }
    lost = node_lost_status(POD, "n7", "t")
    assert (lost["phase"], lost["reason"]) == ("Failed", "NodeLost")
    assert lost["message"] == "Node n7 which was running pod p is unresponsive"
