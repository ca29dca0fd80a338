"""One queue round: which pending gangs to place now, in what order, and why the others wait.

Gangs go in order of priority (higher first), then age (older first), then key. Each one is placed
on the snapshot left by the gangs before it, so a round never promises a card twice.

Anti-starvation rule: reservation after a wait bound. A gang that does not fit may be overtaken by
smaller gangs behind it (backfill keeps cards busy), but once it has waited ``starvation_seconds``
and still does not fit, it reserves its card models: no gang after it in the order is placed on those
models until it is placed. Running gangs finish, their cards stay free, and the reserving gang's
placement is eventually found; gangs on other card models keep flowing. Priority stays absolute: a
gang of higher priority is ahead in the order and is never held back by a reservation.

An elastic gang (``min_replicas`` below ``replicas``) counts by its minimum: it waits, and after the
bound reserves, only while not even its minimum fits, and it is placed, at the largest size that fits
then, as soon as its minimum does. A reservation never holds models back so that it can grow toward its
most; in its turn in the order it takes as many replicas as fit, up to its most.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from accelfleet.placement.apply import apply
from accelfleet.placement.feasibility import feasible_models, validate
from accelfleet.placement.fleet import FleetSnapshot
from accelfleet.placement.matching import join_limited
from accelfleet.placement.model import GangRequest, Placement, Reason, Unschedulable
from accelfleet.placement.search import place_on

DEFAULT_STARVATION_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class RoundResult:
    """Placements in decision order, the reasons of every gang left waiting, the snapshot after them,
    and which card models are reserved for which gang (model -> gang key)."""

    placed: tuple[Placement, ...]
    waiting: Mapping[str, Unschedulable]
    snapshot: FleetSnapshot
    reservations: Mapping[str, str]


def queue_order(gangs: Iterable[GangRequest]) -> list[GangRequest]:
    """Priority first (higher earlier), then creation (older earlier), then key."""
    return sorted(gangs, key=lambda gang: (-gang.priority, gang.created, gang.key))


def queue_round(
    pending: Iterable[GangRequest],
    snapshot: FleetSnapshot,
    *,
    now: float,
    starvation_seconds: float = DEFAULT_STARVATION_SECONDS,
) -> RoundResult:
    """Decide one round. ``now`` is on the same clock as ``GangRequest.created``."""
    waiting: dict[str, Unschedulable] = {}
    valid: list[GangRequest] = []
    for gang in pending:
        invalid = validate(gang)
        if invalid is None:
            valid.append(gang)
        else:
            waiting[gang.key] = invalid
    placed: list[Placement] = []
    reserved: dict[str, GangRequest] = {}
    for gang in queue_order(valid):
        models = feasible_models(gang, snapshot)
        if isinstance(models, Unschedulable):
            waiting[gang.key] = models
            continue
        open_models = [model for model in models if model.name not in reserved]
        if not open_models:
            holder = reserved[models[0].name]
            waiting[gang.key] = Unschedulable(
                Reason.WAITING_FOR_RESERVATION,
                f"{join_limited(model.name for model in models)} cards are reserved for {holder.key}, "
                f"waiting for {max(0.0, now - holder.created):.0f} s; this gang is placed after it",
            )
            continue
        answer = place_on(gang, snapshot, open_models)
        if isinstance(answer, Placement):
            snapshot = apply(snapshot, answer)
            placed.append(answer)
            continue
        waiting[gang.key] = answer
        if now - gang.created >= starvation_seconds:
            for model in models:
                reserved.setdefault(model.name, gang)
    return RoundResult(
        placed=tuple(placed),
        waiting=waiting,
        snapshot=snapshot,
        reservations={name: gang.key for name, gang in reserved.items()},
    )
