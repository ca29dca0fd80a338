"""Why an AIJob is where it is, or what blocks it, told level by level: platform -> super-node -> node.

The answer reuses the placement engine on the cluster as it is now (the operator's own inputs), so
what ``accelfleet explain`` says is what the operator would decide, not a second opinion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from accelfleet.api.aijob import AIJobSpec
from accelfleet.api.names import LABEL_HOSTNAME, LABEL_JOB, LABEL_REPLICA, LABEL_SUPERNODE
from accelfleet.cli.views.fleet import catalog_models
from accelfleet.operator.gang import placed_size
from accelfleet.operator.jobs import JobView, gang_request, job_view
from accelfleet.operator.objects import labels_of, mapping, name_of, namespace_of, pod_phase, sequence
from accelfleet.placement import (
    CardModel,
    FleetSnapshot,
    GangRequest,
    NodeState,
    Placement,
    Unschedulable,
    feasible_models,
    place,
    snapshot_from_objects,
)
from accelfleet.placement.feasibility import LEVEL_NAMES
from accelfleet.placement.kube import pod_cards, pod_node
from accelfleet.placement.matching import match_models

PLACED_PHASES = frozenset({"Scheduled", "Running", "Succeeded", "Failed"})
# A level lists its fullest members first and stops here: the rest hold less, and saying so is enough.
SHOWN_PER_LEVEL = 8


class Mark(StrEnum):
    OK = "ok"
    BLOCKED = "blocked"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the explanation and the lines of the level below it."""

    text: str
    mark: Mark = Mark.INFO
    children: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class Explanation:
    job: str
    phase: str
    headline: str
    request: tuple[str, ...]
    steps: tuple[Step, ...]


def _job_key(job: Mapping[str, Any]) -> tuple[str, str]:
    return namespace_of(job), name_of(job)


