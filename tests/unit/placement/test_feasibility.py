"""Never possible versus not now, and bad input that must come back as a reason, never an exception."""

from __future__ import annotations

import pytest

from accelfleet.placement import (
    FleetSnapshot,
    GangRequest,
    Reason,
    Unschedulable,
    feasibility,
    place,
)
from tests.unit.placement.fleets import ASCEND, CATALOG, HYGON, METAX, uniform_fleet

FLEET = uniform_fleet(
    {"zz1": [(HYGON.name, 2)], "zz2": [(ASCEND.name, 2)]},
    nodes_per_super_node=4,
)
# Half of every super-node busy: enough free cards for 4 x 8 in each platform, but in no single super-node.
HALF_BUSY = uniform_fleet(
    {"zz1": [(HYGON.name, 2)], "zz2": [(ASCEND.name, 2)]},
    nodes_per_super_node=4,
    in_use={node.name: 8 for node in FLEET.nodes() if node.name.endswith(("-n0", "-n1"))},
)


def refusal(request: GangRequest, fleet: FleetSnapshot = FLEET) -> Unschedulable:
    answer = place(request, fleet)
    assert isinstance(answer, Unschedulable), answer
    assert feasibility(request, fleet) == (answer if answer.permanent else None)
    return answer


@pytest.mark.parametrize(
    ("request_", "reason", "words"),
    [
        (
            GangRequest("a", 1, 8, models=("nvidia-h100",)),
            Reason.UNKNOWN_CARD_MODEL,
            "unknown card model 'nvidia-h100'",
        ),
        (GangRequest("a", 1, 8, min_memory_gib=80), Reason.NO_MATCHING_CARD_MODEL, "memory 64 GiB < 80"),
        (
            GangRequest("a", 1, 8, models=(METAX.name,)),
            Reason.NO_MATCHING_CARD_MODEL,
            "no node carries a matching card model (metax-c500)",
        ),
        (GangRequest("a", 1, 16), Reason.REPLICA_EXCEEDS_NODE, "needs 16 cards per replica on one node"),
        (GangRequest("a", 9, 8, models=(HYGON.name,)), Reason.EXCEEDS_FLEET, "holds only 8 replicas of 8"),
        (
            GangRequest("a", 5, 8, mode="required"),
            Reason.SCOPE_NEVER_SATISFIABLE,
            "the largest super-node holds 4 replicas of 8",
        ),
        (
            GangRequest("a", 2, 8, scope="node", mode="required"),
            Reason.SCOPE_NEVER_SATISFIABLE,
            "inside one node",
        ),
    ],
)
def test_what_can_never_fit_this_fleet_is_permanent(
    request_: GangRequest, reason: Reason, words: str
) -> None:
    answer = refusal(request_)
    assert answer.reason == reason
    assert answer.permanent
    assert words in answer.message


def test_the_same_gang_on_a_full_fleet_only_waits() -> None:
    answer = refusal(GangRequest("a", 4, 8, mode="required"), HALF_BUSY)
    assert answer.reason == Reason.TOPOLOGY_CONSTRAINT
    assert not answer.permanent
    assert feasibility(GangRequest("a", 4, 8, mode="required"), HALF_BUSY) is None


def test_unhealthy_and_unready_cards_still_count_for_what_the_fleet_could_hold() -> None:
    fleet = FleetSnapshot.from_nodes(
        [
            node.__class__(node.name, node.platform, node.super_node, node.card, 8, 0, usable=False)
            for node in FLEET.nodes()
        ],
        CATALOG,
    )
    assert feasibility(GangRequest("a", 8, 8, models=(HYGON.name,)), fleet) is None
    assert refusal(GangRequest("a", 8, 8, models=(HYGON.name,)), fleet).reason == Reason.INSUFFICIENT_CARDS


@pytest.mark.parametrize(
    "request_",
    [
        GangRequest("a", -1, 8),
        GangRequest("a", 0, 8),
        GangRequest("a", 2, -8),
        GangRequest("a", True, 8),
        GangRequest("a", 2.5, 8),  # type: ignore[arg-type]
        GangRequest("a", "2", 8),  # type: ignore[arg-type]
        GangRequest("a", 2, 8, scope="rack"),
        GangRequest("a", 2, 8, mode="strict"),
        GangRequest("a", 2, 8, min_memory_gib=-1),
        GangRequest("a", 2, 8, min_bf16_tflops="many"),  # type: ignore[arg-type]
        GangRequest("a", 2, 8, priority=None),  # type: ignore[arg-type]
        GangRequest("a", 2, 8, created="yesterday"),  # type: ignore[arg-type]
        GangRequest("a", 2, 8, scope=["node"]),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_an_invalid_request_not_an_exception(request_: GangRequest) -> None:
    answer = refusal(request_)
    assert answer.reason == Reason.INVALID_REQUEST
    assert answer.permanent
    assert "\n" not in answer.message


def test_an_empty_fleet_or_catalog_is_answered() -> None:
    empty = FleetSnapshot.from_nodes([], CATALOG)
    assert refusal(GangRequest("a", 1, 1), empty).reason == Reason.EMPTY_FLEET
    no_catalog = FleetSnapshot.from_nodes(list(FLEET.nodes()), [])
    assert refusal(GangRequest("a", 1, 1), no_catalog).reason == Reason.EMPTY_FLEET
    assert no_catalog.ignored_nodes == tuple(sorted(node.name for node in FLEET.nodes()))


def test_huge_gangs_are_refused_quickly_without_overflow() -> None:
    answer = refusal(GangRequest("a", 10**12, 10**6))
    assert answer.reason == Reason.REPLICA_EXCEEDS_NODE
    assert refusal(GangRequest("a", 10**12, 1)).reason == Reason.EXCEEDS_FLEET
