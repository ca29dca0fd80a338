"""One reconcile round over the whole mirrored cluster: validation, gangs, the queue, fleet status.

Pure: the mirrored objects and the time in, a ``RoundPlan`` out. Cards taken are derived from pods
plus the recorded placements of gangs whose pods do not all exist yet, so a placement decided by a
previous operator process (killed before creating its pods) still holds its cards.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from accelfleet.api.aijob import AIJobSpec
from accelfleet.api.names import LABEL_HOSTNAME, LABEL_JOB
from accelfleet.operator import names
from accelfleet.operator.conditions import find, set_condition
from accelfleet.operator.gang import (
    ACTIVE_PHASES,
    TERMINAL_PHASES,
    Fault,
    Fleet,
    advance,
    owned_by,
    pods_progress,
    release,
    replica_nodes,
    requested_cards,
    split_pods,
    timeout_deadline,
    with_size,
)
from accelfleet.operator.jobs import JobView, card_models, gang_request, job_view
from accelfleet.operator.manifests import gang_pod, headless_service
from accelfleet.operator.objects import (
    Obj,
    format_time,
    is_deleting,
    labels_of,
    mapping,
    name_of,
    namespace_of,
    node_ready,
    pod_finished,
    pod_pinned_node,
    sequence,
    uid_of,
)
from accelfleet.operator.plan import EventNote, JobAction, RoundPlan
from accelfleet.operator.tallies import accelcard_statuses, card_rows, platform_statuses
from accelfleet.placement import (
    DEFAULT_STARVATION_SECONDS,
    CardModel,
    GangRequest,
    Placement,
    feasibility,
    queue_round,
)
from accelfleet.placement.kube import snapshot_from_objects


@dataclass(frozen=True, slots=True)
class World:
    """The mirrored cluster: every object as last seen, keyed like the API keys them."""

    jobs: Mapping[tuple[str, str], Obj]
    pods: Mapping[tuple[str, str], Obj]
    nodes: Mapping[str, Obj]
    accelcards: Mapping[str, Obj]
    platforms: Mapping[str, Obj]
    refused: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """Jobs whose pods the API refused to create in the last round (422), with its message."""


def pods_by_job(pods: Iterable[Obj]) -> dict[tuple[str, str], list[Obj]]:
    grouped: dict[tuple[str, str], list[Obj]] = {}
    for pod in pods:
        job = labels_of(pod).get(LABEL_JOB)
        if isinstance(job, str) and job:
            grouped.setdefault((namespace_of(pod), job), []).append(pod)
    return grouped


def reservations(job: JobView, spec: AIJobSpec, pods: Sequence[Obj], fleet: Fleet) -> dict[str, int]:
    """Cards a placed gang holds on each node beyond those its existing pods already count."""
    ranks = replica_nodes(mapping(job.status.get("placement")))
    current, _ = split_pods(job, pods, ranks, int(job.status.get("restarts") or 0), fleet)
    held: dict[str, int] = {}
    for index, node in ranks.items():
        if index not in current:
            held[node] = held.get(node, 0) + spec.cards_per_replica
    return held


_DIGITS = re.compile(r"\d+(\.\d+)?")


def _story(status: Mapping[str, Any]) -> dict[str, Any]:
    """The status with the figures of its messages blanked: seconds waited or cards free that change
    from round to round are not worth a write while the reason stays the same."""

    def blank(value: object) -> object:
        return _DIGITS.sub("#", value) if isinstance(value, str) else value

    story = {**status, "message": blank(status.get("message"))}
    story["conditions"] = [
        {**mapping(c), "message": blank(mapping(c).get("message"))}
        for c in sequence(status.get("conditions"))
    ]
    return story


def _pending_status(job: JobView, spec: AIJobSpec | None) -> dict[str, Any]:
    status = dict(job.status)
    status["phase"] = "Pending"
    status["observedGeneration"] = job.generation
    status.setdefault("restarts", 0)
    status.setdefault("readyReplicas", 0)
    if spec is not None:
        status["cards"] = requested_cards(spec)
    status["conditions"] = [dict(mapping(c)) for c in status.get("conditions") or []]
    return status


def _finish(job: JobView, status: dict[str, Any], events: tuple[EventNote, ...]) -> JobAction:
    same = _story(status) == _story(job.status)
    return JobAction(job=job, status=None if same else status, events=events)


def invalid(job: JobView, spec: AIJobSpec | None, reason: str, message: str, stamp: str) -> JobAction:
    status = _pending_status(job, spec)
    before = find(status["conditions"], names.COND_VALID)
    conditions = set_condition(
        status["conditions"], names.COND_VALID, False, reason, message, stamp, job.generation
    )
    conditions = set_condition(conditions, names.COND_SCHEDULED, False, reason, message, stamp)
    status.update(conditions=conditions, message=message)
    fresh = before is None or before.get("status") != "False" or before.get("reason") != reason
    events = (EventNote("Warning", names.REASON_INVALID, f"{reason}: {message}"),) if fresh else ()
    return _finish(job, status, events)


def _judged_valid(job: JobView, status: Mapping[str, Any], stamp: str) -> list[dict[str, Any]]:
    """The status's conditions with Valid=True for this generation: the fleet can hold the gang."""
    return set_condition(
        status["conditions"],
        names.COND_VALID,
        True,
        names.REASON_VALID,
        "the fleet can hold this gang",
        stamp,
        job.generation,
    )


