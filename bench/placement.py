"""Placement engine latency on the scnet fleet: one gang of 8 to 4,096 cards at 0, 50 and 90 % occupancy.

The fleet is built here as plain data, shaped like the scnet preset: three platforms of 16 super-nodes,
80 servers of 8 cards each (30,720 cards): zz1 Hygon BW1000, zz2 Huawei Ascend 910B, zz3 MetaX C500,
Kunlunxin P800 and Cambricon MLU370 side by side. Occupancy is laid down deterministically: three
quarters of the used cards fill whole servers (finished gangs), the rest are scattered fragments.
Every gang accepts any card model (the engine weighs all five) with the default topology, super-node
preferred; replicas hold 8 cards. Target (DESIGN.md section 7): the 1,024-card gang under 50 ms p99.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from accelfleet.placement import (
    CardModel,
    FleetSnapshot,
    GangRequest,
    NodeState,
    Placement,
    apply,
    place,
    snapshot_from_objects,
)

CARDS_PER_NODE = 8
GANG_CARDS = (8, 64, 1024, 4096)
OCCUPANCIES = (0.0, 0.5, 0.9)
SEED = 20260205

MODELS = (
    CardModel("hygon-bw1000", "hygon.com/hcu", 64, 480.0, frozenset({"dtk"}), None),
    CardModel("huawei-ascend-910b", "huawei.com/Ascend910", 64, None, frozenset({"cann"}), 8),
    CardModel("metax-c500", "metax-tech.com/gpu", 64, None, frozenset({"maca"}), 4),
    CardModel("kunlunxin-p800", "kunlunxin.com/xpu", 96, None, frozenset({"xpu"}), 4),
    CardModel("cambricon-mlu370-x8", "cambricon.com/mlu", 48, 96.0, frozenset({"neuware"}), 4),
)
PLATFORMS: dict[str, tuple[tuple[str, int], ...]] = {
    "zz1": (("hygon-bw1000", 16),),
    "zz2": (("huawei-ascend-910b", 16),),
    "zz3": (("metax-c500", 6), ("kunlunxin-p800", 5), ("cambricon-mlu370-x8", 5)),
}


def fleet_nodes(nodes_per_super_node: int) -> list[NodeState]:
    nodes = []
    for platform, pools in PLATFORMS.items():
        index = 0
        for card, super_nodes in pools:
            for _ in range(super_nodes):
                super_node = f"{platform}-sn{index:02d}"
                index += 1
                for n in range(nodes_per_super_node):
                    name = f"{super_node}-n{n:02d}"
                    nodes.append(NodeState(name, platform, super_node, card, CARDS_PER_NODE, CARDS_PER_NODE))
    return nodes


def occupy(nodes: list[NodeState], occupancy: float, seed: int = SEED) -> list[NodeState]:
    """Nodes with about ``occupancy`` of all cards in use: 3/4 as whole servers, 1/4 as fragments."""
    rng = random.Random(seed)
    target = round(occupancy * sum(node.capacity for node in nodes))
    order = list(range(len(nodes)))
    rng.shuffle(order)
    used = [0] * len(nodes)
    taken = 0
    whole = round(target * 0.75)
    position = 0
    while taken + CARDS_PER_NODE <= whole and position < len(order):
        used[order[position]] = CARDS_PER_NODE
        taken += CARDS_PER_NODE
        position += 1
    rest = order[position:]
    while taken < target and rest:
        slot = rng.randrange(len(rest))
        node = rest[slot]
        add = min(rng.randint(1, CARDS_PER_NODE - 1), CARDS_PER_NODE - used[node], target - taken)
        used[node] += add
        taken += add
        if used[node] >= CARDS_PER_NODE - 1:
            rest.pop(slot)
    return [
        NodeState(
            node.name, node.platform, node.super_node, node.card, node.capacity, node.allocatable, used[i]
        )
        for i, node in enumerate(nodes)
    ]


def _timed(action: Callable[[], object], repeats: int) -> tuple[list[float], object]:
    samples = []
    answer: object = None
    for _ in range(repeats):
        start = time.perf_counter()
        answer = action()
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples, answer


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _node_objects(nodes: list[NodeState]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The same fleet as Node and Pod objects, to time building a snapshot from the API's view."""
    resources = {model.name: model.resource_name for model in MODELS}
    node_objects = []
    pods = []
    for node in nodes:
        resource = resources[node.card]
        node_objects.append(
            {
                "metadata": {
                    "name": node.name,
                    "labels": {
                        "accelfleet.io/platform": node.platform,
                        "accelfleet.io/supernode": node.super_node,
                        "accelfleet.io/card": node.card,
                        "kubernetes.io/hostname": node.name,
                    },
                },
                "status": {
                    "capacity": {resource: str(node.capacity)},
                    "allocatable": {resource: str(node.allocatable)},
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            }
        )
        if node.in_use:
            pods.append(
                {
                    "metadata": {"name": f"{node.name}-job"},
                    "spec": {
                        "nodeSelector": {"kubernetes.io/hostname": node.name},
                        "containers": [{"resources": {"limits": {resource: str(node.in_use)}}}],
                    },
                    "status": {"phase": "Running"},
                }
            )
    return node_objects, pods


def run(quick: bool) -> dict[str, Any]:
    nodes_per_super_node = 2 if quick else 80
    repeats = 3 if quick else 200
    base = fleet_nodes(nodes_per_super_node)
    results = []
    figures: dict[str, Any] = {}
    for occupancy in OCCUPANCIES:
        nodes = occupy(base, occupancy)
        snapshot = FleetSnapshot.from_nodes(nodes, MODELS)
        if occupancy == 0.5:
            node_objects, pods = _node_objects(nodes)
            samples, _ = _timed(
                partial(snapshot_from_objects, node_objects, pods, MODELS), max(3, repeats // 20)
            )
            figures["snapshot_from_objects_p50_ms"] = round(statistics.median(samples), 3)
        for gang_cards in GANG_CARDS:
            request = GangRequest(key=f"bench/{gang_cards}", replicas=gang_cards // 8, cards_per_replica=8)
            samples, answer = _timed(partial(place, request, snapshot), repeats)
            row: dict[str, Any] = {
                "gang_cards": gang_cards,
                "occupancy": occupancy,
                "p50_ms": round(_percentile(samples, 0.5), 3),
                "p99_ms": round(_percentile(samples, 0.99), 3),
            }
            if isinstance(answer, Placement):
                placement = answer
                apply_samples, _ = _timed(partial(apply, snapshot, placement), max(3, repeats // 10))
                row.update(
                    outcome="placed",
                    card_model=placement.card_model,
                    super_nodes=len(placement.super_nodes),
                    apply_p50_ms=round(statistics.median(apply_samples), 3),
                )
            else:
                row.update(outcome=getattr(answer, "reason", "?"))
            results.append(row)
    return {
        "fleet_cards": len(base) * CARDS_PER_NODE,
        "repeats": repeats,
        **figures,
        "results": results,
    }
