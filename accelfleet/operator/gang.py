"""The life of a placed gang: given the job, its pods and the nodes, what happens next.

A placed job (phase Scheduled or Running, ``status.placement`` set) is advanced here: missing pods are
created, gates lifted once all exist, the phase follows the pods, and any failure of a member (a pod
failed or deleted, its node lost, a card under it unhealthy) restarts the whole gang, up to the job's
``backoffLimit``. A gang whose pods are not all Running within ``gang.timeoutSeconds`` is released
and queued again. Everything here is a pure function of its inputs.

The gang's size is the recorded placement's: ranks ``0 .. k - 1``. For a job with ``gang.minAvailable``
below ``replicas`` that is the size it was started at, which never changes while the placement stands
(every pod's world size is fixed at start); a restart places it again at whatever size fits then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from accelfleet.api.aijob import AIJobSpec
from accelfleet.api.names import (
    ANNOTATION_ALLOCATED_CARDS,
    ANNOTATION_UNHEALTHY_CARDS,
    LABEL_REPLICA,
    SCHEDULING_GATE,
)
from accelfleet.operator import names
from accelfleet.operator.conditions import find, set_condition
from accelfleet.operator.jobs import JobView
from accelfleet.operator.manifests import gang_pod, headless_service, pod_name
from accelfleet.operator.objects import (
    Obj,
    annotations_of,
    format_time,
    index_list,
    is_deleting,
    labels_of,
    mapping,
    name_of,
    node_ready,
    parse_time,
    pod_finished,
    pod_gates,
    pod_phase,
    pod_pinned_node,
    sequence,
    uid_of,
)
from accelfleet.operator.plan import EventNote, JobAction, Ungate

ACTIVE_PHASES = frozenset({"Scheduled", "Running"})
TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})


@dataclass(frozen=True, slots=True)
class Fault:
    """Why a gang must stop: a condition reason and one line naming the culprit."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Fleet:
    """The node facts a gang decision reads: node objects by name and their hostname labels."""

    nodes: Mapping[str, Obj]
    hostnames: Mapping[str, str]

    def hostname(self, node: str) -> str:
        return self.hostnames.get(node, node)


def replica_nodes(placement: Mapping[str, Any]) -> dict[int, str]:
    """Rank -> node of a recorded ``status.placement``."""
    found: dict[int, str] = {}
    for entry in sequence(placement.get("nodes")):
        node = str(mapping(entry).get("name") or "")
        for index in sequence(mapping(entry).get("replicas")):
            if isinstance(index, int) and node:
                found[index] = node
    return found


def placed_size(status: Mapping[str, Any]) -> int:
    """How many replicas the recorded placement holds; 0 without one."""
    return len(replica_nodes(mapping(status.get("placement"))))


def requested_cards(spec: AIJobSpec) -> str:
    """``status.cards`` of a job without a placement: what it asks for, ``2-4x8`` for an elastic gang."""
    least = spec.effective_min_available
    replicas = f"{least}-{spec.replicas}" if least < spec.replicas else str(spec.replicas)
    return f"{replicas}x{spec.cards_per_replica}"


def with_size(message: str, spec: AIJobSpec, size: int) -> str:
    """The message, followed for an elastic gang by the size it started at against what it asked."""
    least = spec.effective_min_available
    if least == spec.replicas:
        return message
    return f"{message}; started {size} of {spec.replicas} replicas (minAvailable {least})"


def replica_index(pod: Mapping[str, Any]) -> int | None:
    value = labels_of(pod).get(LABEL_REPLICA)
    return int(value) if isinstance(value, str) and value.isdigit() else None


def owned_by(pod: Mapping[str, Any], job: JobView) -> bool:
    return any(
        mapping(ref).get("uid") == job.uid
        for ref in sequence(mapping(pod.get("metadata")).get("ownerReferences"))
    )


