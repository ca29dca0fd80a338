"""Scheduler and kubelets of a static-mode fleet, against the real object store in process."""

from __future__ import annotations

import json
from typing import Any

from accelfleet.api.names import (
    ANNOTATION_ALLOCATED_CARDS,
    ANNOTATION_SIM_ALLOCATE_ENV,
    ANNOTATION_SIM_DURATION,
    ANNOTATION_SIM_EXIT_CODE,
    ANNOTATION_UNHEALTHY_CARDS,
    LABEL_CARD,
    LABEL_HOSTNAME,
    LABEL_PLATFORM,
    LABEL_SUPERNODE,
    SCHEDULING_GATE,
)
from accelfleet.sim.builtin_types import EVENTS, LEASES, NODES, PODS, SCALEX_PLATFORMS
from accelfleet.sim.nodes.runtime import NodeRuntime
from accelfleet.sim.nodes.sim_names import ANNOTATION_SIM_NODE_FAILED
from accelfleet.sim.objectstore import ObjectStore
from tests.integration.sim_nodes.conftest import eventually

ASCEND = "huawei.com/Ascend910"


def pod(name: str, cards: int = 0, node: str | None = None, **annotations: str) -> dict[str, Any]:
    limits = {ASCEND: str(cards)} if cards else {}
    spec: dict[str, Any] = {
        "containers": [{"name": "main", "image": "busybox", "resources": {"limits": limits}}]
    }
    if node:
        spec["nodeSelector"] = {LABEL_HOSTNAME: node}
    return {"metadata": {"name": name, "namespace": "default", "annotations": annotations}, "spec": spec}


async def get_pod(store: ObjectStore, name: str) -> dict[str, Any]:
    return await store.get(PODS, name, "default")


async def phase_is(store: ObjectStore, name: str, phase: str) -> bool:
    return (await get_pod(store, name)).get("status", {}).get("phase") == phase


async def allocatable(store: ObjectStore, node: str, resource: str = ASCEND) -> str | None:
    obj = await store.get(NODES, node)
    value = obj.get("status", {}).get("allocatable", {}).get(resource)
    return str(value) if value is not None else None


async def test_preset_nodes_carry_labels_status_and_static_capacity(
    store: ObjectStore, runtime: NodeRuntime
) -> None:
    nodes, _ = await store.list(NODES)
    assert sorted(n["metadata"]["name"] for n in nodes) == [
        "t1-sn01-n01",
        "t1-sn01-n02",
        "t1-sn02-n01",
        "t1-sn02-n02",
        "t2-sn01-n01",
        "t2-sn01-n02",
    ]
    node = next(n for n in nodes if n["metadata"]["name"] == "t1-sn02-n01")
    assert node["metadata"]["labels"][LABEL_PLATFORM] == "t1"
    assert node["metadata"]["labels"][LABEL_SUPERNODE] == "t1-sn02"
    assert node["metadata"]["labels"][LABEL_CARD] == "huawei-ascend-910b"
    status = node["status"]
    assert status["capacity"][ASCEND] == "8"
    assert status["allocatable"][ASCEND] == "8"
    assert {c["type"]: c["status"] for c in status["conditions"]}["Ready"] == "True"
    assert status["nodeInfo"]["kubeletVersion"].startswith("v1.33")

    async def leases_exist() -> bool:
        leases, _ = await store.list(LEASES, namespace="kube-node-lease")
        return len(leases) == 6

    await eventually(leases_exist)


async def test_a_card_pod_is_bound_admitted_and_running(store: ObjectStore, runtime: NodeRuntime) -> None:
    await store.create(PODS, pod("job-0", cards=4, node="t1-sn01-n02"))
    await eventually(lambda: phase_is(store, "job-0", "Running"))
    running = await get_pod(store, "job-0")
    assert running["spec"]["nodeName"] == "t1-sn01-n02"
    annotations = running["metadata"]["annotations"]
    assert annotations[ANNOTATION_ALLOCATED_CARDS] == "0,1,2,3"
    env = json.loads(annotations[ANNOTATION_SIM_ALLOCATE_ENV])
    assert env["ASCEND_VISIBLE_DEVICES"] == "0,1,2,3"
    conditions = {c["type"]: c["status"] for c in running["status"]["conditions"]}
    assert conditions["Ready"] == "True" and conditions["PodScheduled"] == "True"
    assert running["status"]["containerStatuses"][0]["state"]["running"]
    assert running["status"]["podIP"] and running["status"]["hostIP"]
    events, _ = await store.list(EVENTS, namespace="default")
    assert any(
        e["reason"] == "Scheduled" and e["message"] == "Successfully assigned default/job-0 to t1-sn01-n02"
        for e in events
    )
    second = pod("job-1", cards=4, node="t1-sn01-n02")
    await store.create(PODS, second)
    await eventually(lambda: phase_is(store, "job-1", "Running"))
    assert (await get_pod(store, "job-1"))["metadata"]["annotations"][ANNOTATION_ALLOCATED_CARDS] == "4,5,6,7"


