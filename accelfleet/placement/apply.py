"""Successive placements in one queue round: take a placement's cards out of the snapshot."""

from __future__ import annotations

from accelfleet.placement.fleet import FleetSnapshot
from accelfleet.placement.model import Placement


def apply(snapshot: FleetSnapshot, placement: Placement) -> FleetSnapshot:
    """The snapshot with the placement's cards in use; only the touched super-nodes are copied.

    Raises ValueError when the placement names a node the snapshot does not hold or one of another card
    model: that placement was computed on a different fleet and must be recomputed.
    """
    added: dict[str, int] = {}
    for assignment in placement.nodes:
        added[assignment.name] = added.get(assignment.name, 0) + assignment.cards
        node = snapshot.node(assignment.name)
        if node is None:
            raise ValueError(
                f"placement of {placement.key} names node {assignment.name!r}, not in the snapshot"
            )
        if node.card != placement.card_model:
            raise ValueError(
                f"placement of {placement.key} puts {placement.card_model} replicas on {node.name}, "
                f"a {node.card} node"
            )
    return snapshot.with_usage(added)