def _own_pods(job: Mapping[str, Any], pods: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    namespace, name = _job_key(job)
    return [pod for pod in pods if namespace_of(pod) == namespace and labels_of(pod).get(LABEL_JOB) == name]


def describe_request(spec: AIJobSpec) -> tuple[str, ...]:
    cards = spec.cards
    filters = []
    if cards.min_memory_gib is not None:
        filters.append(f"at least {cards.min_memory_gib} GiB")
    if cards.min_tflops.bf16 is not None:
        filters.append(f"at least {cards.min_tflops.bf16:g} dense BF16 TFLOPS")
    if cards.ecosystems:
        filters.append(f"running {' or '.join(cards.ecosystems)}")
    models = f"any of {', '.join(cards.models)}" if cards.models else "any card model"
    least = spec.effective_min_available
    size = (
        f"{spec.replicas} replicas x {spec.cards_per_replica} cards = {spec.total_cards} cards"
        if least == spec.replicas
        else f"{least} to {spec.replicas} replicas x {spec.cards_per_replica} cards (minAvailable {least}: "
        "the most that fit when placed, fixed from then on)"
    )
    lines = [
        f"{size}, all of one card model",
        f"card models: {models}" + (f"; {', '.join(filters)}" if filters else ""),
        f"topology: scope {spec.topology.scope.value} ({spec.topology.mode.value})",
    ]
    if spec.priority:
        lines.append(f"priority {spec.priority}")
    return tuple(lines)


def _condition(status: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    return next(
        (mapping(c) for c in sequence(status.get("conditions")) if mapping(c).get("type") == kind), {}
    )


def _holders(
    pods: Iterable[Mapping[str, Any]], nodes: Iterable[Mapping[str, Any]], snapshot: FleetSnapshot
) -> dict[str, dict[str, int]]:
    """Node -> job (or pod) -> cards it holds there: who sits on the cards a gang waits for."""
    hostnames: dict[str, str] = {}
    for node_object in nodes:
        hostname = labels_of(node_object).get(LABEL_HOSTNAME)
        if isinstance(hostname, str):
            hostnames[hostname] = name_of(node_object)
    held: dict[str, dict[str, int]] = {}
    for pod in pods:
        node_name = pod_node(pod, hostnames)
        node = snapshot.node(node_name) if node_name else None
        if node is None or node_name is None:
            continue
        model = snapshot.models.get(node.card)
        cards = pod_cards(pod, model.resource_name) if model else 0
        if cards:
            owner = labels_of(pod).get(LABEL_JOB)
            who = f"{namespace_of(pod)}/{owner}" if owner else f"pod {namespace_of(pod)}/{name_of(pod)}"
            per_node = held.setdefault(node_name, {})
            per_node[who] = per_node.get(who, 0) + cards
    return held


def _replicas(count: int) -> str:
    return plural(count, "replica")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


_DEPTH = {"node": 0, "supernode": 1, "platform": 2, "any": 3}


def level_mark(slots: int, need: int, level: str, request: GangRequest) -> Mark:
    """How a domain of ``level`` stands for the gang: room for all of it, for part of it, or none.

    Below the job's scope any room helps (the gang spreads over several such domains); at the scope
    level a required gang needs one domain holding all of it; above it, a domain short of the whole
    gang is only a partial answer.
    """
    if slots >= need:
        return Mark.OK
    if slots == 0:
        return Mark.BLOCKED
    depth, scope = _DEPTH[level], _DEPTH.get(request.scope, 1)
    if depth < scope:
        return Mark.OK
    if depth == scope and request.mode == "required":
        return Mark.BLOCKED
    return Mark.INFO


def _node_step(node: NodeState, request: GangRequest, holders: Mapping[str, int]) -> Step:
    slots = node.free // request.cards_per_replica
    notes = []
    unhealthy = max(0, node.capacity - node.allocatable)
    if unhealthy:
        notes.append(f"{unhealthy} unhealthy")
    if not node.usable:
        notes.append("not Ready or cordoned")
    if holders:
        notes.append("held by " + ", ".join(f"{who} ({cards})" for who, cards in sorted(holders.items())))
    text = f"node {node.name}: {node.free} of {node.capacity} free -> {_replicas(slots)}"
    if notes:
        text += f" ({'; '.join(notes)})"
    return Step(text, level_mark(slots, request.minimum, "node", request))


def _limited(steps: list[tuple[int, str, Step]], what: str) -> tuple[Step, ...]:
    ordered = [step for _, _, step in sorted(steps, key=lambda item: (-item[0], item[1]))]
    if len(ordered) <= SHOWN_PER_LEVEL:
        return tuple(ordered)
    hidden = len(ordered) - SHOWN_PER_LEVEL
    return (*ordered[:SHOWN_PER_LEVEL], Step(f"... {hidden} more {what} holding no more than these"))


def model_levels(
    model: CardModel, request: GangRequest, snapshot: FleetSnapshot, holders: Mapping[str, Mapping[str, int]]
) -> Step:
    """The fleet as this model and gang size see it now, fullest domains first, each level marked
    ``BLOCKED`` where it cannot hold what the job's scope asks of it (an elastic gang: its minimum)."""
    size, need = request.cards_per_replica, request.minimum
    platforms: dict[str, list[tuple[int, str, Step]]] = {}
    platform_totals: dict[str, tuple[int, int, int]] = {}
    fleet_free = fleet_total = fleet_slots = 0
    for (platform, super_node_name), super_node in snapshot.super_nodes.items():
        nodes = [node for node in super_node.nodes if node.card == model.name]
        if not nodes:
            continue
        free = sum(node.free for node in nodes)
        total = sum(node.capacity for node in nodes)
        slots = sum(node.free // size for node in nodes)
        node_steps = [
            (node.free // size, node.name, _node_step(node, request, holders.get(node.name, {})))
            for node in nodes
        ]
        step = Step(
            f"super-node {super_node_name}: {free} of {total} free -> {_replicas(slots)}",
            level_mark(slots, need, "supernode", request),
            _limited(node_steps, "nodes"),
        )
        platforms.setdefault(platform, []).append((slots, super_node_name, step))
        p_free, p_total, p_slots = platform_totals.get(platform, (0, 0, 0))
        platform_totals[platform] = (p_free + free, p_total + total, p_slots + slots)
        fleet_free, fleet_total, fleet_slots = fleet_free + free, fleet_total + total, fleet_slots + slots
    platform_steps = []
    for platform, members in platforms.items():
        free, total, slots = platform_totals[platform]
        platform_steps.append(
            (
                slots,
                platform,
                Step(
                    f"platform {platform}: {free} of {total} free -> {_replicas(slots)}",
                    level_mark(slots, need, "platform", request),
                    _limited(members, "super-nodes"),
                ),
            )
        )
    level = LEVEL_NAMES[request.scope]
    wish = f"inside one {level}" if request.scope != "any" else "anywhere in the fleet"
    wanted = f"{need} to {request.replicas}" if request.elastic else str(need)
    header = (
        f"{model.name}: {fleet_free} of {fleet_total} cards free -> {_replicas(fleet_slots)} of "
        f"{size} fit now; the gang needs {wanted} {wish}"
        + ("" if request.mode == "required" else " (preferred)")
    )
    return Step(
        header, Mark.OK if fleet_slots >= need else Mark.BLOCKED, _limited(platform_steps, "platforms")
    )


def _placed_steps(
    spec: AIJobSpec, status: Mapping[str, Any], pods: list[Mapping[str, Any]], nodes: Mapping[str, Any]
) -> tuple[str, tuple[Step, ...]]:
    placement = mapping(status.get("placement"))
    phase_of: dict[int, str] = {}
    for pod in pods:
        replica = labels_of(pod).get(LABEL_REPLICA)
        if isinstance(replica, str) and replica.isdigit():
            phase_of[int(replica)] = pod_phase(pod)
    by_super_node: dict[str, list[Step]] = {}
    for entry in sequence(placement.get("nodes")):
        node_name = str(mapping(entry).get("name") or "")
        ranks = [int(rank) for rank in sequence(mapping(entry).get("replicas")) if isinstance(rank, int)]
        node_labels = labels_of(mapping(nodes.get(node_name)))
        super_node = str(node_labels.get(LABEL_SUPERNODE) or "?")
        pods_text = ", ".join(f"rank {rank} {phase_of.get(rank, 'no pod')}" for rank in ranks)
        by_super_node.setdefault(super_node, []).append(
            Step(f"node {node_name}: {mapping(entry).get('cards', '?')} cards; {pods_text}", Mark.OK)
        )
    platform = str(placement.get("platform") or "?")
    super_steps = tuple(
        Step(f"super-node {name}", Mark.OK, tuple(children)) for name, children in by_super_node.items()
    )
    model = str(status.get("cardModel") or "?")
    steps = [Step(f"platform {platform} ({model} cards)", Mark.OK, super_steps)]
    least = spec.effective_min_available
    if least < spec.replicas:
        size = placed_size(status)
        steps.append(
            Step(
                f"started {size} of {spec.replicas} replicas (minAvailable {least}), the most that fit when "
                "it was placed; the size stays until the gang ends or restarts",
                Mark.OK,
            )
        )
    scheduled = _condition(status, "Scheduled")
    if scheduled.get("message"):
        steps.append(Step(f"why: {scheduled.get('reason')}: {scheduled.get('message')}"))
    node_count = sum(len(step.children) for step in super_steps)
    where = f"{platform}, {plural(len(super_steps), 'super-node')}, {plural(node_count, 'node')}"
    return where, tuple(steps)


def _scope_check(spec: AIJobSpec, status: Mapping[str, Any]) -> Step:
    placement = mapping(status.get("placement"))
    scope = spec.topology.scope.value
    counts = {
        "node": len(sequence(placement.get("nodes"))),
        "supernode": len(sequence(placement.get("superNodes"))),
        "platform": len(str(placement.get("platform") or "").split(",")),
    }
    level = LEVEL_NAMES[scope]
    if scope == "any":
        return Step("scope any: the gang may span the whole fleet", Mark.OK)
    used = counts[scope]
    kept = used == 1
    text = f"scope {scope} ({spec.topology.mode.value}): " + (
        f"kept inside one {level}" if kept else f"spans {used} {level}s, the fewest the fleet had room for"
    )
    return Step(text, Mark.OK if kept or spec.topology.mode.value == "preferred" else Mark.BLOCKED)


def explain(
    job: Mapping[str, Any],
    nodes: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
    accelcards: Iterable[Mapping[str, Any]],
) -> Explanation:
    """Where the job is and why, or which level blocks it for each card model it accepts."""
    view = job_view(job)
    status = mapping(job.get("status"))
    phase = str(status.get("phase") or "Pending")
    key = f"{view.namespace}/{view.name}"
    if view.spec is None:
        return Explanation(key, phase, f"the spec is invalid: {view.spec_error}", (), ())
    spec = view.spec
    node_list = list(nodes)
    pod_list = list(pods)
    own = _own_pods(job, pod_list)
    request = describe_request(spec)
    if phase in PLACED_PHASES and status.get("placement"):
        where, steps = _placed_steps(spec, status, own, {name_of(node): node for node in node_list})
        verb = {"Scheduled": "placed, pods starting", "Running": "running", "Succeeded": "finished"}.get(
            phase, "failed"
        )
        headline = f"{phase}: {verb} on {where}"
        return Explanation(key, phase, headline, request, (*steps, _scope_check(spec, status)))
    return _pending(key, phase, spec, view, status, node_list, pod_list, own, accelcards, request)


def _pending(
    key: str,
    phase: str,
    spec: AIJobSpec,
    view: JobView,
    status: Mapping[str, Any],
    nodes: list[Mapping[str, Any]],
    pods: list[Mapping[str, Any]],
    own: list[Mapping[str, Any]],
    accelcards: Iterable[Mapping[str, Any]],
    request_lines: tuple[str, ...],
) -> Explanation:
    models, _ = catalog_models(accelcards)
    own_ids = {id(pod) for pod in own}
    others = [pod for pod in pods if id(pod) not in own_ids]
    snapshot = snapshot_from_objects(nodes, others, models)
    request = gang_request(view, spec)
    steps: list[Step] = []
    valid = _condition(status, "Valid")
    scheduled = _condition(status, "Scheduled")
    told = valid if valid.get("status") == "False" else scheduled
    if told:
        steps.append(Step(f"the operator says: {told.get('reason')}: {told.get('message')}", Mark.INFO))
    else:
        steps.append(Step("the operator has not written a status yet (is it running?)", Mark.BLOCKED))
    choice = match_models(request, snapshot.models)
    if isinstance(choice, Unschedulable):
        steps.append(Step(f"card models: {choice.message}", Mark.BLOCKED))
        return Explanation(key, phase, f"{choice.reason}: {choice.message}", request_lines, tuple(steps))
    model_children = [Step(f"{name}: {why}", Mark.BLOCKED) for name, why in choice.rejected]
    carried = set(snapshot.model_super_nodes)
    for model in choice.candidates:
        if model.name not in carried:
            model_children.append(Step(f"{model.name}: matches, but no node carries it", Mark.BLOCKED))
    fitting = [model for model in choice.candidates if model.name in carried]
    steps.append(
        Step(
            f"card models: {plural(len(fitting), 'matching model')} on this fleet",
            Mark.OK if fitting else Mark.BLOCKED,
            (*(Step(f"{model.name}: matches", Mark.OK) for model in fitting), *model_children),
        )
    )
    never = feasible_models(request, snapshot)
    if isinstance(never, Unschedulable):
        steps.append(Step(f"never fits this fleet, even empty: {never.message}", Mark.BLOCKED))
    holders = _holders(others, nodes, snapshot)
    steps.extend(model_levels(model, request, snapshot, holders) for model in fitting)
    answer = place(request, snapshot)
    if isinstance(answer, Placement):
        nodes_used = len(answer.nodes)
        size = f"{answer.replicas} of {spec.replicas} replicas of " if request.elastic else ""
        headline = (
            f"cards are free now: {size}{answer.card_model} on {answer.platform}, super-nodes "
            f"{', '.join(answer.super_nodes)}, {plural(nodes_used, 'node')}; the operator places it at its next "
            "round unless a gang ahead of it in the queue (higher priority, or older) takes them first"
        )
    else:
        headline = f"{answer.reason}: {answer.message}"
    return Explanation(key, phase, headline, request_lines, tuple(steps))