def split_pods(
    job: JobView, pods: Sequence[Obj], ranks: Mapping[int, str], attempt: int, fleet: Fleet
) -> tuple[dict[int, Obj], list[Obj]]:
    """The pods of the recorded placement by rank, and every other pod carrying the job's label."""
    current: dict[int, Obj] = {}
    stale: list[Obj] = []
    for pod in pods:
        index = replica_index(pod)
        node = ranks.get(index) if index is not None else None
        fits = (
            index is not None
            and node is not None
            and owned_by(pod, job)
            and name_of(pod) == pod_name(job.name, index)
            and labels_of(pod).get(names.LABEL_ATTEMPT) == str(attempt)
            and pod_pinned_node(pod) in (node, fleet.hostname(node))
        )
        if fits and index is not None:
            current[index] = pod
        else:
            stale.append(pod)
    return current, stale


def find_fault(
    job: JobView, phase: str, ranks: Mapping[int, str], current: Mapping[int, Obj], fleet: Fleet
) -> Fault | None:
    """The first reason the gang cannot go on as placed, or None."""
    for index in sorted(current):
        pod = current[index]
        if pod_phase(pod) == "Failed":
            status = mapping(pod.get("status"))
            why = str(status.get("reason") or "")
            detail = str(status.get("message") or "") or _exit_detail(status)
            reason = names.REASON_NODE_LOST if why == names.REASON_NODE_LOST else names.REASON_POD_FAILED
            suffix = f": {detail}" if detail else ""
            return Fault(reason, f"pod {name_of(pod)} failed{suffix}")
        if is_deleting(pod) and not pod_finished(pod):
            return Fault(names.REASON_POD_DELETED, f"pod {name_of(pod)} is being deleted")
    if phase == "Running":
        for index in sorted(ranks):
            if index not in current:
                return Fault(
                    names.REASON_POD_DELETED, f"pod {pod_name(job.name, index)} of the running gang is gone"
                )
    live_nodes = sorted({ranks[i] for i in ranks if i not in current or not pod_finished(current[i])})
    for node_name in live_nodes:
        node = fleet.nodes.get(node_name)
        if node is None:
            return Fault(names.REASON_NODE_LOST, f"node {node_name} is gone")
        if not node_ready(node):
            return Fault(names.REASON_NODE_LOST, f"node {node_name} is not Ready")
    for index in sorted(current):
        pod = current[index]
        if pod_finished(pod):
            continue
        node = fleet.nodes.get(ranks[index], {})
        bad = index_list(annotations_of(pod).get(ANNOTATION_ALLOCATED_CARDS)) & index_list(
            annotations_of(node).get(ANNOTATION_UNHEALTHY_CARDS)
        )
        if bad:
            cards = ",".join(str(card) for card in sorted(bad))
            return Fault(
                names.REASON_CARD_FAULT,
                f"card {cards} of node {ranks[index]} turned unhealthy under pod {name_of(pod)}",
            )
    return None


def _exit_detail(status: Mapping[str, Any]) -> str:
    codes = [code for code in sequence(status.get("exitCodes")) if isinstance(code, int) and code != 0]
    return f"exit code {codes[0]}" if codes else ""


def _deletions(pods: Sequence[Obj], job: JobView, *, finished_too: bool) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name_of(pod), uid_of(pod))
        for pod in pods
        if owned_by(pod, job) and not is_deleting(pod) and (finished_too or not pod_finished(pod))
    )


def _ungate(pod: Mapping[str, Any]) -> Ungate:
    return Ungate(name_of(pod), uid_of(pod), tuple(g for g in pod_gates(pod) if g != SCHEDULING_GATE))


def _base_status(job: JobView, spec: AIJobSpec) -> Obj:
    """The job's status to build on; ``cards`` shows the size placed, or the request without a placement."""
    status = dict(job.status)
    size = placed_size(status)
    status["cards"] = f"{size}x{spec.cards_per_replica}" if size else requested_cards(spec)
    status["observedGeneration"] = job.generation
    return status


def _conditions(status: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(mapping(c)) for c in sequence(status.get("conditions"))]


