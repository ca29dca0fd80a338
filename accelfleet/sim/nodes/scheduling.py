"""Scheduling decisions over plain data: which node a pod may go to, and why the others were refused.

The filters, their order, the per-node reason strings and the summary message follow
kube-scheduler's default profile (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit),
so ``kubectl describe pod`` reads the same as on a real cluster. Usage is kept per node and updated
incrementally, and nodes are indexed by label, so a pod pinned with a ``kubernetes.io/hostname``
selector costs one lookup rather than a scan of the fleet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accelfleet.sim.nodes.quantity import parse_milli
from accelfleet.sim.nodes.sim_names import TAINT_UNSCHEDULABLE

REASON_UNSCHEDULABLE = "node(s) were unschedulable"
REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
REASON_TOO_MANY_PODS = "Too many pods"
FILTERING_EFFECTS = ("NoSchedule", "NoExecute")
NO_NODES_MESSAGE = "no nodes available to schedule pods"
PODS = "pods"
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE = 5


def container_requests(container: Mapping[str, Any]) -> dict[str, int]:
    """A container's requests in milli-units; a resource given only as a limit is requested at the limit."""
    resources = container.get("resources") or {}
    merged = dict(resources.get("limits") or {})
    merged.update(resources.get("requests") or {})
    result: dict[str, int] = {}
    for name, value in merged.items():
        try:
            amount = parse_milli(value)
        except ValueError:
            continue
        if amount:
            result[name] = amount
    return result


def pod_requests(pod: Mapping[str, Any]) -> dict[str, int]:
    """Effective pod request: containers summed, an init container only if it needs more, plus overhead."""
    spec = pod.get("spec") or {}
    total: Counter[str] = Counter()
    for container in spec.get("containers") or []:
        total.update(container_requests(container))
    for init in spec.get("initContainers") or []:
        for name, amount in container_requests(init).items():
            total[name] = max(total[name], amount)
    for name, value in (spec.get("overhead") or {}).items():
        try:
            total[name] += parse_milli(value)
        except ValueError:
            continue
    return dict(total)


def parse_resource_list(resources: Mapping[str, Any] | None) -> dict[str, int]:
    result: dict[str, int] = {}
    for name, value in (resources or {}).items():
        try:
            result[name] = parse_milli(value)
        except ValueError:
            continue
    return result


@dataclass(frozen=True)
class PodShape:
    """What the filters read from a pod."""

    requests: Mapping[str, int]
    node_selector: Mapping[str, str]
    affinity_terms: Sequence[Mapping[str, Any]] | None
    tolerations: Sequence[Mapping[str, Any]]

    @classmethod
    def of(cls, pod: Mapping[str, Any]) -> PodShape:
        spec = pod.get("spec") or {}
        required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        ) or {}
        terms = required.get("nodeSelectorTerms") if required else None
        return cls(
            requests=pod_requests(pod),
            node_selector=dict(spec.get("nodeSelector") or {}),
            affinity_terms=list(terms) if terms is not None else None,
            tolerations=list(spec.get("tolerations") or []),
        )


