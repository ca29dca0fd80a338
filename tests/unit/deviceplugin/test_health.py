from __future__ import annotations

from accelfleet.deviceplugin.health import parse_unhealthy_cards


def test_indices_are_read_with_spaces_and_empty_entries() -> None:
    parsed = parse_unhealthy_cards(" 0, 3,,7 ")
    assert parsed.indices == {0, 3, 7}
    assert parsed.rejected == ()


def test_no_annotation_means_all_healthy() -> None:
    assert parse_unhealthy_cards(None).indices == frozenset()
    assert parse_unhealthy_cards("").indices == frozenset()


def test_bad_entries_are_rejected_and_the_rest_kept() -> None:
    parsed = parse_unhealthy_cards("1,x,-2,4")
    assert parsed.indices == {1, 4}
    assert parsed.rejected == ("x", "-2")
