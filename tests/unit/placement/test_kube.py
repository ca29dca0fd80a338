"""The snapshot the operator builds from Node and Pod objects: cards in use come from pods alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from accelfleet.api.names import LABEL_CARD, LABEL_HOSTNAME, LABEL_PLATFORM, LABEL_SUPERNODE
from accelfleet.placement import snapshot_from_objects
from accelfleet.placement.kube import parse_quantity
from tests.unit.placement.fleets import ASCEND, CATALOG, HYGON

RESOURCE = ASCEND.resource_name


def node(
    name: str,
    *,
    card: str = ASCEND.name,
    allocatable: object = "8",
    capacity: object = "8",
    ready: str = "True",
    hostname: str | None = None,
    labels: dict[str, str] | None = None,
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "labels": {
                LABEL_PLATFORM: "zz2",
                LABEL_SUPERNODE: "zz2-sn00",
                LABEL_CARD: card,
                LABEL_HOSTNAME: hostname or name,
                **(labels or {}),
            },
        },
        "spec": spec or {},
        "status": {
            "capacity": {RESOURCE: capacity},
            "allocatable": {RESOURCE: allocatable},
            "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}],
        },
    }


def pod(
    cards: object,
    *,
    node_name: str | None = None,
    pinned: str | None = None,
    phase: str = "Running",
    deleting: bool = False,
    where: str = "limits",
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "main", "resources": {where: {RESOURCE: cards}}}]}
    if node_name:
        spec["nodeName"] = node_name
    if pinned:
        spec["nodeSelector"] = {LABEL_HOSTNAME: pinned}
    metadata: dict[str, Any] = {"name": "p"}
    if deleting:
        metadata["deletionTimestamp"] = "2026-02-05T00:00:00Z"
    return {"metadata": metadata, "spec": spec, "status": {"phase": phase}}


def in_use(pods: list[dict[str, Any]], nodes: list[dict[str, Any]] | None = None) -> int:
    snapshot = snapshot_from_objects(nodes or [node("a")], pods, CATALOG)
    found = snapshot.node("a")
    assert found is not None
    return found.in_use


def test_bound_pinned_and_terminating_pods_hold_their_cards() -> None:
    assert in_use([pod("2", node_name="a")]) == 2
    assert in_use([pod(3, pinned="a", phase="Pending")]) == 3
    assert in_use([pod("1", node_name="a", deleting=True)]) == 1
    assert in_use([pod("4", node_name="a", where="requests")]) == 4


def test_finished_pods_and_pods_elsewhere_hold_nothing_here() -> None:
    assert in_use([pod("2", node_name="a", phase="Succeeded"), pod("2", node_name="a", phase="Failed")]) == 0
    assert in_use([pod("2", node_name="b"), pod("2"), {"spec": None}, {}]) == 0


def test_a_pin_by_hostname_label_finds_the_node_of_that_hostname() -> None:
    assert in_use([pod("5", pinned="host-a")], [node("a", hostname="host-a")]) == 5


def test_init_containers_count_like_the_kubelet_counts_them() -> None:
    spec = {
        "nodeName": "a",
        "initContainers": [{"resources": {"limits": {RESOURCE: "6"}}}],
        "containers": [
            {"resources": {"limits": {RESOURCE: "2"}}},
            {"resources": {"limits": {RESOURCE: "1"}}},
        ],
    }
    assert in_use([{"spec": spec, "status": {"phase": "Running"}}]) == 6


def test_free_cards_are_healthy_cards_minus_cards_in_use() -> None:
    snapshot = snapshot_from_objects([node("a", allocatable="6")], [pod("4", node_name="a")], CATALOG)
    found = snapshot.node("a")
    assert found is not None
    assert (found.capacity, found.allocatable, found.in_use, found.free) == (8, 6, 4, 2)
    snapshot = snapshot_from_objects([node("a", allocatable="3")], [pod("4", node_name="a")], CATALOG)
    found = snapshot.node("a")
    assert found is not None
    assert found.free == 0


@pytest.mark.parametrize(
    ("ready", "spec"),
    [
        ("False", {}),
        ("Unknown", {}),
        ("True", {"unschedulable": True}),
        ("True", {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]}),
        ("True", {"taints": [{"key": "maintenance", "effect": "NoSchedule"}]}),
    ],
)
def test_not_ready_cordoned_or_tainted_nodes_offer_no_cards(ready: str, spec: dict[str, Any]) -> None:
    snapshot = snapshot_from_objects([node("a", ready=ready, spec=spec)], [], CATALOG)
    found = snapshot.node("a")
    assert found is not None
    assert not found.usable
    assert found.free == 0
    assert found.capacity == 8


def test_prefer_no_schedule_taints_do_not_block() -> None:
    spec = {"taints": [{"key": "x", "effect": "PreferNoSchedule"}]}
    found = snapshot_from_objects([node("a", spec=spec)], [], CATALOG).node("a")
    assert found is not None
    assert found.usable


def test_the_card_label_picks_the_model_and_its_resource_name() -> None:
    hygon = node("h", card=HYGON.name)
    hygon["status"]["allocatable"] = {HYGON.resource_name: "4", RESOURCE: "8"}
    hygon["status"]["capacity"] = {HYGON.resource_name: "4"}
    snapshot = snapshot_from_objects(
        [hygon, node("x", card="unknown-card"), node("y", labels={LABEL_CARD: ""})], [], CATALOG
    )
    found = snapshot.node("h")
    assert found is not None
    assert (found.card, found.allocatable) == (HYGON.name, 4)
    assert snapshot.node("x") is None
    assert snapshot.node("y") is None


def test_unlabelled_topology_makes_a_server_its_own_domain() -> None:
    bare = node("lonely")
    del bare["metadata"]["labels"][LABEL_PLATFORM]
    del bare["metadata"]["labels"][LABEL_SUPERNODE]
    found = snapshot_from_objects([bare], [], CATALOG).node("lonely")
    assert found is not None
    assert (found.platform, found.super_node) == ("lonely", "lonely")


def test_malformed_quantities_count_as_no_cards() -> None:
    snapshot = snapshot_from_objects(
        [node("a", allocatable="eight", capacity=None), node("b", allocatable="7.9")],
        [pod("x", node_name="a")],
        CATALOG,
    )
    found_a, found_b = snapshot.node("a"), snapshot.node("b")
    assert found_a is not None
    assert found_b is not None
    assert (found_a.allocatable, found_a.capacity, found_a.in_use) == (0, 0, 0)
    assert found_b.allocatable == 7


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8", Decimal(8)),
        (8, Decimal(8)),
        ("1k", Decimal(1000)),
        ("2Ki", Decimal(2048)),
        ("500m", Decimal("0.5")),
        ("1e3", Decimal(1000)),
        (" 4 ", Decimal(4)),
        ("x", None),
        ("", None),
        (None, None),
        (True, None),
        ("1Q", None),
    ],
)
def test_quantities_parse_like_kubernetes(text: object, value: Decimal | None) -> None:
    assert parse_quantity(text) == value
