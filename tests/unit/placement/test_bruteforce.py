"""On fleets of at most six nodes, every assignment of replicas to nodes is enumerated.

This proves on each generated case that: an "unschedulable now" answer is right (no assignment fits the
free cards), a permanent answer is right (none fits even the empty fleet), a placement exists whenever an
assignment does, and a preferred placement uses the fewest domains of its scope's level and at most
PARENT_BOUND more domains one level up than the best assignment with that fewest count.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelfleet.placement import FleetSnapshot, GangRequest, NodeState, Placement, Unschedulable, place
from accelfleet.placement.matching import rejection
from tests.unit.placement.fleets import CATALOG, domains_used, gangs, tiny_fleets

LEVEL_INDEX = {"node": 0, "supernode": 1, "platform": 2}
# Documented in docs/placement.md: the level above the scope's level may use one parent more than the optimum.
PARENT_BOUND = 1


def compositions(slots: list[int], need: int) -> Iterator[tuple[int, ...]]:
    """Every vector x with 0 <= x[i] <= slots[i] and sum(x) == need."""
    if not slots:
        if need == 0:
            yield ()
        return
    rest = sum(slots[1:])
    for first in range(max(0, need - rest), min(slots[0], need) + 1):
        for tail in compositions(slots[1:], need - first):
            yield (first, *tail)


def feasible_counts(
    snapshot: FleetSnapshot, request: GangRequest, *, empty: bool
) -> list[tuple[int, int, int]]:
    """(nodes, super-nodes, platforms) of every valid assignment over every accepted card model."""
    accepted = [
        model
        for model in CATALOG
        if (not request.models or model.name in request.models) and rejection(request, model) is None
    ]
    found = []
    for model in accepted:
        nodes: list[NodeState] = [node for node in snapshot.nodes() if node.card == model.name]
        slots = [(node.capacity if empty else node.free) // request.cards_per_replica for node in nodes]
        for vector in compositions(slots, request.replicas):
            used = [node for node, count in zip(nodes, vector, strict=True) if count]
            counts = (
                len(used),
                len({(node.platform, node.super_node) for node in used}),
                len({node.platform for node in used}),
            )
            if (
                request.mode == "required"
                and request.scope in LEVEL_INDEX
                and counts[LEVEL_INDEX[request.scope]] > 1
            ):
                continue
            found.append(counts)
    return found


def assert_valid(snapshot: FleetSnapshot, request: GangRequest, placement: Placement) -> None:
    assert placement.replica_nodes == tuple(
        assignment.name for assignment in placement.nodes for _ in assignment.replicas
    )
    assert [rank for assignment in placement.nodes for rank in assignment.replicas] == list(
        range(request.replicas)
    )
    for assignment in placement.nodes:
        node = snapshot.node(assignment.name)
        assert node is not None
        assert node.card == placement.card_model
        assert assignment.cards == len(assignment.replicas) * request.cards_per_replica
        assert assignment.cards <= node.free


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(snapshot=tiny_fleets(), request=gangs(max_replicas=8))
def test_answers_agree_with_exhaustive_search(snapshot: FleetSnapshot, request: GangRequest) -> None:
    answer = place(request, snapshot)
    possible_now = feasible_counts(snapshot, request, empty=False)
    if isinstance(answer, Unschedulable):
        if answer.permanent:
            assert not feasible_counts(snapshot, request, empty=True), answer
        assert not possible_now, answer
        return
    assert_valid(snapshot, request, answer)
    used = domains_used(snapshot, answer)
    assert used in possible_now
    if request.scope == "any":
        assert used[2] == min(counts[2] for counts in possible_now)
        return
    level = LEVEL_INDEX[request.scope]
    fewest = min(counts[level] for counts in possible_now)
    assert used[level] == fewest
    if level < 2:
        best_above = min(counts[level + 1] for counts in possible_now if counts[level] == fewest)
        assert used[level + 1] <= best_above + PARENT_BOUND


@settings(max_examples=150, deadline=None)
@given(snapshot=tiny_fleets(), request=gangs(max_replicas=8), flip=st.randoms(use_true_random=False))
def test_node_order_does_not_change_the_answer(
    snapshot: FleetSnapshot, request: GangRequest, flip: object
) -> None:
    nodes = list(snapshot.nodes())
    flip.shuffle(nodes)  # type: ignore[attr-defined]
    shuffled = FleetSnapshot.from_nodes(nodes, reversed(CATALOG))
    assert place(request, shuffled) == place(request, snapshot)
