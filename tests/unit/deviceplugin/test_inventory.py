from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accelfleet.deviceplugin.inventory import MAX_DEVICE_ID, build_inventory, device_id, parse_card_count
from tests.unit.deviceplugin.cards import ASCEND, HYGON


def test_cards_get_stable_ids_and_link_groups() -> None:
    cards = build_inventory(ASCEND, 8)
    assert [c.id for c in cards] == [f"huawei-ascend-910b-{i}" for i in range(8)]
    assert [c.link_group for c in cards] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert build_inventory(ASCEND, 8) == cards


def test_without_a_link_group_size_all_cards_share_one_group() -> None:
    assert {c.link_group for c in build_inventory(HYGON, 8)} == {0}


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=253), st.integers(0, 1023)
)
def test_device_ids_fit_the_kubelet_limit_and_stay_distinct(name: str, index: int) -> None:
    identifier = device_id(name, index)
    assert len(identifier) <= MAX_DEVICE_ID
    assert identifier.endswith(f"-{index}")
    assert device_id(name, index) == identifier
    assert device_id(name + "x", index) != identifier


def test_long_names_are_shortened_but_remain_distinct() -> None:
    a = device_id("a" * 100 + "-one", 3)
    b = device_id("a" * 100 + "-two", 3)
    assert a != b
    assert len(a) <= MAX_DEVICE_ID


@pytest.mark.parametrize(("text", "count"), [("8", 8), (" 16 ", 16), ("0", 0)])
def test_card_count_label_is_read(text: str, count: int) -> None:
    assert parse_card_count(text) == count


@pytest.mark.parametrize("text", [None, "", "eight", "-1", "2.5", "99999"])
def test_bad_card_counts_are_refused_with_a_reason(text: str | None) -> None:
    with pytest.raises(ValueError, match="card count"):
        parse_card_count(text)
