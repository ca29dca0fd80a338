"""The fleet at a glance: occupancy per platform and super-node, cards by model and health, waiting gangs.

Cards are counted the way the operator counts them (``snapshot_from_objects``): a pod holds its cards
from the moment it is pinned to a node until it finishes, so the picture matches what placement sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accelfleet.api.catalog import builtin_cards
from accelfleet.operator.jobs import card_models
from accelfleet.operator.objects import mapping, parse_time, sequence
from accelfleet.placement import CardModel, FleetSnapshot, NodeState, snapshot_from_objects

WAITING_PHASES = frozenset({"", "Pending"})


@dataclass(frozen=True, slots=True)
class CardCount:
    """Cards of one domain: ``total`` counts every card, ``unhealthy`` those the plugin reports bad,
    ``allocated`` those held by pods, ``unavailable`` the healthy free cards of nodes not Ready."""

    total: int = 0
    unhealthy: int = 0
    allocated: int = 0
    unavailable: int = 0

    @property
    def free(self) -> int:
        return max(0, self.total - self.unhealthy - self.allocated - self.unavailable)

    @property
    def occupancy(self) -> float:
        """Allocated share of the cards, 0..1 (0 for a domain without cards)."""
        return self.allocated / self.total if self.total else 0.0

    def plus(self, other: CardCount) -> CardCount:
        return CardCount(
            self.total + other.total,
            self.unhealthy + other.unhealthy,
            self.allocated + other.allocated,
            self.unavailable + other.unavailable,
        )


def node_count(node: NodeState) -> CardCount:
    unhealthy = max(0, node.capacity - node.allocatable)
    allocated = min(node.in_use, node.capacity)
    healthy_free = max(0, node.capacity - unhealthy - allocated)
    return CardCount(node.capacity, unhealthy, allocated, 0 if node.usable else healthy_free)


@dataclass(frozen=True, slots=True)
class SuperNodeCell:
    name: str
    models: tuple[str, ...]
    nodes: int
    cards: CardCount


@dataclass(frozen=True, slots=True)
class PlatformRow:
    name: str
    super_nodes: tuple[SuperNodeCell, ...]
    cards: CardCount


@dataclass(frozen=True, slots=True)
class ModelRow:
    model: str
    platforms: tuple[str, ...]
    nodes: int
    cards: CardCount


@dataclass(frozen=True, slots=True)
class WaitingGang:
    """An AIJob without a placement: why it waits (or why it never will, ``invalid``)."""

    namespace: str
    name: str
    cards: str
    priority: int
    waited_seconds: float | None
    reason: str
    message: str
    invalid: bool


@dataclass(frozen=True, slots=True)
class FleetView:
    platforms: tuple[PlatformRow, ...]
    models: tuple[ModelRow, ...]
    waiting: tuple[WaitingGang, ...]
    phases: Mapping[str, int]
    cards: CardCount
    nodes: int
    catalog_from_cluster: bool

    @property
    def empty(self) -> bool:
        return not self.platforms


def catalog_models(accelcards: Iterable[Mapping[str, Any]]) -> tuple[list[CardModel], bool]:
    """The cluster's AccelCards as placement models, or the built-in catalog when it has none."""
    models = card_models(accelcards)
    if models:
        return models, True
    return card_models(card.to_wire() for card in builtin_cards()), False


def _condition(conditions: object, kind: str) -> Mapping[str, Any]:
    return next((mapping(c) for c in sequence(conditions) if mapping(c).get("type") == kind), {})


def waiting_gang(job: Mapping[str, Any], now: datetime) -> WaitingGang | None:
    """The job's waiting story, or None when it has a placement or has finished."""
    status = mapping(job.get("status"))
    if str(status.get("phase") or "") not in WAITING_PHASES:
        return None
    metadata = mapping(job.get("metadata"))
    spec = mapping(job.get("spec"))
    valid = _condition(status.get("conditions"), "Valid")
    scheduled = _condition(status.get("conditions"), "Scheduled")
    invalid = valid.get("status") == "False"
    told = valid if invalid else scheduled
    created = parse_time(metadata.get("creationTimestamp"))
    priority = spec.get("priority")
    cards = status.get("cards") or f"{spec.get('replicas', '?')}x{spec.get('cardsPerReplica', '?')}"
    return WaitingGang(
        namespace=str(metadata.get("namespace") or ""),
        name=str(metadata.get("name") or ""),
        cards=str(cards),
        priority=priority if isinstance(priority, int) and not isinstance(priority, bool) else 0,
        waited_seconds=max(0.0, (now - created).total_seconds()) if created else None,
        reason=str(told.get("reason") or "NotSeenYet"),
        message=str(told.get("message") or status.get("message") or "the operator has not looked at it yet"),
        invalid=invalid,
    )


def _platform_rows(snapshot: FleetSnapshot) -> tuple[PlatformRow, ...]:
    cells: dict[str, list[SuperNodeCell]] = {}
    for (platform, name), super_node in snapshot.super_nodes.items():
        count = CardCount()
        for node in super_node.nodes:
            count = count.plus(node_count(node))
        models = tuple(sorted({node.card for node in super_node.nodes}))
        cells.setdefault(platform, []).append(SuperNodeCell(name, models, len(super_node.nodes), count))
    rows = []
    for platform in sorted(cells):
        members = tuple(sorted(cells[platform], key=lambda cell: cell.name))
        total = CardCount()
        for cell in members:
            total = total.plus(cell.cards)
        rows.append(PlatformRow(platform, members, total))
    return tuple(rows)


def _model_rows(snapshot: FleetSnapshot) -> tuple[ModelRow, ...]:
    counts: dict[str, CardCount] = {}
    platforms: dict[str, set[str]] = {}
    nodes: dict[str, int] = {}
    for node in snapshot.nodes():
        counts[node.card] = counts.get(node.card, CardCount()).plus(node_count(node))
        platforms.setdefault(node.card, set()).add(node.platform)
        nodes[node.card] = nodes.get(node.card, 0) + 1
    return tuple(
        ModelRow(model, tuple(sorted(platforms[model])), nodes[model], counts[model])
        for model in sorted(counts)
    )


def fleet_view(
    nodes: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
    accelcards: Iterable[Mapping[str, Any]],
    aijobs: Iterable[Mapping[str, Any]],
    now: datetime,
) -> FleetView:
    models, from_cluster = catalog_models(accelcards)
    snapshot = snapshot_from_objects(nodes, pods, models)
    platforms = _platform_rows(snapshot)
    total = CardCount()
    for row in platforms:
        total = total.plus(row.cards)
    phases: dict[str, int] = {}
    waiting = []
    for job in aijobs:
        phase = str(mapping(job.get("status")).get("phase") or "Pending")
        phases[phase] = phases.get(phase, 0) + 1
        gang = waiting_gang(job, now)
        if gang is not None:
            waiting.append(gang)
    waiting.sort(key=lambda gang: (gang.invalid, -gang.priority, -(gang.waited_seconds or 0.0), gang.name))
    return FleetView(
        platforms=platforms,
        models=_model_rows(snapshot),
        waiting=tuple(waiting),
        phases=phases,
        cards=total,
        nodes=sum(len(super_node.nodes) for super_node in snapshot.super_nodes.values()),
        catalog_from_cluster=from_cluster,
    )
