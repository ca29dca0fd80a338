from __future__ import annotations

from accelfleet.deviceplugin.inventory import build_inventory
from accelfleet.deviceplugin.preferred import preferred_allocation
from tests.unit.deviceplugin.cards import ASCEND, HYGON

CARDS = build_inventory(ASCEND, 8)  # link groups 0-3 and 4-7
IDS = [card.id for card in CARDS]


def ids(*indices: int) -> list[str]:
    return [IDS[i] for i in indices]


def test_a_container_stays_inside_one_link_group() -> None:
    assert preferred_allocation(CARDS, IDS, [], 4) in (ids(0, 1, 2, 3), ids(4, 5, 6, 7))


def test_the_group_that_still_fits_is_chosen() -> None:
    available = ids(0, 2, 3, 4, 5, 6, 7)
    assert preferred_allocation(CARDS, available, [], 4) == ids(4, 5, 6, 7)


def test_best_fit_keeps_whole_groups_free() -> None:
    # Group 0 has one card left: a one-card container takes it rather than breaking up group 1.
    assert preferred_allocation(CARDS, ids(3, 4, 5, 6, 7), [], 1) == ids(3)


def test_must_include_is_honoured_and_completed_in_its_group() -> None:
    assert preferred_allocation(CARDS, IDS, ids(5), 3) == ids(5, 4, 6)


def test_spanning_groups_when_no_single_group_fits() -> None:
    chosen = preferred_allocation(CARDS, ids(1, 2, 3, 5, 6, 7), [], 5)
    assert len(chosen) == 5
    assert len(set(chosen)) == 5
    assert set(chosen) <= set(ids(1, 2, 3, 5, 6, 7))


def test_whole_node_request() -> None:
    assert sorted(preferred_allocation(CARDS, IDS, [], 8)) == sorted(IDS)


def test_unknown_ids_are_never_returned_and_shortage_returns_what_exists() -> None:
    assert preferred_allocation(CARDS, [*ids(0, 1), "other-9"], [], 4) == ids(0, 1)


def test_deterministic_regardless_of_input_order() -> None:
    forward = preferred_allocation(CARDS, IDS, [], 2)
    backward = preferred_allocation(CARDS, list(reversed(IDS)), [], 2)
    assert forward == backward == ids(0, 1)


def test_cards_without_link_groups_are_taken_in_index_order() -> None:
    cards = build_inventory(HYGON, 4)
    assert preferred_allocation(cards, [c.id for c in reversed(cards)], [], 2) == [cards[0].id, cards[1].id]