def _requeued(
    job: JobView, spec: AIJobSpec, pods: Sequence[Obj], fault: Fault, now: datetime, *, count_restart: bool
) -> JobAction:
    """Stop the gang: restart it elsewhere, release it to the queue, or fail the job for good."""
    stamp = format_time(now)
    status = _base_status(job, spec)
    restarts = int(status.get("restarts") or 0)
    conditions = _conditions(status)
    if count_restart and restarts >= spec.backoff_limit:
        message = f"failed after {restarts} restarts (backoffLimit {spec.backoff_limit}): {fault.message}"
        conditions = set_condition(conditions, names.COND_RUNNING, False, fault.reason, fault.message, stamp)
        conditions = set_condition(
            conditions, names.COND_FAILED, True, names.REASON_BACKOFF_LIMIT, message, stamp
        )
        status.update(
            phase="Failed", conditions=conditions, message=message, readyReplicas=0, completionTime=stamp
        )
        return JobAction(
            job=job,
            status=status,
            delete=_deletions(pods, job, finished_too=False),
            events=(EventNote("Warning", names.REASON_FAILED, message),),
        )
    if count_restart:
        restarts += 1
        message = f"gang restarted ({restarts} of {spec.backoff_limit} allowed): {fault.message}"
        event = EventNote("Warning", names.REASON_GANG_RESTARTED, message)
        reason = fault.reason
    else:
        message = f"gang released and queued again: {fault.message}"
        event = EventNote("Warning", names.REASON_GANG_RELEASED, message)
        reason = names.REASON_GANG_TIMEOUT
    conditions = set_condition(conditions, names.COND_SCHEDULED, False, reason, message, stamp)
    conditions = set_condition(conditions, names.COND_RUNNING, False, reason, fault.message, stamp)
    status.update(
        phase="Pending",
        conditions=conditions,
        message=message,
        readyReplicas=0,
        restarts=restarts,
        cards=requested_cards(spec),
    )
    status.pop("placement", None)
    return JobAction(
        job=job,
        status=status,
        delete=_deletions(pods, job, finished_too=True),
        events=(event,),
        restarted=count_restart,
    )


def release(job: JobView, spec: AIJobSpec, pods: Sequence[Obj], fault: Fault, now: datetime) -> JobAction:
    """Give the gang's cards back and queue it again, without counting a restart."""
    return _requeued(job, spec, pods, fault, now, count_restart=False)


def scheduled_since(job: JobView) -> datetime | None:
    found = find(_conditions(job.status), names.COND_SCHEDULED)
    if found is None or found.get("status") != "True":
        return None
    return parse_time(found.get("lastTransitionTime"))


def timeout_deadline(job: JobView, spec: AIJobSpec) -> datetime | None:
    """When a Scheduled gang that is not yet Running gets released."""
    since = scheduled_since(job)
    if since is None or job.status.get("phase") != "Scheduled":
        return None
    return since + timedelta(seconds=spec.gang.timeout_seconds)


def advance(
    job: JobView,
    spec: AIJobSpec,
    pods: Sequence[Obj],
    fleet: Fleet,
    resource_name: str,
    now: datetime,
) -> JobAction:
    """The next step of a placed gang (phase Scheduled or Running)."""
    phase = str(job.status.get("phase"))
    ranks = replica_nodes(mapping(job.status.get("placement")))
    attempt = int(job.status.get("restarts") or 0)
    size = len(ranks)
    if sorted(ranks) != list(range(size)) or not spec.effective_min_available <= size <= spec.replicas:
        mismatch = Fault(
            names.REASON_INVALID_SPEC,
            f"the recorded placement of {size} replicas does not match spec.replicas "
            f"({spec.replicas}) and gang.minAvailable ({spec.effective_min_available})",
        )
        return _requeued(job, spec, pods, mismatch, now, count_restart=False)
    current, stale = split_pods(job, pods, ranks, attempt, fleet)
    fault = find_fault(job, phase, ranks, current, fleet)
    if fault is not None:
        return _requeued(job, spec, pods, fault, now, count_restart=True)
    if len(current) == size and all(pod_phase(p) == "Succeeded" for p in current.values()):
        return _succeeded(job, spec, size, now)
    running = sum(pod_phase(p) in ("Running", "Succeeded") for p in current.values())
    deadline = timeout_deadline(job, spec)
    if phase == "Scheduled" and running < size and deadline is not None and now >= deadline:
        late = Fault(
            names.REASON_GANG_TIMEOUT,
            f"only {running} of {size} pods were Running {spec.gang.timeout_seconds} s after placement",
        )
        return _requeued(job, spec, pods, late, now, count_restart=False)
    action = _progress(job, spec, current, stale, ranks, fleet, resource_name, attempt)
    return _with_phase(job, spec, action, current, running, now)