def waiting(job: JobView, spec: AIJobSpec, reason: str, message: str, stamp: str) -> JobAction:
    status = _pending_status(job, spec)
    before = find(status["conditions"], names.COND_SCHEDULED)
    conditions = _judged_valid(job, status, stamp)
    conditions = set_condition(conditions, names.COND_SCHEDULED, False, reason, message, stamp)
    status.update(conditions=conditions, message=message)
    fresh = before is None or before.get("reason") != reason
    events = (EventNote("Normal", names.REASON_UNSCHEDULABLE, f"{reason}: {message}"),) if fresh else ()
    return _finish(job, status, events)


def placed(job: JobView, spec: AIJobSpec, placement: Placement, fleet: Fleet, stamp: str) -> JobAction:
    """Record the placement; the pods follow in the same round once the record is written.

    The placement's size is the gang's for as long as it stands: ranks ``0 .. size - 1`` get pods and
    every pod's world size is that size (for an elastic gang, anywhere from its minimum to replicas).
    """
    status = _pending_status(job, spec)
    size = placement.replicas
    where = ", ".join(f"{node.name} ({len(node.replicas)})" for node in placement.nodes)
    message = with_size(
        f"placed {size} x {spec.cards_per_replica} {placement.card_model} cards on "
        f"{placement.platform}, super-nodes {', '.join(placement.super_nodes)}: {where}",
        spec,
        size,
    )
    conditions = _judged_valid(job, status, stamp)
    conditions = set_condition(conditions, names.COND_SCHEDULED, True, names.REASON_PLACED, message, stamp)
    progress = pods_progress(placement.platform, 0, size)
    conditions = set_condition(
        conditions, names.COND_RUNNING, False, names.REASON_WAITING_FOR_PODS, progress, stamp
    )
    status.update(
        phase="Scheduled",
        cardModel=placement.card_model,
        placement=placement.to_status(),
        cards=f"{size}x{spec.cards_per_replica}",
        conditions=conditions,
        message=progress,
        readyReplicas=0,
    )
    attempt = int(status.get("restarts") or 0)
    creates = tuple(
        gang_pod(
            job,
            spec.template,
            index=index,
            replicas=size,
            node=fleet.hostname(node),
            card_model=placement.card_model,
            resource_name=placement.resource_name,
            cards_per_replica=spec.cards_per_replica,
            attempt=attempt,
        )
        for index, node in enumerate(placement.replica_nodes)
    )
    return JobAction(
        job=job,
        status=status,
        create=creates,
        service=headless_service(job),
        events=(EventNote("Normal", names.REASON_PLACED, message),),
    )


