""" "Never possible on this fleet" versus "not now".

Feasibility is judged on the fleet's shape alone: every labelled node counted with all its cards, as
if every card were healthy, every node Ready and nothing running. A gang that fails here cannot be
helped by waiting (the operator sets ``Valid=False``); anything else that fails is a matter of cards in
use and clears by itself (the job stays ``Pending``). An elastic gang is judged by its minimum: a
fleet that can hold that many replicas can start it, however many it asked for at most.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from accelfleet.placement.fleet import FleetSnapshot, SuperNodeKey
from accelfleet.placement.matching import ModelChoice, join_limited, match_models
from accelfleet.placement.model import CardModel, GangRequest, Mode, Reason, Scope, Unschedulable

LEVEL_NAMES: Mapping[str, str] = {
    Scope.NODE: "node",
    Scope.SUPERNODE: "super-node",
    Scope.PLATFORM: "platform",
    Scope.ANY: "fleet",
}

_SCOPES = tuple(scope.value for scope in Scope)
_MODES = tuple(mode.value for mode in Mode)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(request: GangRequest) -> Unschedulable | None:
    """Input errors a schema may not have caught: every one becomes InvalidRequest, never an exception."""
    problems: list[str] = []
    if not _is_count(request.replicas) or request.replicas < 1:
        problems.append(f"replicas must be an integer >= 1, got {request.replicas!r}")
    if not _is_count(request.cards_per_replica) or request.cards_per_replica < 1:
        problems.append(f"cardsPerReplica must be an integer >= 1, got {request.cards_per_replica!r}")
    least = request.min_replicas
    if least is not None and (
        not _is_count(least) or least < 1 or (_is_count(request.replicas) and least > request.replicas)
    ):
        problems.append(f"gang.minAvailable must be an integer from 1 to replicas, got {least!r}")
    if request.scope not in _SCOPES:
        problems.append(f"topology scope must be one of {', '.join(Scope)}, got {request.scope!r}")
    if request.mode not in _MODES:
        problems.append(f"topology mode must be one of {', '.join(Mode)}, got {request.mode!r}")
    for label, figure in (
        ("minMemoryGiB", request.min_memory_gib),
        ("minTFLOPS.bf16", request.min_bf16_tflops),
    ):
        if figure is not None and (
            not isinstance(figure, int | float) or isinstance(figure, bool) or figure < 0
        ):
            problems.append(f"{label} must be a number >= 0, got {figure!r}")
    if not _is_count(request.priority):
        problems.append(f"priority must be an integer, got {request.priority!r}")
    if not isinstance(request.created, int | float) or isinstance(request.created, bool):
        problems.append(f"creation time must be a number, got {request.created!r}")
    if not isinstance(request.key, str):
        problems.append(f"key must be a string, got {request.key!r}")
    if problems:
        return Unschedulable(Reason.INVALID_REQUEST, "; ".join(problems))
    return None


@dataclass(frozen=True, slots=True)
class ModelShape:
    """How many replicas of the gang's size one model's nodes could hold if the fleet were empty."""

    model: CardModel
    largest_node: int
    fleet_slots: int
    best_domain_slots: int
    best_domain: str


def model_shape(
    snapshot: FleetSnapshot, model: CardModel, cards_per_replica: int, scope: str
) -> ModelShape | None:
    """The empty-fleet capacity of one model, or None when no node carries it."""
    keys = snapshot.model_super_nodes.get(model.name, ())
    if not keys:
        return None
    largest = 0
    fleet = 0
    per_platform: dict[str, int] = {}
    super_node_best = (0, "")
    for key in keys:
        super_node = snapshot.super_nodes[key]
        slots = 0
        for capacity, count in super_node.capacity_hist[model.name].items():
            largest = max(largest, capacity)
            slots += count * (capacity // cards_per_replica)
        fleet += slots
        per_platform[key[0]] = per_platform.get(key[0], 0) + slots
        if slots > super_node_best[0]:
            super_node_best = (slots, super_node.name)
    if scope == Scope.NODE:
        best = (largest // cards_per_replica, _first_node_with(snapshot, keys, model.name, largest))
    elif scope == Scope.SUPERNODE:
        best = super_node_best
    elif scope == Scope.PLATFORM:
        best = max(((slots, name) for name, slots in sorted(per_platform.items())), key=lambda item: item[0])
    else:
        best = (fleet, "the fleet")
    return ModelShape(model, largest, fleet, best[0], best[1])


def _first_node_with(
    snapshot: FleetSnapshot, keys: tuple[SuperNodeKey, ...], card: str, capacity: int
) -> str:
    for key in keys:
        if capacity in snapshot.super_nodes[key].capacity_hist[card]:
            for node in snapshot.super_nodes[key].nodes:
                if node.card == card and node.capacity == capacity:
                    return node.name
    return ""


def _stage(shape: ModelShape, request: GangRequest) -> int:
    """How far a model gets through the checks: 3 means it could hold the gang on an empty fleet."""
    if request.cards_per_replica > shape.largest_node:
        return 0
    if shape.fleet_slots < request.minimum:
        return 1
    if request.mode == Mode.REQUIRED and shape.best_domain_slots < request.minimum:
        return 2
    return 3


def replicas(count: int) -> str:
    return f"{count} replica" if count == 1 else f"{count} replicas"


def describe_gang(request: GangRequest, model: str = "") -> str:
    """The cards a gang needs, for messages; an elastic gang names its minimum and its most."""
    cards = f"{model} cards" if model else "cards"
    size = request.cards_per_replica
    if request.elastic:
        least = request.minimum
        return f"at least {least * size} {cards} ({least} x {size}, up to {request.replicas} replicas)"
    return f"{request.total_cards} {cards} ({request.replicas} x {size})"


def _refusal(request: GangRequest, stage: int, shapes: list[ModelShape]) -> Unschedulable:
    if stage == 0:
        best = max(shapes, key=lambda shape: shape.largest_node)
        return Unschedulable(
            Reason.REPLICA_EXCEEDS_NODE,
            f"needs {request.cards_per_replica} cards per replica on one node; the largest node "
            f"of {best.model.name} has {best.largest_node}",
        )
    if stage == 1:
        best = max(shapes, key=lambda shape: shape.fleet_slots)
        return Unschedulable(
            Reason.EXCEEDS_FLEET,
            f"needs {describe_gang(request)}; the whole fleet of {best.model.name} holds only "
            f"{replicas(best.fleet_slots)} of {request.cards_per_replica} cards",
        )
    level = LEVEL_NAMES[request.scope]
    best = max(shapes, key=lambda shape: shape.best_domain_slots)
    return Unschedulable(
        Reason.SCOPE_NEVER_SATISFIABLE,
        f"needs {describe_gang(request)} of {best.model.name} inside one {level}; the largest {level} holds "
        f"{replicas(best.best_domain_slots)} of {request.cards_per_replica}, on {best.best_domain}; "
        "use a wider scope or mode preferred",
    )


def feasible_models(request: GangRequest, snapshot: FleetSnapshot) -> tuple[CardModel, ...] | Unschedulable:
    """The candidate models that could hold the gang on this fleet, or the permanent reason none can."""
    invalid = validate(request)
    if invalid is not None:
        return invalid
    if not snapshot.super_nodes:
        return Unschedulable(
            Reason.EMPTY_FLEET, "the fleet has no nodes carrying cards of a known model (none to place on)"
        )
    choice = match_models(request, snapshot.models)
    if isinstance(choice, Unschedulable):
        return choice
    return _fitting(request, snapshot, choice)


def _fitting(
    request: GangRequest, snapshot: FleetSnapshot, choice: ModelChoice
) -> tuple[CardModel, ...] | Unschedulable:
    shapes: list[tuple[int, ModelShape]] = []
    for model in choice.candidates:
        shape = model_shape(snapshot, model, request.cards_per_replica, request.scope)
        if shape is not None:
            shapes.append((_stage(shape, request), shape))
    if not shapes:
        present = sorted(snapshot.model_super_nodes)
        wanted = join_limited(model.name for model in choice.candidates)
        return Unschedulable(
            Reason.NO_MATCHING_CARD_MODEL,
            f"no node carries a matching card model ({wanted}); the fleet has {join_limited(present)}",
        )
    fitting = tuple(shape.model for stage, shape in shapes if stage == 3)
    if fitting:
        return fitting
    furthest = max(stage for stage, _ in shapes)
    return _refusal(request, furthest, [shape for stage, shape in shapes if stage == furthest])


def feasibility(request: GangRequest, snapshot: FleetSnapshot) -> Unschedulable | None:
    """The permanent reason this gang can never be placed on this fleet, or None if it could be."""
    verdict = feasible_models(request, snapshot)
    return verdict if isinstance(verdict, Unschedulable) else None
