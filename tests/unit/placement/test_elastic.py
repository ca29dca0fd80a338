"""Elastic gangs (gang.minAvailable below replicas): the largest size that fits now, all or nothing at it."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelfleet.placement import (
    FleetSnapshot,
    GangRequest,
    Reason,
    Unschedulable,
    feasibility,
    place,
    queue_round,
)
from tests.unit.placement.fleets import (
    ASCEND,
    CATALOG,
    HYGON,
    fleets,
    gangs,
    placed,
    refused,
    uniform_fleet,
)

# One platform of Ascend: two super-nodes of two 8-card servers. Three servers are free: two in
# zz2-sn01, one in zz2-sn00.
THREE_FREE = uniform_fleet({"zz2": [(ASCEND.name, 2)]}, nodes_per_super_node=2, in_use={"zz2-sn00-n0": 8})


def test_the_largest_size_that_fits_is_placed_and_the_placement_says_so() -> None:
    answer = placed(place(GangRequest("ml/e", 4, 8, min_replicas=2), THREE_FREE))
    assert answer.replicas == 3
    assert sorted(rank for node in answer.nodes for rank in node.replicas) == [0, 1, 2]
    assert answer.to_status()["nodes"] == [
        {"name": "zz2-sn01-n0", "replicas": [0], "cards": 8},
        {"name": "zz2-sn01-n1", "replicas": [1], "cards": 8},
        {"name": "zz2-sn00-n1", "replicas": [2], "cards": 8},
    ]


def test_a_gang_that_fits_whole_is_placed_exactly_as_a_fixed_gang() -> None:
    fleet = uniform_fleet({"zz2": [(ASCEND.name, 2)]}, nodes_per_super_node=2)
    elastic = placed(place(GangRequest("ml/e", 4, 8, min_replicas=1), fleet))
    assert elastic == placed(place(GangRequest("ml/e", 4, 8), fleet))
    assert elastic.replicas == 4


def test_the_minimum_is_respected_and_named_when_it_does_not_fit() -> None:
    one_free = uniform_fleet(
        {"zz2": [(ASCEND.name, 2)]},
        nodes_per_super_node=2,
        in_use={"zz2-sn00-n0": 8, "zz2-sn00-n1": 8, "zz2-sn01-n0": 8},
    )
    answer = refused(place(GangRequest("ml/e", 4, 8, min_replicas=2), one_free))
    assert answer.reason == Reason.INSUFFICIENT_CARDS
    assert not answer.permanent
    assert answer.message == (
        "needs at least 16 huawei-ascend-910b cards (2 x 8, up to 4 replicas); 8 are free, "
        "enough for 1 replica of 8 now"
    )
    assert placed(place(GangRequest("ml/e", 4, 8, min_replicas=1), one_free)).replicas == 1


def test_a_required_scope_takes_the_most_one_domain_holds_and_a_preferred_one_spreads() -> None:
    required = placed(place(GangRequest("ml/e", 4, 8, min_replicas=2, mode="required"), THREE_FREE))
    assert required.replicas == 2
    assert required.super_nodes == ("zz2-sn01",)
    preferred = placed(place(GangRequest("ml/e", 4, 8, min_replicas=2, mode="preferred"), THREE_FREE))
    assert preferred.replicas == 3
    assert preferred.super_nodes == ("zz2-sn01", "zz2-sn00")


def test_a_required_scope_below_the_minimum_waits_with_the_closest_domain() -> None:
    # Super-nodes of four servers: one free in zz2-sn00, two in zz2-sn01; three never fit one now.
    fleet = uniform_fleet(
        {"zz2": [(ASCEND.name, 2)]},
        nodes_per_super_node=4,
        in_use={"zz2-sn00-n0": 8, "zz2-sn00-n1": 8, "zz2-sn00-n2": 8, "zz2-sn01-n0": 8, "zz2-sn01-n1": 8},
    )
    answer = refused(place(GangRequest("ml/e", 4, 8, min_replicas=3, mode="required"), fleet))
    assert answer.reason == Reason.TOPOLOGY_CONSTRAINT
    assert answer.message == (
        "needs at least 24 huawei-ascend-910b cards (3 x 8, up to 4 replicas) inside one super-node; "
        "the most any super-node holds now is 2 replicas of 8 (16 free cards), on zz2-sn01"
    )


def test_feasibility_judges_by_the_minimum() -> None:
    fleet = uniform_fleet({"zz2": [(ASCEND.name, 2)]}, nodes_per_super_node=2)
    # Six replicas can never fit four servers, but the gang may start with four.
    assert feasibility(GangRequest("ml/e", 6, 8, min_replicas=4), fleet) is None
    assert placed(place(GangRequest("ml/e", 6, 8, min_replicas=4), fleet)).replicas == 4
    too_many = feasibility(GangRequest("ml/e", 6, 8, min_replicas=5), fleet)
    assert too_many is not None and too_many.reason == Reason.EXCEEDS_FLEET
    assert too_many.message == (
        "needs at least 40 cards (5 x 8, up to 6 replicas); the whole fleet of huawei-ascend-910b holds "
        "only 4 replicas of 8 cards"
    )
    # One super-node holds two servers: a required gang of at least two fits it, of at least three never.
    assert feasibility(GangRequest("ml/e", 4, 8, min_replicas=2, mode="required"), fleet) is None
    never = feasibility(GangRequest("ml/e", 4, 8, min_replicas=3, mode="required"), fleet)
    assert never is not None and never.reason == Reason.SCOPE_NEVER_SATISFIABLE
    assert "at least 24 cards (3 x 8, up to 4 replicas)" in never.message


@pytest.mark.parametrize("least", [0, 5, True])
def test_a_minimum_outside_one_to_replicas_is_an_invalid_request(least: int) -> None:
    answer = refused(place(GangRequest("ml/e", 4, 8, min_replicas=least), THREE_FREE))
    assert answer.reason == Reason.INVALID_REQUEST
    assert "gang.minAvailable must be an integer from 1 to replicas" in answer.message


def test_size_comes_before_the_job_s_order_of_card_models() -> None:
    # Ascend first in the job's order, but only one Ascend server is free; two Hygon servers are.
    fleet = uniform_fleet(
        {"zz1": [(HYGON.name, 1)], "zz2": [(ASCEND.name, 1)]},
        nodes_per_super_node=2,
        in_use={"zz2-sn00-n0": 8},
    )
    answer = placed(place(GangRequest("ml/e", 4, 8, models=(ASCEND.name, HYGON.name), min_replicas=1), fleet))
    assert (answer.card_model, answer.replicas) == (HYGON.name, 2)


def test_the_answer_does_not_depend_on_the_order_nodes_were_listed_in() -> None:
    nodes = list(THREE_FREE.nodes())
    request = GangRequest("ml/e", 4, 8, min_replicas=2)
    first = place(request, THREE_FREE)
    for seed in range(5):
        random.Random(seed).shuffle(nodes)
        assert place(request, FleetSnapshot.from_nodes(nodes, CATALOG)) == first


def test_a_queue_round_gives_an_elastic_gang_what_fits_in_its_turn() -> None:
    elastic = GangRequest("ml/elastic", 4, 8, min_replicas=2, created=0.0)
    behind = GangRequest("ml/behind", 1, 8, created=1.0)
    result = queue_round([behind, elastic], THREE_FREE, now=10.0)
    assert [(placement.key, placement.replicas) for placement in result.placed] == [("ml/elastic", 3)]
    assert result.waiting["ml/behind"].reason == Reason.INSUFFICIENT_CARDS


def test_an_elastic_gang_reserves_only_while_its_minimum_does_not_fit() -> None:
    # Only one Ascend server is free: a gang of at least two waits; past the bound it reserves Ascend.
    one_free = uniform_fleet(
        {"zz2": [(ASCEND.name, 2)]},
        nodes_per_super_node=2,
        in_use={"zz2-sn00-n0": 8, "zz2-sn00-n1": 8, "zz2-sn01-n0": 8},
    )
    starving = GangRequest("ml/elastic", 4, 8, min_replicas=2, created=0.0)
    small = GangRequest("ml/small", 1, 8, created=200.0)
    held = queue_round([starving, small], one_free, now=400.0, starvation_seconds=300.0)
    assert held.placed == ()
    assert held.reservations == {ASCEND.name: "ml/elastic"}
    assert held.waiting["ml/small"].reason == Reason.WAITING_FOR_RESERVATION
    # Once its minimum fits it is placed at once, at the size that fits, not held back to grow.
    two_free = uniform_fleet(
        {"zz2": [(ASCEND.name, 2)]}, nodes_per_super_node=2, in_use={"zz2-sn00-n0": 8, "zz2-sn00-n1": 8}
    )
    started = queue_round([starving, small], two_free, now=400.0, starvation_seconds=300.0)
    assert [(placement.key, placement.replicas) for placement in started.placed] == [("ml/elastic", 2)]
    assert started.reservations == {}


@st.composite
def elastic_gangs(draw: st.DrawFn) -> GangRequest:
    gang = draw(gangs())
    return replace(gang, min_replicas=draw(st.integers(1, gang.replicas)))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(snapshot=fleets(), request=elastic_gangs())
def test_the_size_placed_is_the_largest_that_fits_and_the_placement_is_that_size_s(
    snapshot: FleetSnapshot, request: GangRequest
) -> None:
    """Against the engine itself: size k fits, k + 1 does not, and the answer is the fixed gang of size k."""
    answer = place(request, snapshot)
    assert answer == place(request, snapshot)
    if isinstance(answer, Unschedulable):
        assert isinstance(place(request.sized(request.minimum), snapshot), Unschedulable)
        assert (feasibility(request, snapshot) is None) == (not answer.permanent)
        return
    size = answer.replicas
    assert request.minimum <= size <= request.replicas
    assert answer == place(request.sized(size), snapshot)
    if size < request.replicas:
        assert isinstance(place(request.sized(size + 1), snapshot), Unschedulable)
