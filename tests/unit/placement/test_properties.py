"""Invariants over random fleets and gangs: capacity, whole replicas, scope, all-or-nothing, determinism."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelfleet.placement import (
    FleetSnapshot,
    GangRequest,
    NodeState,
    Placement,
    Unschedulable,
    apply,
    place,
    queue_round,
)
from tests.unit.placement.fleets import CATALOG, HYGON, domains_used, fleets, gangs

SCOPE_INDEX = {"node": 0, "supernode": 1, "platform": 2}


@pytest.mark.slow
@settings(max_examples=250, deadline=None)
@given(snapshot=fleets(), request=gangs())
def test_every_answer_is_whole_within_capacity_and_in_scope(
    snapshot: FleetSnapshot, request: GangRequest
) -> None:
    answer = place(request, snapshot)
    assert answer == place(request, snapshot)
    if isinstance(answer, Unschedulable):
        assert answer.message
        assert "\n" not in answer.message
        return
    assert len(answer.replica_nodes) == request.replicas
    assert sorted(rank for node in answer.nodes for rank in node.replicas) == list(range(request.replicas))
    assert len({node.name for node in answer.nodes}) == len(answer.nodes)
    for assignment in answer.nodes:
        node = snapshot.node(assignment.name)
        assert node is not None
        assert node.card == answer.card_model
        assert assignment.cards == len(assignment.replicas) * request.cards_per_replica
        assert assignment.cards <= node.free
    if request.models:
        assert answer.card_model in request.models
    if request.mode == "required" and request.scope in SCOPE_INDEX:
        assert domains_used(snapshot, answer)[SCOPE_INDEX[request.scope]] == 1


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(snapshot=fleets(), batch=st.lists(gangs(max_replicas=6), min_size=1, max_size=6))
def test_a_queue_round_never_promises_a_card_twice(snapshot: FleetSnapshot, batch: list[GangRequest]) -> None:
    batch = [replace(gang, key=f"g{index}", created=float(index)) for index, gang in enumerate(batch)]
    result = queue_round(batch, snapshot, now=1000.0, starvation_seconds=500.0)
    taken: dict[str, int] = defaultdict(int)
    for placement in result.placed:
        for assignment in placement.nodes:
            taken[assignment.name] += assignment.cards
    for name, cards in taken.items():
        node = snapshot.node(name)
        assert node is not None
        assert cards <= node.free
    assert set(result.waiting) | {placement.key for placement in result.placed} == {
        gang.key for gang in batch
    }
    replayed = snapshot
    for placement in result.placed:
        replayed = apply(replayed, placement)
    assert list(replayed.nodes()) == list(result.snapshot.nodes())


@st.composite
def wide_fleets(draw: st.DrawFn) -> FleetSnapshot:
    """Up to 4 platforms of up to 4 super-nodes: enough parents to exercise the greedy over platforms."""
    nodes = []
    for p in range(draw(st.integers(2, 4))):
        for s in range(draw(st.integers(1, 4))):
            for n in range(draw(st.integers(1, 3))):
                used = draw(st.sampled_from((0, 0, 2, 4, 6, 8)))
                nodes.append(NodeState(f"p{p}s{s}n{n}", f"p{p}", f"p{p}-s{s}", HYGON.name, 8, 8, used))
    return FleetSnapshot.from_nodes(nodes, CATALOG)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(snapshot=wide_fleets(), replicas=st.integers(2, 40), size=st.sampled_from((1, 2, 4, 8)))
def test_spread_uses_fewest_super_nodes_and_at_most_one_platform_more_than_needed(
    snapshot: FleetSnapshot, replicas: int, size: int
) -> None:
    """Exhaustive over sets of super-nodes (slots add up within a super-node: a replica sits on one node)."""
    answer = place(GangRequest("g", replicas, size), snapshot)
    slots: dict[tuple[str, str], int] = defaultdict(int)
    for node in snapshot.nodes():
        slots[(node.platform, node.super_node)] += node.free // size
    if sum(slots.values()) < replicas:
        assert isinstance(answer, Unschedulable)
        return
    assert isinstance(answer, Placement)
    for count in range(1, len(slots) + 1):
        fitting = [
            chosen for chosen in combinations(slots, count) if sum(slots[key] for key in chosen) >= replicas
        ]
        if fitting:
            break
    fewest_platforms = min(len({key[0] for key in chosen}) for chosen in fitting)
    _, super_nodes, platforms = domains_used(snapshot, answer)
    assert super_nodes == count
    assert platforms <= fewest_platforms + 1
