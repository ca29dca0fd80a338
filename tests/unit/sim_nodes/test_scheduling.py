from typing import Any

import pytest

from accelfleet.sim.nodes.scheduling import (
    ClusterState,
    PodShape,
    feasible_nodes_to_find,
    fit_error_message,
    pod_requests,
)

ASCEND = "huawei.com/Ascend910"


def node(name: str, labels: dict[str, str] | None = None, cards: int = 8, **spec: Any) -> dict[str, Any]:
    allocatable = {"cpu": "64", "memory": "512Gi", "pods": "110", ASCEND: str(cards)}
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
        "status": {"allocatable": allocatable},
    }


def pod(
    cards: int = 0,
    cpu: str | None = None,
    selector: dict[str, str] | None = None,
    affinity: list[dict[str, Any]] | None = None,
    tolerations: list[dict[str, Any]] | None = None,
) -> PodShape:
    limits: dict[str, str] = {}
    requests: dict[str, str] = {}
    if cards:
        limits[ASCEND] = str(cards)
    if cpu:
        requests["cpu"] = cpu
    spec: dict[str, Any] = {
        "containers": [{"name": "c", "resources": {"limits": limits, "requests": requests}}]
    }
    if selector:
        spec["nodeSelector"] = selector
    if affinity is not None:
        spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": affinity}
            }
        }
    if tolerations:
        spec["tolerations"] = tolerations
    return PodShape.of({"spec": spec})


def cluster(*nodes: dict[str, Any]) -> ClusterState:
    state = ClusterState()
    for n in nodes:
        state.set_node(n)
    return state


def test_limits_alone_count_as_requests_and_init_containers_only_raise_the_maximum() -> None:
    spec = {
        "containers": [
            {"name": "a", "resources": {"limits": {ASCEND: "4", "cpu": "2"}}},
            {"name": "b", "resources": {"requests": {"cpu": "500m"}}},
        ],
        "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "4"}}}],
    }
    assert pod_requests({"spec": spec}) == {ASCEND: 4000, "cpu": 4000}


def test_a_pinned_pod_goes_to_its_node_when_cards_are_free() -> None:
    state = cluster(node("n1"), node("n2"))
    assert state.schedule(pod(cards=8, selector={"kubernetes.io/hostname": "n2"})).node == "n2"


def test_cards_held_by_bound_pods_are_not_offered_again() -> None:
    state = cluster(node("n1"))
    state.bind("uid-1", "n1", {ASCEND: 6000})
    decision = state.schedule(pod(cards=4))
    assert decision.node is None
    assert decision.message == f"0/1 nodes are available: 1 Insufficient {ASCEND}."
    state.release("uid-1")
    assert state.schedule(pod(cards=4)).node == "n1"


def test_failure_message_counts_reasons_like_kube_scheduler() -> None:
    nodes = [node(f"a{i}", {"pool": "a"}, cards=2) for i in range(4)]
    nodes += [node(f"b{i}", {"pool": "b"}) for i in range(8)]
    state = cluster(*nodes)
    decision = state.schedule(pod(cards=4, selector={"pool": "a"}))
    assert decision.message == (
        f"0/12 nodes are available: 4 Insufficient {ASCEND}, "
        "8 node(s) didn't match Pod's node affinity/selector."
    )


def test_reasons_sort_as_strings_like_the_real_scheduler() -> None:
    assert fit_error_message(20, {"x": 12, "y": 4}) == "0/20 nodes are available: 12 x, 4 y."


def test_untolerated_taints_are_reported_before_selector_mismatches() -> None:
    tainted = node(
        "t", {"pool": "b"}, taints=[{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    )
    state = cluster(node("a", {"pool": "a"}), tainted, node("b", {"pool": "b"}))
    decision = state.schedule(pod(selector={"pool": "zzz"}))
    assert decision.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
        "2 node(s) didn't match Pod's node affinity/selector."
    )


def test_tolerations_admit_tainted_nodes() -> None:
    taint = {"key": "dedicated", "value": "ai", "effect": "NoSchedule"}
    state = cluster(node("t", taints=[taint]))
    assert state.schedule(pod()).node is None
    assert state.schedule(pod(tolerations=[{"key": "dedicated", "value": "ai"}])).node == "t"
    assert state.schedule(pod(tolerations=[{"operator": "Exists"}])).node == "t"
    assert state.schedule(pod(tolerations=[{"key": "dedicated", "value": "x"}])).node is None


def test_prefer_no_schedule_taints_do_not_filter() -> None:
    state = cluster(node("t", taints=[{"key": "k", "effect": "PreferNoSchedule"}]))
    assert state.schedule(pod()).node == "t"


def test_unschedulable_nodes_are_refused() -> None:
    state = cluster(node("u", unschedulable=True))
    assert state.schedule(pod()).message == "0/1 nodes are available: 1 node(s) were unschedulable."


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"key": "pool", "operator": "In", "values": ["a"]}, {"a1"}),
        ({"key": "pool", "operator": "NotIn", "values": ["a"]}, {"b1", "c1"}),
        ({"key": "gpu", "operator": "Exists"}, {"b1"}),
        ({"key": "gpu", "operator": "DoesNotExist"}, {"a1", "c1"}),
        ({"key": "gen", "operator": "Gt", "values": ["2"]}, {"c1"}),
        ({"key": "gen", "operator": "Lt", "values": ["2"]}, {"a1"}),
    ],
)
def test_required_node_affinity_operators(expression: dict[str, Any], expected: set[str]) -> None:
    nodes = [
        node("a1", {"pool": "a", "gen": "1"}),
        node("b1", {"pool": "b", "gpu": "yes", "gen": "2"}),
        node("c1", {"pool": "c", "gen": "3"}),
    ]
    fits = set()
    for n in nodes:
        state = cluster(n)
        if state.schedule(pod(affinity=[{"matchExpressions": [expression]}])).node:
            fits.add(n["metadata"]["name"])
    assert fits == expected


def test_affinity_terms_are_ored_and_match_fields_select_by_name() -> None:
    state = cluster(node("x"), node("y"))
    terms = [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["y"]}]},
        {"matchExpressions": [{"key": "nope", "operator": "Exists"}]},
    ]
    assert state.schedule(pod(affinity=terms)).node == "y"
    assert state.schedule(pod(affinity=[{}])).node is None


def test_cpu_and_pod_count_limits_are_honoured() -> None:
    small = node("s")
    small["status"]["allocatable"]["pods"] = "1"
    state = cluster(small)
    assert state.schedule(pod(cpu="65")).message == "0/1 nodes are available: 1 Insufficient cpu."
    state.bind("p1", "s", {})
    assert state.schedule(pod()).message == "0/1 nodes are available: 1 Too many pods."


def test_unpinned_pods_spread_to_the_least_allocated_node() -> None:
    state = cluster(node("n1"), node("n2"))
    state.bind("p1", "n1", {"cpu": 32000})
    assert state.schedule(pod(cpu="1")).node == "n2"


def test_node_updates_keep_usage_and_removal_forgets_the_node() -> None:
    state = cluster(node("n1"))
    state.bind("p1", "n1", {ASCEND: 8000})
    state.set_node(node("n1", {"extra": "label"}))
    assert state.schedule(pod(cards=1)).node is None
    state.remove_node("n1")
    assert state.schedule(pod(cards=1)).message == "no nodes available to schedule pods"


def test_sample_size_follows_kube_scheduler() -> None:
    assert feasible_nodes_to_find(50) == 50
    assert feasible_nodes_to_find(3840) == 3840 * 20 // 100
    assert feasible_nodes_to_find(200) == 100
