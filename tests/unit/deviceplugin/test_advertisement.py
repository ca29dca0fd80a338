from __future__ import annotations

from accelfleet.api.names import ANNOTATION_UNHEALTHY_CARDS, LABEL_CARD, LABEL_CARD_COUNT
from accelfleet.deviceplugin.advertisement import Advertisement, advertise, advertise_for_node
from accelfleet.deviceplugin.changes import describe_changes
from accelfleet.deviceplugin.profile import CardProfile
from tests.unit.deviceplugin.cards import ASCEND

CATALOG: dict[str, CardProfile | str] = {
    ASCEND.name: ASCEND,
    "broken-card": "invalid AccelCard (spec: missing)",
}


def node(count: str = "8", unhealthy: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    labels = {LABEL_CARD: ASCEND.name, LABEL_CARD_COUNT: count}
    annotations = {ANNOTATION_UNHEALTHY_CARDS: unhealthy} if unhealthy is not None else {}
    return labels, annotations


def test_labels_and_annotation_give_cards_and_health() -> None:
    labels, annotations = node(unhealthy="0,3")
    result = advertise_for_node("n1", labels, annotations, CATALOG)
    assert result.problem is None
    assert result.resource_name == "huawei.com/Ascend910"
    assert len(result.cards) == 8
    assert result.healthy_count() == 6
    assert dict(result.device_health())["huawei-ascend-910b-3"] == "Unhealthy"


def test_bad_health_entries_are_ignored_with_a_note() -> None:
    result = advertise(ASCEND, 4, "1,x,9")
    assert result.unhealthy == {1}
    assert result.health_problem is not None
    assert "x, 9" in result.health_problem


def test_missing_node_or_labels_advertise_nothing_with_a_reason() -> None:
    assert advertise_for_node("n1", None, {}, CATALOG) == Advertisement(problem="node n1 not found")
    result = advertise_for_node("n1", {}, {}, CATALOG)
    assert result.cards == ()
    assert result.profile is None
    assert result.problem is not None
    assert LABEL_CARD in result.problem


def test_unknown_or_invalid_card_advertises_nothing() -> None:
    unknown = advertise_for_node("n1", {LABEL_CARD: "no-such-card", LABEL_CARD_COUNT: "8"}, {}, CATALOG)
    assert unknown.cards == ()
    assert unknown.problem is not None
    assert "unknown AccelCard 'no-such-card'" in unknown.problem
    broken = advertise_for_node("n1", {LABEL_CARD: "broken-card", LABEL_CARD_COUNT: "8"}, {}, CATALOG)
    assert broken.problem is not None
    assert "invalid AccelCard" in broken.problem


def test_a_missing_catalog_is_named_as_the_reason() -> None:
    labels, annotations = node()
    result = advertise_for_node("n1", labels, annotations, {}, "the AccelCard resource is not installed")
    assert result.problem is not None
    assert "not installed" in result.problem


def test_non_numeric_count_keeps_the_resource_but_no_cards() -> None:
    labels, annotations = node(count="eight")
    result = advertise_for_node("n1", labels, annotations, CATALOG)
    assert result.resource_name == "huawei.com/Ascend910"
    assert result.cards == ()
    assert result.problem is not None
    assert LABEL_CARD_COUNT in result.problem


def test_changes_are_described_once() -> None:
    healthy = advertise(ASCEND, 8, None)
    one_bad = advertise(ASCEND, 8, "2")
    assert describe_changes(Advertisement(), healthy) == [
        "advertising 8 huawei-ascend-910b cards as huawei.com/Ascend910"
    ]
    assert describe_changes(healthy, one_bad) == ["card huawei-ascend-910b-2 is Unhealthy"]
    assert describe_changes(one_bad, one_bad) == []
    assert describe_changes(one_bad, healthy) == ["card huawei-ascend-910b-2 is Healthy again"]
    broken = Advertisement(problem="node n1 has no label")
    assert describe_changes(healthy, broken) == ["advertising no cards: node n1 has no label"]
    assert describe_changes(broken, broken) == []
    assert describe_changes(broken, healthy) == [
        "advertising 8 huawei-ascend-910b cards as huawei.com/Ascend910",
        "resolved: node n1 has no label",
    ]
