"""Build the fleet snapshot from Node and Pod objects (plain dicts, as the API returns them).

Cards in use are derived from pods every time, never remembered, so an operator that restarts sees
exactly what the cluster holds. A pod holds its cards from the moment it names a node — bound
(``spec.nodeName``) or only pinned (``spec.nodeSelector["kubernetes.io/hostname"]``, as the operator's
gated pods are) — until it is gone or has finished: a terminating pod still holds them.

Free cards on a node are ``max(0, allocatable - in use)``. When a card turns unhealthy under a running
pod, allocatable shrinks while the pod still counts, so the node may look fuller than it is for a while;
that errs on the side of never promising a card twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from accelfleet.api.names import LABEL_CARD, LABEL_HOSTNAME, LABEL_PLATFORM, LABEL_SUPERNODE
from accelfleet.placement.fleet import FleetSnapshot
from accelfleet.placement.model import CardModel, NodeState

_SUFFIXES = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
_QUANTITY = re.compile(
    r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?\s*$"
)
_FINISHED_PHASES = frozenset({"Succeeded", "Failed"})
_BLOCKING_TAINTS = frozenset({"NoSchedule", "NoExecute"})


def parse_quantity(value: object) -> Decimal | None:
    """A Kubernetes quantity ("8", 8, "1k", "500m") as a number; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = Decimal(str(value))
        return number if number.is_finite() else None
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value)
    if match is None:
        return None
    try:
        return Decimal(match.group(1)) * _SUFFIXES[match.group(2) or ""]
    except InvalidOperation:
        return None


def _cards(value: object, *, round_up: bool) -> int:
    """Whole cards: a node's figure rounds down, a pod's request rounds up (both err on the safe side)."""
    number = parse_quantity(value)
    if number is None or number <= 0:
        return 0
    return math.ceil(number) if round_up else math.floor(number)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def node_usable(node: Mapping[str, Any]) -> bool:
    """Ready, not cordoned and free of NoSchedule/NoExecute taints."""
    spec = _mapping(node.get("spec"))
    if spec.get("unschedulable") is True:
        return False
    if any(_mapping(taint).get("effect") in _BLOCKING_TAINTS for taint in _sequence(spec.get("taints"))):
        return False
    conditions = _sequence(_mapping(node.get("status")).get("conditions"))
    return any(
        _mapping(condition).get("type") == "Ready" and _mapping(condition).get("status") == "True"
        for condition in conditions
    )


def _container_cards(container: object, resource: str) -> int:
    resources = _mapping(_mapping(container).get("resources"))
    requests = _mapping(resources.get("requests"))
    limits = _mapping(resources.get("limits"))
    value = requests.get(resource, limits.get(resource))
    return _cards(value, round_up=True)


def pod_cards(pod: Mapping[str, Any], resource: str) -> int:
    """Cards of ``resource`` a pod holds: its containers' sum, or its largest init container if larger.

    That is the kubelet's own accounting; the operator's pods put the cards on the first container.
    """
    spec = _mapping(pod.get("spec"))
    running = sum(_container_cards(container, resource) for container in _sequence(spec.get("containers")))
    init = max(
        (_container_cards(container, resource) for container in _sequence(spec.get("initContainers"))),
        default=0,
    )
    return max(running, init)


def pod_node(pod: Mapping[str, Any], hostnames: Mapping[str, str]) -> str | None:
    """The node a live pod holds cards on (bound or pinned), or None for a finished or floating pod."""
    if _mapping(pod.get("status")).get("phase") in _FINISHED_PHASES:
        return None
    spec = _mapping(pod.get("spec"))
    bound = spec.get("nodeName")
    if isinstance(bound, str) and bound:
        return bound
    pinned = _mapping(spec.get("nodeSelector")).get(LABEL_HOSTNAME)
    if isinstance(pinned, str) and pinned:
        return hostnames.get(pinned, pinned)
    return None


def snapshot_from_objects(
    nodes: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
    models: Iterable[CardModel],
) -> FleetSnapshot:
    """The fleet snapshot of a cluster's Nodes and Pods; malformed objects are skipped, never fatal.

    A node is an accelerator node when its ``accelfleet.io/card`` label names a known model. A node
    without a super-node label is a super-node of its own, and one without a platform label sits in a
    platform named after its super-node: a stray server is a domain of one at every level.
    """
    catalog = {model.name: model for model in models}
    described: dict[str, tuple[Mapping[str, Any], CardModel]] = {}
    hostnames: dict[str, str] = {}
    for node in nodes:
        metadata = _mapping(node.get("metadata"))
        name = metadata.get("name")
        labels = _mapping(metadata.get("labels"))
        model = catalog.get(str(labels.get(LABEL_CARD)))
        if not isinstance(name, str) or not name or name in described or model is None:
            continue
        described[name] = (node, model)
        hostname = labels.get(LABEL_HOSTNAME)
        if isinstance(hostname, str) and hostname:
            hostnames[hostname] = name
    in_use = dict.fromkeys(described, 0)
    for pod in pods:
        node_name = pod_node(pod, hostnames)
        if node_name in described:
            in_use[node_name] += pod_cards(pod, described[node_name][1].resource_name)
    states = []
    for name, (node, model) in described.items():
        labels = _mapping(_mapping(node.get("metadata")).get("labels"))
        status = _mapping(node.get("status"))
        allocatable = _cards(_mapping(status.get("allocatable")).get(model.resource_name), round_up=False)
        capacity_figure = _mapping(status.get("capacity")).get(model.resource_name)
        capacity = allocatable if capacity_figure is None else _cards(capacity_figure, round_up=False)
        super_node = str(labels.get(LABEL_SUPERNODE) or name)
        states.append(
            NodeState(
                name=name,
                platform=str(labels.get(LABEL_PLATFORM) or super_node),
                super_node=super_node,
                card=model.name,
                capacity=max(capacity, allocatable),
                allocatable=allocatable,
                in_use=in_use[name],
                usable=node_usable(node),
            )
        )
    return FleetSnapshot.from_nodes(states, catalog.values())
