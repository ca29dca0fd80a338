"""Successive placements in one round see each other's cards taken, at the cost of the touched super-nodes."""

from __future__ import annotations

import pytest

from accelfleet.placement import GangRequest, NodeAssignment, Placement, apply, place
from tests.unit.placement.fleets import ASCEND, HYGON, uniform_fleet

FLEET = uniform_fleet({"zz1": [(HYGON.name, 3)], "zz2": [(ASCEND.name, 3)]}, nodes_per_super_node=4)


def test_applied_cards_are_taken_and_nothing_else_changes() -> None:
    placement = place(GangRequest("ml/a", 3, 8, models=(HYGON.name,)), FLEET)
    assert isinstance(placement, Placement)
    after = apply(FLEET, placement)
    for assignment in placement.nodes:
        node = after.node(assignment.name)
        assert node is not None
        assert (node.in_use, node.free) == (8, 0)
    touched = {(node.platform, node.super_node) for node in after.nodes() if node.in_use}
    for key, super_node in after.super_nodes.items():
        if key not in touched:
            assert super_node is FLEET.super_nodes[key]
    assert sum(node.in_use for node in FLEET.nodes()) == 0


def test_a_second_gang_never_gets_the_first_gangs_cards() -> None:
    snapshot = FLEET
    taken: set[str] = set()
    for index in range(3):
        placement = place(GangRequest(f"ml/{index}", 4, 8, models=(ASCEND.name,), mode="required"), snapshot)
        assert isinstance(placement, Placement)
        assert not taken & set(placement.replica_nodes)
        taken |= set(placement.replica_nodes)
        snapshot = apply(snapshot, placement)
    assert not isinstance(place(GangRequest("ml/x", 1, 8, models=(ASCEND.name,)), snapshot), Placement)


def test_a_placement_from_another_fleet_is_refused() -> None:
    stranger = Placement(
        "ml/a",
        HYGON.name,
        HYGON.resource_name,
        8,
        ("zz9",),
        ("zz9-sn00",),
        ("ghost",),
        (NodeAssignment("ghost", (0,), 8),),
    )
    with pytest.raises(ValueError, match="ghost"):
        apply(FLEET, stranger)
    wrong_model = Placement(
        "ml/a",
        HYGON.name,
        HYGON.resource_name,
        8,
        ("zz2",),
        ("zz2-sn00",),
        ("zz2-sn00-n0",),
        (NodeAssignment("zz2-sn00-n0", (0,), 8),),
    )
    with pytest.raises(ValueError, match="huawei-ascend-910b node"):
        apply(FLEET, wrong_model)