@dataclass
class NodeInfo:
    """The scheduler's view of one node: what it offers and what bound pods already take."""

    name: str
    labels: dict[str, str]
    taints: list[dict[str, Any]]
    unschedulable: bool
    allocatable: dict[str, int]
    requested: Counter[str] = field(default_factory=Counter)
    pod_count: int = 0

    @classmethod
    def of(cls, node: Mapping[str, Any]) -> NodeInfo:
        spec = node.get("spec") or {}
        return cls(
            name=node["metadata"]["name"],
            labels=dict(node["metadata"].get("labels") or {}),
            taints=[t for t in spec.get("taints") or [] if isinstance(t, dict)],
            unschedulable=bool(spec.get("unschedulable")),
            allocatable=parse_resource_list((node.get("status") or {}).get("allocatable")),
        )

    @property
    def has_filtering_taint(self) -> bool:
        return self.unschedulable or any(t.get("effect") in FILTERING_EFFECTS for t in self.taints)


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """``v1.Toleration.ToleratesTaint``: empty effect matches all effects, Exists with empty key matches all."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated_taint(
    taints: Iterable[Mapping[str, Any]], tolerations: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    for taint in taints:
        if taint.get("effect") not in FILTERING_EFFECTS:
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def _expression_matches(expr: Mapping[str, Any], value: str | None) -> bool:
    operator = expr.get("operator")
    values = [str(v) for v in expr.get("values") or []]
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value is None or value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    if operator in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            left, right = int(value), int(values[0])
        except ValueError:
            return False
        return left > right if operator == "Gt" else left < right
    return False


def _term_matches(term: Mapping[str, Any], node: NodeInfo) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False  # an empty term selects no node
    for expr in expressions:
        if not _expression_matches(expr, node.labels.get(expr.get("key", ""))):
            return False
    for expr in fields:
        if expr.get("key") != "metadata.name" or expr.get("operator") not in ("In", "NotIn"):
            return False
        if not _expression_matches(expr, node.name):
            return False
    return True


def matches_node_affinity(pod: PodShape, node: NodeInfo) -> bool:
    """nodeSelector AND (any required nodeSelectorTerm)."""
    for key, value in pod.node_selector.items():
        if node.labels.get(key) != value:
            return False
    if pod.affinity_terms is None:
        return True
    return any(_term_matches(term, node) for term in pod.affinity_terms)


def insufficient_resources(pod: PodShape, node: NodeInfo) -> list[str]:
    reasons: list[str] = []
    if node.pod_count + 1 > node.allocatable.get(PODS, 0) // 1000:
        reasons.append(REASON_TOO_MANY_PODS)
    for name, amount in pod.requests.items():
        if name == PODS:
            continue
        if amount > node.allocatable.get(name, 0) - node.requested.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def filter_node(pod: PodShape, node: NodeInfo) -> list[str]:
    """The reasons of the first filter that rejects the node (empty: the pod fits)."""
    if node.unschedulable and not any(
        tolerates(t, {"key": TAINT_UNSCHEDULABLE, "effect": "NoSchedule"}) for t in pod.tolerations
    ):
        return [REASON_UNSCHEDULABLE]
    taint = untolerated_taint(node.taints, pod.tolerations)
    if taint is not None:
        return [f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"]
    if not matches_node_affinity(pod, node):
        return [REASON_AFFINITY]
    return insufficient_resources(pod, node)


def fit_error_message(total_nodes: int, reasons: Mapping[str, int]) -> str:
    """kube-scheduler's FitError text: reasons as "<count> <reason>", sorted as strings."""
    message = f"0/{total_nodes} nodes are available:"
    parts = sorted(f"{count} {reason}" for reason, count in reasons.items())
    if parts:
        message += f" {', '.join(parts)}."
    return message


