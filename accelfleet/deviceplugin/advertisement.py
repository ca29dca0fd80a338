"""What the plugin should advertise, decided from the Node and the catalog alone.

Bad input (no labels, an unknown AccelCard, a count that is not a number) never raises: it gives an
advertisement of zero cards with a ``problem`` a human can act on, so the plugin keeps running and
recovers by itself once the Node is fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from accelfleet.api.names import ANNOTATION_UNHEALTHY_CARDS, LABEL_CARD, LABEL_CARD_COUNT
from accelfleet.deviceplugin.health import parse_unhealthy_cards
from accelfleet.deviceplugin.inventory import Card, build_inventory, parse_card_count
from accelfleet.deviceplugin.profile import CardProfile

HEALTHY = "Healthy"
UNHEALTHY = "Unhealthy"


@dataclass(frozen=True)
class Advertisement:
    """The cards to list in ListAndWatch, for the resource of ``profile`` (None: nothing known yet)."""

    profile: CardProfile | None = None
    cards: tuple[Card, ...] = ()
    unhealthy: frozenset[int] = frozenset()
    problem: str | None = None
    health_problem: str | None = None

    @property
    def resource_name(self) -> str | None:
        return self.profile.resource_name if self.profile else None

    def device_health(self) -> list[tuple[str, str]]:
        return [(card.id, UNHEALTHY if card.index in self.unhealthy else HEALTHY) for card in self.cards]

    def healthy_count(self) -> int:
        return sum(1 for card in self.cards if card.index not in self.unhealthy)


def advertise(profile: CardProfile, count: int, unhealthy_value: str | None) -> Advertisement:
    """``count`` cards of ``profile`` with health from an ``unhealthy-cards`` style value."""
    cards = build_inventory(profile, count)
    parsed = parse_unhealthy_cards(unhealthy_value)
    ignored = list(parsed.rejected) + [str(i) for i in sorted(parsed.indices) if i >= count]
    health_problem = None
    if ignored:
        health_problem = (
            f"ignored unhealthy-card entries {', '.join(ignored)} "
            f"(expected card indices 0..{count - 1}, comma-separated)"
        )
    return Advertisement(
        profile=profile,
        cards=cards,
        unhealthy=frozenset(i for i in parsed.indices if i < count),
        health_problem=health_problem,
    )


def advertise_for_node(
    node_name: str,
    labels: Mapping[str, str] | None,
    annotations: Mapping[str, str],
    catalog: Mapping[str, CardProfile | str],
    catalog_problem: str | None = None,
) -> Advertisement:
    """From the Node's labels and annotation; ``catalog`` maps AccelCard names to a profile or to why it is invalid.

    ``labels`` is None when the Node does not exist; ``catalog_problem`` says why there is no catalog at all.
    """
    if labels is None:
        return Advertisement(problem=f"node {node_name} not found")
    card_name = labels.get(LABEL_CARD)
    if not card_name:
        return Advertisement(problem=f"node {node_name} has no label {LABEL_CARD}")
    entry = catalog.get(card_name)
    if entry is None and catalog_problem:
        return Advertisement(problem=f"node {node_name}: AccelCard {card_name!r}: {catalog_problem}")
    if entry is None:
        return Advertisement(
            problem=f"node {node_name}: unknown AccelCard {card_name!r} (label {LABEL_CARD})"
        )
    if isinstance(entry, str):
        return Advertisement(problem=f"node {node_name}: AccelCard {card_name!r}: {entry}")
    try:
        count = parse_card_count(labels.get(LABEL_CARD_COUNT))
    except ValueError as err:
        return Advertisement(profile=entry, problem=f"node {node_name}: label {LABEL_CARD_COUNT}: {err}")
    return advertise(entry, count, annotations.get(ANNOTATION_UNHEALTHY_CARDS))