def orphans(world: World) -> list[tuple[str, str, str]]:
    """Pods of AIJobs that no longer exist: deleted at once so their cards free up without waiting
    for the garbage collector."""
    uids = {uid_of(job) for job in world.jobs.values()}
    found = []
    for pod in world.pods.values():
        refs = [
            mapping(ref)
            for ref in sequence(mapping(pod.get("metadata")).get("ownerReferences"))
            if mapping(ref).get("kind") == "AIJob" and mapping(ref).get("controller")
        ]
        if refs and refs[0].get("uid") not in uids and not is_deleting(pod):
            found.append((namespace_of(pod), name_of(pod), uid_of(pod)))
    return sorted(found)


def _template_refused(job: JobView, spec: AIJobSpec, pods: Sequence[Obj], why: str, stamp: str) -> JobAction:
    """The API refused the pods this job's template makes: give the cards back and say why, until the
    spec changes (a new generation is tried again)."""
    action = invalid(
        job, spec, names.REASON_INVALID_TEMPLATE, f"the API refused the pod template: {why}", stamp
    )
    status = dict(action.status if action.status is not None else job.status)
    status.pop("placement", None)
    deletes = tuple((name_of(p), uid_of(p)) for p in pods if owned_by(p, job) and not is_deleting(p))
    return JobAction(job=job, status=status, events=action.events, delete=deletes)


def _refused_before(job: JobView) -> bool:
    valid = find([mapping(c) for c in sequence(job.status.get("conditions"))], names.COND_VALID)
    return (
        valid is not None
        and valid.get("reason") == names.REASON_INVALID_TEMPLATE
        and valid.get("observedGeneration") == job.generation
    )


def _leftovers(job: JobView, spec: AIJobSpec, pods: Sequence[Obj], stamp: str) -> JobAction:
    """An unplaced job whose earlier pods still exist: clear them first, their names are needed again."""
    message = f"waiting for {len(pods)} pods of an earlier attempt to go away"
    action = waiting(job, spec, names.REASON_PREVIOUS_PODS, message, stamp)
    deletes = tuple((name_of(p), uid_of(p)) for p in pods if owned_by(p, job) and not is_deleting(p))
    return JobAction(job=job, status=action.status, events=action.events, delete=deletes)


def _settled(job: JobView, pods: Sequence[Obj]) -> JobAction | None:
    """A finished job keeps its finished pods for their logs; live ones left by a crash are deleted."""
    deletes = tuple(
        (name_of(p), uid_of(p))
        for p in pods
        if owned_by(p, job) and not is_deleting(p) and not pod_finished(p)
    )
    return JobAction(job=job, delete=deletes) if deletes else None


