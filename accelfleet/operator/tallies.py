"""AccelCard and ScaleXPlatform status, computed from nodes and the cards pods hold.

Only objects whose status would change are returned, so an idle fleet costs no writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from accelfleet.api.platform import ScaleXPlatformSpec
from accelfleet.operator import names
from accelfleet.operator.conditions import set_condition
from accelfleet.operator.objects import Obj, labels_of, mapping, node_ready
from accelfleet.operator.plan import CardTallyRow
from accelfleet.placement import FleetSnapshot, NodeState


@dataclass(slots=True)
class _Count:
    nodes: int = 0
    total: int = 0
    healthy: int = 0
    allocated: int = 0

    def add(self, node: NodeState) -> None:
        self.nodes += 1
        self.total += node.capacity
        self.healthy += min(node.allocatable, node.capacity)
        self.allocated += min(node.in_use, node.capacity)


def _generation(obj: Mapping[str, Any]) -> int:
    value = mapping(obj.get("metadata")).get("generation")
    return value if isinstance(value, int) else 0


def accelcard_statuses(accelcards: Mapping[str, Obj], snapshot: FleetSnapshot) -> Iterator[tuple[str, Obj]]:
    counts: dict[str, _Count] = {}
    for node in snapshot.nodes():
        counts.setdefault(node.card, _Count()).add(node)
    for name in sorted(accelcards):
        card = accelcards[name]
        count = counts.get(name, _Count())
        current = dict(mapping(card.get("status")))
        status = {
            **current,
            "nodes": count.nodes,
            "total": count.total,
            "healthy": count.healthy,
            "allocated": count.allocated,
            "observedGeneration": _generation(card),
        }
        if status != current:
            yield name, status


def _selected(labels: Mapping[str, str], selector: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _pflops(cards: int, tflops: float | None) -> float:
    return cards * (tflops or 0.0) / 1000.0


def platform_statuses(
    platforms: Mapping[str, Obj], nodes: Mapping[str, Obj], snapshot: FleetSnapshot, stamp: str
) -> Iterator[tuple[str, Obj]]:
    for name in sorted(platforms):
        platform = platforms[name]
        try:
            spec = ScaleXPlatformSpec.model_validate(mapping(platform.get("spec")))
        except ValidationError:
            continue
        selector = spec.effective_node_selector(name)
        members = [
            node_name for node_name, node in sorted(nodes.items()) if _selected(labels_of(node), selector)
        ]
        ready = sum(node_ready(nodes[member]) for member in members)
        super_nodes = {labels_of(nodes[m]).get(spec.super_node_label) for m in members} - {None}
        by_model: dict[str, _Count] = {}
        for member in members:
            state = snapshot.node(member)
            if state is not None:
                by_model.setdefault(state.card, _Count()).add(state)
        bf16_total = sum(_pflops(c.total, snapshot.models[m].bf16_tflops) for m, c in by_model.items())
        bf16_used = sum(_pflops(c.allocated, snapshot.models[m].bf16_tflops) for m, c in by_model.items())
        current = dict(mapping(platform.get("status")))
        if not members:
            condition = (False, names.REASON_NO_NODES, f"no node carries the labels {selector}")
        elif ready == len(members):
            condition = (True, names.REASON_NODES_READY, f"all {ready} nodes are Ready")
        else:
            condition = (
                False,
                names.REASON_NODES_NOT_READY,
                f"{len(members) - ready} of {len(members)} nodes are not Ready",
            )
        conditions = set_condition(
            [dict(mapping(c)) for c in current.get("conditions") or []], names.COND_READY, *condition, stamp
        )
        status = {
            **current,
            "nodes": len(members),
            "readyNodes": ready,
            "superNodes": len(super_nodes),
            "totalCards": sum(c.total for c in by_model.values()),
            "allocatedCards": sum(c.allocated for c in by_model.values()),
            "cards": [
                {"model": m, "total": c.total, "healthy": c.healthy, "allocated": c.allocated}
                for m, c in sorted(by_model.items())
            ],
            "peakPFLOPS": {"bf16": {"total": round(bf16_total, 3), "allocated": round(bf16_used, 3)}},
            "conditions": conditions,
            "observedGeneration": _generation(platform),
        }
        if status != current:
            yield name, status


def card_rows(snapshot: FleetSnapshot) -> Iterator[CardTallyRow]:
    """Cards by platform label and model; a node without a platform label counts under its own."""
    rows: dict[tuple[str, str], list[int]] = {}
    for node in snapshot.nodes():
        row = rows.setdefault((node.platform, node.card), [0, 0, 0])
        healthy = min(node.allocatable, node.capacity)
        allocated = min(node.in_use, node.capacity)
        row[0] += max(0, healthy - allocated)
        row[1] += allocated
        row[2] += node.capacity - healthy
    for (platform, model), (free, allocated, unhealthy) in sorted(rows.items()):
        yield CardTallyRow(platform, model, free, allocated, unhealthy)
