"""From ScaleXPlatform ``simulate`` pools to the labelled Node objects of a simulated fleet.

Names are part of the user-visible contract (docs and examples refer to them): super-nodes are
``<platform>-snNN`` numbered across all pools of the platform in order, nodes are
``<super-node>-nNN`` (three digits once a super-node holds more than 99 nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accelfleet.api.names import (
    LABEL_CARD,
    LABEL_CARD_COUNT,
    LABEL_HOSTNAME,
    LABEL_PLATFORM,
    LABEL_SUPERNODE,
)
from accelfleet.sim.nodes.sim_names import ANNOTATION_SIM_ORIGIN

# Every simulated server looks the same apart from its cards; figures of a typical 2-socket AI server.
NODE_CPU = "64"
NODE_MEMORY = "512Gi"
NODE_PODS = "110"
NODE_EPHEMERAL_STORAGE = "1Ti"
BASE_CAPACITY: Mapping[str, str] = {
    "cpu": NODE_CPU,
    "memory": NODE_MEMORY,
    "pods": NODE_PODS,
    "ephemeral-storage": NODE_EPHEMERAL_STORAGE,
}


@dataclass(frozen=True)
class Pool:
    """One entry of ``spec.simulate``."""

    card: str
    super_nodes: int
    nodes_per_super_node: int
    cards_per_node: int


@dataclass(frozen=True)
class PlannedNode:
    name: str
    platform: str
    super_node: str
    card: str
    card_count: int


def pools_from_platform(obj: Mapping[str, Any]) -> list[Pool]:
    """Read ``spec.simulate`` of a ScaleXPlatform API object, skipping malformed entries."""
    pools: list[Pool] = []
    for entry in (obj.get("spec") or {}).get("simulate") or []:
        if not isinstance(entry, Mapping):
            continue
        card = entry.get("card")
        counts = [entry.get(key) for key in ("superNodes", "nodesPerSuperNode", "cardsPerNode")]
        if not isinstance(card, str) or not all(isinstance(n, int) and n > 0 for n in counts):
            continue
        super_nodes, per_super_node, cards = (int(n) for n in counts)  # type: ignore[arg-type]
        pools.append(Pool(card, super_nodes, per_super_node, cards))
    return pools


def plan_nodes(platform: str, pools: Sequence[Pool]) -> list[PlannedNode]:
    """The nodes a platform's pools describe, in creation order."""
    total_super_nodes = sum(pool.super_nodes for pool in pools)
    sn_width = max(2, len(str(total_super_nodes)))
    planned: list[PlannedNode] = []
    sn_index = 0
    for pool in pools:
        node_width = 3 if pool.nodes_per_super_node > 99 else 2
        node_width = max(node_width, len(str(pool.nodes_per_super_node)))
        for _ in range(pool.super_nodes):
            sn_index += 1
            super_node = f"{platform}-sn{sn_index:0{sn_width}d}"
            for node_index in range(1, pool.nodes_per_super_node + 1):
                planned.append(
                    PlannedNode(
                        name=f"{super_node}-n{node_index:0{node_width}d}",
                        platform=platform,
                        super_node=super_node,
                        card=pool.card,
                        card_count=pool.cards_per_node,
                    )
                )
    return planned


def node_labels(node: PlannedNode) -> dict[str, str]:
    return {
        LABEL_PLATFORM: node.platform,
        LABEL_SUPERNODE: node.super_node,
        LABEL_CARD: node.card,
        LABEL_CARD_COUNT: str(node.card_count),
        LABEL_HOSTNAME: node.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
    }


def node_object(node: PlannedNode, origin: str) -> dict[str, Any]:
    """The Node as the simulated kubelet registers it (status is filled in by the kubelet)."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": node.name,
            "labels": node_labels(node),
            "annotations": {
                ANNOTATION_SIM_ORIGIN: origin,
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {},
    }


@dataclass(frozen=True)
class ExistingNode:
    origin: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class NodeDiff:
    create: list[PlannedNode]
    delete: list[str]


def diff_platform_nodes(
    planned: Iterable[PlannedNode], existing: Mapping[str, ExistingNode], deletable_origin: str
) -> NodeDiff:
    """Nodes to delete, then create, so a platform's nodes match its pools.

    ``existing`` holds the nodes carrying the platform's label. Only nodes of ``deletable_origin``
    are ever deleted (a preset's nodes outlive any platform object); one of them whose card,
    card count or super-node changed is replaced, since its devices change with them. A planned
    node whose name exists with another origin is left alone.
    """
    wanted = {node.name: node for node in planned}
    delete: list[str] = []
    create: list[PlannedNode] = []
    for name, node in existing.items():
        if node.origin != deletable_origin:
            continue
        plan = wanted.get(name)
        if plan is None or not _same_hardware(node.labels, node_labels(plan)):
            delete.append(name)
    for name, plan in wanted.items():
        if name not in existing or name in delete:
            create.append(plan)
    return NodeDiff(create=create, delete=sorted(delete))


def _same_hardware(current: Mapping[str, str], planned: Mapping[str, str]) -> bool:
    keys = (LABEL_CARD, LABEL_CARD_COUNT, LABEL_SUPERNODE)
    return all(current.get(key) == planned[key] for key in keys)