def _progress(
    job: JobView,
    spec: AIJobSpec,
    current: Mapping[int, Obj],
    stale: Sequence[Obj],
    ranks: Mapping[int, str],
    fleet: Fleet,
    resource_name: str,
    attempt: int,
) -> JobAction:
    """Pod writes: clear stale pods, create the missing ranks, lift the gate once the gang exists."""
    if stale:
        return JobAction(job=job, delete=_deletions(stale, job, finished_too=True))
    missing = [index for index in sorted(ranks) if index not in current]
    gated = tuple(_ungate(pod) for _, pod in sorted(current.items()) if SCHEDULING_GATE in pod_gates(pod))
    if not missing:
        return JobAction(job=job, ungate=gated)
    card_model = str(job.status.get("cardModel") or "")
    creates = tuple(
        gang_pod(
            job,
            spec.template,
            index=index,
            replicas=len(ranks),
            node=fleet.hostname(ranks[index]),
            card_model=card_model,
            resource_name=resource_name,
            cards_per_replica=spec.cards_per_replica,
            attempt=attempt,
        )
        for index in missing
    )
    return JobAction(job=job, create=creates, service=headless_service(job), ungate_after_create=gated)


def pods_progress(platform: str, running: int, replicas: int) -> str:
    return f"placed on {platform}; {running} of {replicas} pods running"


def _with_phase(
    job: JobView, spec: AIJobSpec, action: JobAction, current: Mapping[int, Obj], running: int, now: datetime
) -> JobAction:
    stamp = format_time(now)
    status = _base_status(job, spec)
    conditions = _conditions(status)
    ready = sum(pod_phase(p) == "Running" for p in current.values())
    events: tuple[EventNote, ...] = ()
    seconds: float | None = None
    platform = str(mapping(status.get("placement")).get("platform") or "")
    size = placed_size(status)
    if running == size:
        if status.get("phase") == "Scheduled":
            since = scheduled_since(job)
            seconds = max(0.0, (now - since).total_seconds()) if since else None
            started = with_size(f"all {size} replicas are running", spec, size)
            events = (EventNote("Normal", names.REASON_STARTED, started),)
        status["phase"] = "Running"
        status.setdefault("startTime", stamp)
        message = with_size(f"all {size} replicas running on {platform}", spec, size)
        conditions = set_condition(
            conditions, names.COND_RUNNING, True, names.REASON_ALL_RUNNING, message, stamp
        )
    else:
        message = pods_progress(platform, running, size)
        conditions = set_condition(
            conditions, names.COND_RUNNING, False, names.REASON_WAITING_FOR_PODS, message, stamp
        )
    status.update(conditions=conditions, readyReplicas=ready, message=message)
    changed = status if status != dict(job.status) else None
    return replace(action, status=changed, events=action.events + events, seconds_to_running=seconds)


def _succeeded(job: JobView, spec: AIJobSpec, size: int, now: datetime) -> JobAction:
    stamp = format_time(now)
    status = _base_status(job, spec)
    message = with_size(f"all {size} replicas exited 0", spec, size)
    conditions = set_condition(
        _conditions(status), names.COND_RUNNING, False, names.REASON_SUCCEEDED, message, stamp
    )
    conditions = set_condition(conditions, names.COND_COMPLETE, True, names.REASON_SUCCEEDED, message, stamp)
    status.update(
        phase="Succeeded", conditions=conditions, message=message, readyReplicas=0, completionTime=stamp
    )
    return JobAction(job=job, status=status, events=(EventNote("Normal", names.REASON_SUCCEEDED, message),))