def least_allocated_score(pod: PodShape, node: NodeInfo) -> int:
    """NodeResourcesFit's default LeastAllocated score over cpu and memory (0..100)."""
    scores: list[int] = []
    for name in ("cpu", "memory"):
        capacity = node.allocatable.get(name, 0)
        if capacity <= 0:
            continue
        used = node.requested.get(name, 0) + pod.requests.get(name, 0)
        scores.append(max(0, (capacity - used) * 100 // capacity))
    return sum(scores) // len(scores) if scores else 0


def feasible_nodes_to_find(total: int) -> int:
    """kube-scheduler's adaptive sample size: stop filtering once this many nodes fit."""
    if total < MIN_FEASIBLE_NODES_TO_FIND:
        return total
    percentage = max(MIN_FEASIBLE_NODES_PERCENTAGE, 50 - total // 125)
    return max(MIN_FEASIBLE_NODES_TO_FIND, total * percentage // 100)


@dataclass(frozen=True)
class Decision:
    node: str | None
    message: str = ""


@dataclass
class _Usage:
    node: str
    requests: Mapping[str, int]


class ClusterState:
    """Nodes, what bound pods use on them, and a label index; all decisions are made here."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self._order: list[str] = []
        self._order_dirty = False
        self._label_index: dict[tuple[str, str], set[str]] = {}
        self._tainted: set[str] = set()
        self._usage: dict[str, _Usage] = {}
        self._next_start = 0

    def set_node(self, node: Mapping[str, Any]) -> None:
        info = NodeInfo.of(node)
        old = self.nodes.get(info.name)
        if old is not None:
            info.requested = old.requested
            info.pod_count = old.pod_count
            self._unindex(old)
        else:
            self._order_dirty = True
            for usage in self._usage.values():
                if usage.node == info.name:
                    info.requested.update(usage.requests)
                    info.pod_count += 1
        self.nodes[info.name] = info
        for item in info.labels.items():
            self._label_index.setdefault(item, set()).add(info.name)
        if info.has_filtering_taint:
            self._tainted.add(info.name)

    def remove_node(self, name: str) -> None:
        info = self.nodes.pop(name, None)
        if info is not None:
            self._unindex(info)
            self._order_dirty = True

    def _unindex(self, info: NodeInfo) -> None:
        for item in info.labels.items():
            names = self._label_index.get(item)
            if names is not None:
                names.discard(info.name)
                if not names:
                    del self._label_index[item]
        self._tainted.discard(info.name)

    def bind(self, pod_uid: str, node: str, requests: Mapping[str, int]) -> None:
        """Count a non-terminal pod on a node (idempotent per pod uid)."""
        current = self._usage.get(pod_uid)
        if current is not None and current.node == node:
            return
        self.release(pod_uid)
        self._usage[pod_uid] = _Usage(node, dict(requests))
        info = self.nodes.get(node)
        if info is not None:
            info.requested.update(requests)
            info.pod_count += 1

    def release(self, pod_uid: str) -> bool:
        """Forget a pod's usage (it ended or was deleted); True if it held any."""
        usage = self._usage.pop(pod_uid, None)
        if usage is None:
            return False
        info = self.nodes.get(usage.node)
        if info is not None:
            info.requested.subtract(usage.requests)
            info.pod_count -= 1
        return True

    def _ordered(self) -> list[str]:
        if self._order_dirty:
            self._order = sorted(self.nodes)
            self._order_dirty = False
            self._next_start %= max(1, len(self._order))
        return self._order

    def _candidates(self, pod: PodShape) -> list[str] | None:
        """Nodes carrying every nodeSelector label, in fleet order; None means every node."""
        if not pod.node_selector:
            return None
        sets = [self._label_index.get(item, set()) for item in pod.node_selector.items()]
        sets.sort(key=len)
        names = set(sets[0]).intersection(*sets[1:]) if sets else set()
        return sorted(names)

    def schedule(self, pod: PodShape) -> Decision:
        order = self._ordered()
        total = len(order)
        candidates = self._candidates(pod)
        if candidates is None:
            start = self._next_start if total else 0
            scan = order[start:] + order[:start]
        else:
            scan = candidates
        wanted = feasible_nodes_to_find(total)
        best: tuple[int, str] | None = None
        found = processed = 0
        for name in scan:
            processed += 1
            candidate = self.nodes[name]
            if filter_node(pod, candidate):
                continue
            found += 1
            score = least_allocated_score(pod, candidate)
            if best is None or score > best[0]:
                best = (score, name)
            if found >= wanted:
                break
        if candidates is None and total:
            self._next_start = (self._next_start + processed) % total
        if best is not None:
            return Decision(best[1])
        if not total:
            return Decision(None, NO_NODES_MESSAGE)
        return Decision(None, fit_error_message(total, self._diagnose(pod, candidates)))

    def _diagnose(self, pod: PodShape, candidates: list[str] | None) -> Counter[str]:
        reasons: Counter[str] = Counter()
        if candidates is None:
            for info in self.nodes.values():
                reasons.update(filter_node(pod, info))
            return reasons
        selected = set(candidates)
        for name in candidates:
            reasons.update(filter_node(pod, self.nodes[name]))
        # Nodes outside the label index fail NodeAffinity, unless an earlier filter rejects them first.
        tainted_outside = [n for n in self._tainted if n not in selected]
        for name in tainted_outside:
            reasons.update(filter_node(pod, self.nodes[name]))
        reasons[REASON_AFFINITY] += len(self.nodes) - len(selected) - len(tainted_outside)
        if reasons[REASON_AFFINITY] == 0:
            del reasons[REASON_AFFINITY]
        return reasons
