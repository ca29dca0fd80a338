"""Link-group model: taken cards packed into the first groups, free cards left in whole groups."""

from __future__ import annotations

import pytest

from accelfleet.placement.linkgroups import group_free_cards, link_slots


@pytest.mark.parametrize(
    ("capacity", "group", "free", "groups"),
    [
        (8, 4, 8, (4, 4)),
        (8, 4, 5, (1, 4)),
        (8, 4, 3, (0, 3)),
        (8, None, 6, (6,)),
        (8, 16, 6, (6,)),
        (8, 0, 6, (6,)),
        (10, 4, 10, (4, 4, 2)),
        (16, 8, 9, (1, 8)),
        (0, 4, 0, ()),
    ],
)
def test_groups_fill_in_order(capacity: int, group: int | None, free: int, groups: tuple[int, ...]) -> None:
    assert group_free_cards(capacity, group, free) == groups


def test_replicas_inside_one_group_and_replicas_larger_than_a_group() -> None:
    assert link_slots(8, 4, 8, 4) == 2
    assert link_slots(8, 4, 6, 3) == 1
    assert link_slots(8, 4, 7, 3) == 2
    assert link_slots(16, 8, 16, 16) == 1
    assert link_slots(8, 4, 8, 0) == 0
