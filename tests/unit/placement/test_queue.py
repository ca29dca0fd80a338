"""A queue round: priority, then age; backfill while a big gang is young; a reservation once it starves."""

from __future__ import annotations

from accelfleet.placement import GangRequest, Reason, queue_order, queue_round
from tests.unit.placement.fleets import ASCEND, HYGON, uniform_fleet

# Two platforms of one super-node, 4 servers of 8 cards each; half of each is busy.
BUSY = {"zz1-sn00-n0": 8, "zz1-sn00-n1": 8, "zz2-sn00-n0": 8, "zz2-sn00-n1": 8}
FLEET = uniform_fleet(
    {"zz1": [(HYGON.name, 1)], "zz2": [(ASCEND.name, 1)]}, nodes_per_super_node=4, in_use=BUSY
)
BIG = GangRequest("ml/big", 4, 8, models=(HYGON.name,), created=0.0)
SMALL = GangRequest("ml/small", 1, 8, models=(HYGON.name,), created=10.0)
OTHER = GangRequest("ml/other", 1, 8, models=(ASCEND.name,), created=20.0)


def test_order_is_priority_then_age_then_key() -> None:
    gangs = [
        GangRequest("b", 1, 1, created=5.0),
        GangRequest("a", 1, 1, created=5.0),
        GangRequest("old", 1, 1, created=1.0),
        GangRequest("urgent", 1, 1, priority=10, created=9.0),
    ]
    assert [gang.key for gang in queue_order(gangs)] == ["urgent", "old", "a", "b"]


def test_higher_priority_takes_the_cards_first() -> None:
    late_but_urgent = GangRequest("ml/urgent", 2, 8, models=(HYGON.name,), priority=5, created=99.0)
    early = GangRequest("ml/early", 2, 8, models=(HYGON.name,), created=1.0)
    result = queue_round([early, late_but_urgent], FLEET, now=100.0)
    assert [placement.key for placement in result.placed] == ["ml/urgent"]
    assert result.waiting["ml/early"].reason == Reason.INSUFFICIENT_CARDS


def test_a_young_big_gang_lets_smaller_gangs_backfill() -> None:
    result = queue_round([BIG, SMALL, OTHER], FLEET, now=60.0, starvation_seconds=300.0)
    assert [placement.key for placement in result.placed] == ["ml/small", "ml/other"]
    assert result.waiting["ml/big"].reason == Reason.INSUFFICIENT_CARDS
    assert result.reservations == {}


def test_a_starving_gang_reserves_its_card_model_but_other_models_keep_flowing() -> None:
    result = queue_round([BIG, SMALL, OTHER], FLEET, now=400.0, starvation_seconds=300.0)
    assert [placement.key for placement in result.placed] == ["ml/other"]
    assert result.reservations == {HYGON.name: "ml/big"}
    held = result.waiting["ml/small"]
    assert held.reason == Reason.WAITING_FOR_RESERVATION
    assert not held.permanent
    assert "reserved for ml/big" in held.message


def test_once_running_cards_free_up_the_starving_gang_is_placed() -> None:
    drained = uniform_fleet({"zz1": [(HYGON.name, 1)], "zz2": [(ASCEND.name, 1)]}, nodes_per_super_node=4)
    result = queue_round([BIG, SMALL], drained, now=400.0, starvation_seconds=300.0)
    assert [placement.key for placement in result.placed] == ["ml/big"]
    assert result.waiting["ml/small"].reason == Reason.INSUFFICIENT_CARDS


def test_gangs_that_can_never_fit_get_permanent_reasons_and_reserve_nothing() -> None:
    never = GangRequest("ml/never", 9, 8, models=(HYGON.name,), created=0.0)
    invalid = GangRequest("ml/invalid", 0, 8)
    result = queue_round([never, invalid, SMALL], FLEET, now=1000.0, starvation_seconds=1.0)
    assert result.waiting["ml/never"].reason == Reason.EXCEEDS_FLEET
    assert result.waiting["ml/invalid"].reason == Reason.INVALID_REQUEST
    assert [placement.key for placement in result.placed] == ["ml/small"]
    assert result.reservations == {}


def test_the_round_returns_the_snapshot_with_every_placement_applied() -> None:
    result = queue_round([SMALL, OTHER], FLEET, now=0.0)
    used = {name for placement in result.placed for name in placement.replica_nodes}
    for name in used:
        node = result.snapshot.node(name)
        assert node is not None
        assert node.free == 0
    assert sum(node.in_use for node in result.snapshot.nodes()) == sum(BUSY.values()) + 16