def plan_round(
    world: World, now: datetime, *, starvation_seconds: float = DEFAULT_STARVATION_SECONDS
) -> RoundPlan:
    """Decide everything the operator writes this round."""
    stamp = format_time(now)
    models = card_models(world.accelcards.values())
    catalog = {model.name: model for model in models}
    fleet = Fleet(
        world.nodes,
        {name: str(labels_of(node).get(LABEL_HOSTNAME) or name) for name, node in world.nodes.items()},
    )
    grouped = pods_by_job(world.pods.values())
    snapshot = snapshot_from_objects(world.nodes.values(), world.pods.values(), models)
    actions: list[JobAction] = []
    pending: list[tuple[JobView, AIJobSpec, GangRequest]] = []
    held: Counter[str] = Counter()
    deadlines: list[datetime] = []
    for key in sorted(world.jobs):
        job = job_view(world.jobs[key])
        pods = grouped.get(key, [])
        spec = job.spec
        phase = job.status.get("phase")
        if spec is None:
            actions.append(
                invalid(job, None, names.REASON_INVALID_SPEC, job.spec_error or "invalid spec", stamp)
            )
        elif phase in TERMINAL_PHASES:
            settled = _settled(job, pods)
            if settled is not None:
                actions.append(settled)
        elif key in world.refused:
            actions.append(_template_refused(job, spec, pods, world.refused[key], stamp))
        elif phase in ACTIVE_PHASES and job.status.get("placement"):
            action = _advance(job, spec, pods, fleet, catalog, now)
            actions.append(action)
            status = action.status if action.status is not None else job.status
            if status.get("phase") in ACTIVE_PHASES and status.get("placement"):
                held.update(reservations(job, spec, pods, fleet))
                deadline = timeout_deadline(job, spec)
                if deadline is not None:
                    deadlines.append(deadline)
        elif pods:
            actions.append(_leftovers(job, spec, pods, stamp))
        elif _refused_before(job):
            continue
        else:
            request = gang_request(job, spec)
            never = feasibility(request, snapshot)
            if never is not None:
                actions.append(invalid(job, spec, never.reason.value, never.message, stamp))
            else:
                pending.append((job, spec, request))
    usage = {node: cards for node, cards in held.items() if snapshot.node(node) is not None}
    if usage:
        snapshot = snapshot.with_usage(usage)
    result = queue_round(
        [request for _, _, request in pending],
        snapshot,
        now=now.timestamp(),
        starvation_seconds=starvation_seconds,
    )
    decided = {placement.key: placement for placement in result.placed}
    rank = {placement.key: index for index, placement in enumerate(result.placed)}
    pending.sort(key=lambda item: rank.get(item[2].key, len(rank)))
    for job, spec, request in pending:
        placement = decided.get(request.key)
        if placement is not None:
            actions.append(placed(job, spec, placement, fleet, stamp))
            continue
        why = result.waiting[request.key]
        if why.permanent:
            actions.append(invalid(job, spec, why.reason.value, why.message, stamp))
        else:
            actions.append(waiting(job, spec, why.reason.value, why.message, stamp))
    phases = {
        key: str(mapping(job.get("status")).get("phase") or "Pending") for key, job in world.jobs.items()
    }
    for action in actions:
        if action.status is not None:
            phases[(action.job.namespace, action.job.name)] = str(action.status.get("phase") or "Pending")
    lost = frozenset(name for name, node in world.nodes.items() if not node_ready(node))
    return RoundPlan(
        jobs=tuple(_forced(action, world, lost) for action in actions if action.has_writes),
        accelcard_status=tuple(accelcard_statuses(world.accelcards, result.snapshot)),
        platform_status=tuple(platform_statuses(world.platforms, world.nodes, result.snapshot, stamp)),
        phases=dict(Counter(phases.values())),
        cards=tuple(card_rows(result.snapshot)),
        placements=len(result.placed),
        orphans=tuple(orphans(world)),
        next_deadline=min(deadlines, default=None),
    )


def _forced(action: JobAction, world: World, lost: frozenset[str]) -> JobAction:
    """Mark the deletions of pods stranded on nodes that are not Ready."""
    if not action.delete or not lost:
        return action
    namespace = action.job.namespace
    stranded = frozenset(
        name for name, _ in action.delete if pod_pinned_node(world.pods.get((namespace, name), {})) in lost
    )
    return replace(action, force=stranded) if stranded else action


def _advance(
    job: JobView,
    spec: AIJobSpec,
    pods: Sequence[Obj],
    fleet: Fleet,
    catalog: Mapping[str, CardModel],
    now: datetime,
) -> JobAction:
    model = catalog.get(str(job.status.get("cardModel") or ""))
    if model is None:
        fault = Fault(names.REASON_INVALID, f"card model {job.status.get('cardModel')!r} left the catalog")
        return release(job, spec, pods, fault, now)
    return advance(job, spec, pods, fleet, model.resource_name, now)