async def test_gated_pods_wait_and_bind_once_the_gate_is_lifted(
    store: ObjectStore, runtime: NodeRuntime
) -> None:
    gated = pod("gang-0", cards=8)
    gated["spec"]["schedulingGates"] = [{"name": SCHEDULING_GATE}]
    await store.create(PODS, gated)
    await eventually(lambda: phase_is(store, "gang-0", "Pending"))
    assert not (await get_pod(store, "gang-0"))["spec"].get("nodeName")
    current = await get_pod(store, "gang-0")
    current["spec"]["schedulingGates"] = []
    await store.update(PODS, current)
    await eventually(lambda: phase_is(store, "gang-0", "Running"))


async def test_pods_exit_after_their_simulated_duration(store: ObjectStore, runtime: NodeRuntime) -> None:
    await store.create(PODS, pod("ok", cards=8, **{ANNOTATION_SIM_DURATION: "0.3"}))
    await store.create(PODS, pod("bad", **{ANNOTATION_SIM_DURATION: "0.3", ANNOTATION_SIM_EXIT_CODE: "3"}))
    await eventually(lambda: phase_is(store, "ok", "Succeeded"))
    await eventually(lambda: phase_is(store, "bad", "Failed"))
    terminated = (await get_pod(store, "bad"))["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 3
    assert terminated["reason"] == "Error"
    node = (await get_pod(store, "ok"))["spec"]["nodeName"]
    # The finished pod's cards are free again: a pod needing all 8 fits on the same node.
    await store.create(PODS, pod("after", cards=8, node=node))
    await eventually(lambda: phase_is(store, "after", "Running"))


async def test_unfit_pods_get_failed_scheduling_and_bind_when_cards_free_up(
    store: ObjectStore, runtime: NodeRuntime
) -> None:
    await store.create(PODS, pod("big", cards=8, node="t1-sn01-n01"))
    await eventually(lambda: phase_is(store, "big", "Running"))
    await store.create(PODS, pod("waiting", cards=2, node="t1-sn01-n01"))
    expected = (
        f"0/6 nodes are available: 1 Insufficient {ASCEND}, "
        "5 node(s) didn't match Pod's node affinity/selector."
    )

    async def failed_scheduling() -> bool:
        events, _ = await store.list(EVENTS, namespace="default")
        return any(e["reason"] == "FailedScheduling" and e["message"] == expected for e in events)

    await eventually(failed_scheduling)
    condition = next(
        c for c in (await get_pod(store, "waiting"))["status"]["conditions"] if c["type"] == "PodScheduled"
    )
    assert (condition["status"], condition["reason"]) == ("False", "Unschedulable")
    await store.delete(PODS, "big", "default")
    await eventually(lambda: phase_is(store, "waiting", "Running"))


async def test_unhealthy_cards_lower_allocatable_and_are_never_allocated(
    store: ObjectStore, runtime: NodeRuntime
) -> None:
    node = await store.get(NODES, "t2-sn01-n01")
    node["metadata"].setdefault("annotations", {})[ANNOTATION_UNHEALTHY_CARDS] = "0,2"
    await store.update(NODES, node)

    async def lowered() -> bool:
        return await allocatable(store, "t2-sn01-n01", "cambricon.com/mlu") == "2"

    await eventually(lowered)
    assert (await store.get(NODES, "t2-sn01-n01"))["status"]["capacity"]["cambricon.com/mlu"] == "4"
    mlu_pod = pod("mlu", node="t2-sn01-n01")
    mlu_pod["spec"]["containers"][0]["resources"]["limits"] = {"cambricon.com/mlu": "2"}
    await store.create(PODS, mlu_pod)
    await eventually(lambda: phase_is(store, "mlu", "Running"))
    assert (await get_pod(store, "mlu"))["metadata"]["annotations"][ANNOTATION_ALLOCATED_CARDS] == "1,3"


async def test_a_failed_node_loses_its_pods_and_recovers(store: ObjectStore, runtime: NodeRuntime) -> None:
    await store.create(PODS, pod("victim", cards=2, node="t1-sn02-n02"))
    await eventually(lambda: phase_is(store, "victim", "Running"))
    node = await store.get(NODES, "t1-sn02-n02")
    node["metadata"].setdefault("annotations", {})[ANNOTATION_SIM_NODE_FAILED] = "true"
    await store.update(NODES, node)
    await eventually(lambda: phase_is(store, "victim", "Failed"))
    lost = await get_pod(store, "victim")
    assert lost["status"]["reason"] == "NodeLost"
    assert lost["status"]["message"] == "Node t1-sn02-n02 which was running pod victim is unresponsive"

    async def unreachable() -> bool:
        current = await store.get(NODES, "t1-sn02-n02")
        ready = next(c for c in current["status"]["conditions"] if c["type"] == "Ready")
        taints = {(t["key"], t["effect"]) for t in current["spec"].get("taints") or []}
        return (
            ready["status"] == "Unknown"
            and ready["reason"] == "NodeStatusUnknown"
            and taints
            == {
                ("node.kubernetes.io/unreachable", "NoSchedule"),
                ("node.kubernetes.io/unreachable", "NoExecute"),
            }
        )

    await eventually(unreachable)
    await store.create(PODS, pod("blocked", node="t1-sn02-n02"))

    async def blocked_by_taint() -> bool:
        events, _ = await store.list(EVENTS, namespace="default")
        return any(
            e["reason"] == "FailedScheduling"
            and "untolerated taint {node.kubernetes.io/unreachable: }" in e["message"]
            for e in events
        )

    await eventually(blocked_by_taint)
    node = await store.get(NODES, "t1-sn02-n02")
    del node["metadata"]["annotations"][ANNOTATION_SIM_NODE_FAILED]
    await store.update(NODES, node)

    async def ready_again() -> bool:
        current = await store.get(NODES, "t1-sn02-n02")
        ready = next(c for c in current["status"]["conditions"] if c["type"] == "Ready")
        return ready["status"] == "True" and not current["spec"].get("taints")

    await eventually(ready_again)
    await eventually(lambda: phase_is(store, "blocked", "Running"))


async def test_platform_objects_add_reconcile_and_remove_their_nodes(
    store: ObjectStore, runtime: NodeRuntime
) -> None:
    platform = {
        "apiVersion": "accelfleet.io/v1alpha1",
        "kind": "ScaleXPlatform",
        "metadata": {"name": "px"},
        "spec": {
            "site": "x",
            "simulate": [{"card": "metax-c500", "superNodes": 1, "nodesPerSuperNode": 3, "cardsPerNode": 8}],
        },
    }
    await store.create(SCALEX_PLATFORMS, platform)

    async def px_nodes(count: int) -> bool:
        nodes, _ = await store.list(NODES, label_selector=f"{LABEL_PLATFORM}=px")
        return len(nodes) == count

    await eventually(lambda: px_nodes(3))
    current = await store.get(SCALEX_PLATFORMS, "px")
    current["spec"]["simulate"][0]["nodesPerSuperNode"] = 1
    await store.update(SCALEX_PLATFORMS, current)
    await eventually(lambda: px_nodes(1))
    await eventually(lambda: allocatable_is(store, "px-sn01-n01", "metax-tech.com/gpu", "8"))
    await store.delete(SCALEX_PLATFORMS, "px")
    await eventually(lambda: px_nodes(0))
    nodes, _ = await store.list(NODES)
    assert len(nodes) == 6  # the preset's nodes stay


async def allocatable_is(store: ObjectStore, node: str, resource: str, value: str) -> bool:
    try:
        return await allocatable(store, node, resource) == value
    except Exception:
        return False


async def test_admission_failures_fail_the_pod_with_the_kubelet_reason(
    store: ObjectStore, runtime: NodeRuntime
) -> None:
    greedy = pod("greedy", cards=9)
    greedy["spec"]["nodeName"] = "t1-sn01-n01"  # bypasses the scheduler, as a static pod would
    await store.create(PODS, greedy)
    await eventually(lambda: phase_is(store, "greedy", "Failed"))
    status = (await get_pod(store, "greedy"))["status"]
    assert status["reason"] == "UnexpectedAdmissionError"
    assert status["message"] == (
        "Pod was rejected: Allocate failed due to requested number of devices unavailable for "
        f"{ASCEND}. Requested: 9, Available: 8, which is unexpected"
    )
    alien = pod("alien", node=None)
    alien["spec"]["nodeName"] = "t1-sn01-n01"
    alien["spec"]["containers"][0]["resources"]["limits"] = {"example.com/dongle": "1"}
    await store.create(PODS, alien)
    await eventually(lambda: phase_is(store, "alien", "Failed"))
    assert (await get_pod(store, "alien"))["status"]["reason"] == "OutOfexample.com/dongle"
    events, _ = await store.list(EVENTS, namespace="default")
    assert any(e["reason"] == "UnexpectedAdmissionError" for e in events)


async def test_a_restarted_runtime_keeps_running_pods_and_their_cards(
    store: ObjectStore, runtime: NodeRuntime, fleet_file: Any, tmp_path: Any
) -> None:
    await store.create(PODS, pod("keeper", cards=8, node="t1-sn01-n01", **{ANNOTATION_SIM_DURATION: "3"}))
    await eventually(lambda: phase_is(store, "keeper", "Running"))
    await runtime.stop()
    again = NodeRuntime(store, preset=str(fleet_file), work_dir=tmp_path, kubeconfig=tmp_path / "kc")
    await again.start()
    try:
        await store.create(PODS, pod("squatter", cards=1, node="t1-sn01-n01"))

        async def refused() -> bool:
            events, _ = await store.list(EVENTS, namespace="default")
            return any(
                e["reason"] == "FailedScheduling" and e["involvedObject"]["name"] == "squatter"
                for e in events
            )

        await eventually(refused)
        await eventually(lambda: phase_is(store, "keeper", "Succeeded"))
        await eventually(lambda: phase_is(store, "squatter", "Running"))
    finally:
        await again.stop()
