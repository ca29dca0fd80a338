"""Trimmed copies of watched objects and small readers over them.

The operator mirrors every Pod and Node it watches; keeping only the fields its decisions read keeps a
fleet of tens of thousands of pods within a few hundred MiB. The trimmed dicts keep the API's shape,
so the placement engine's ``snapshot_from_objects`` reads them like the originals.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from accelfleet.api.names import (
    ANNOTATION_ALLOCATED_CARDS,
    ANNOTATION_UNHEALTHY_CARDS,
    LABEL_HOSTNAME,
)

Obj = dict[str, Any]

_FINISHED = frozenset({"Succeeded", "Failed"})


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one (plain dicts first: ABC checks are slow)."""
    if isinstance(value, dict):
        return value
    return value if isinstance(value, Mapping) else {}


def sequence(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return list(value) if isinstance(value, tuple) else []


def _pick(source: Mapping[str, Any], keys: tuple[str, ...]) -> Obj:
    return {key: source[key] for key in keys if key in source}


def _slim_meta(meta: Mapping[str, Any], annotations: tuple[str, ...]) -> Obj:
    slim = _pick(
        meta,
        (
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "labels",
            "deletionTimestamp",
            "creationTimestamp",
            "ownerReferences",
        ),
    )
    kept = {key: value for key, value in mapping(meta.get("annotations")).items() if key in annotations}
    if kept:
        slim["annotations"] = kept
    return slim


def slim_pod(pod: Mapping[str, Any]) -> Obj:
    """What placement and the gang decisions read of a pod: owner, node, card requests, outcome."""
    spec = mapping(pod.get("spec"))
    status = mapping(pod.get("status"))
    containers = [
        {"name": mapping(c).get("name"), "resources": mapping(c).get("resources") or {}}
        for c in sequence(spec.get("containers"))
    ]
    slim_spec: Obj = {"containers": containers}
    init = [{"resources": mapping(c).get("resources") or {}} for c in sequence(spec.get("initContainers"))]
    if init:
        slim_spec["initContainers"] = init
    slim_spec.update(_pick(spec, ("nodeName", "nodeSelector", "schedulingGates")))
    slim_status = _pick(status, ("phase", "reason", "message"))
    exit_codes = [
        mapping(mapping(mapping(s).get("state")).get("terminated")).get("exitCode")
        for s in sequence(status.get("containerStatuses"))
    ]
    if any(code is not None for code in exit_codes):
        slim_status["exitCodes"] = exit_codes
    return {
        "metadata": _slim_meta(mapping(pod.get("metadata")), (ANNOTATION_ALLOCATED_CARDS,)),
        "spec": slim_spec,
        "status": slim_status,
    }


def slim_node(node: Mapping[str, Any]) -> Obj:
    """What placement and the status tallies read of a node: labels, taints, cards, readiness."""
    spec = mapping(node.get("spec"))
    status = mapping(node.get("status"))
    conditions = [
        _pick(mapping(c), ("type", "status", "reason"))
        for c in sequence(status.get("conditions"))
        if mapping(c).get("type") == "Ready"
    ]
    return {
        "metadata": _slim_meta(mapping(node.get("metadata")), (ANNOTATION_UNHEALTHY_CARDS,)),
        "spec": _pick(spec, ("unschedulable", "taints")),
        "status": {
            "capacity": {k: v for k, v in mapping(status.get("capacity")).items() if "/" in k},
            "allocatable": {k: v for k, v in mapping(status.get("allocatable")).items() if "/" in k},
            "conditions": conditions,
        },
    }


def name_of(obj: Mapping[str, Any]) -> str:
    return str(mapping(obj.get("metadata")).get("name") or "")


def namespace_of(obj: Mapping[str, Any]) -> str:
    return str(mapping(obj.get("metadata")).get("namespace") or "")


def uid_of(obj: Mapping[str, Any]) -> str:
    return str(mapping(obj.get("metadata")).get("uid") or "")


def labels_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return mapping(mapping(obj.get("metadata")).get("labels"))


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return mapping(mapping(obj.get("metadata")).get("annotations"))


def is_deleting(obj: Mapping[str, Any]) -> bool:
    return bool(mapping(obj.get("metadata")).get("deletionTimestamp"))


def pod_phase(pod: Mapping[str, Any]) -> str:
    return str(mapping(pod.get("status")).get("phase") or "Pending")


def pod_finished(pod: Mapping[str, Any]) -> bool:
    return pod_phase(pod) in _FINISHED


def pod_pinned_node(pod: Mapping[str, Any]) -> str | None:
    """The node a pod is bound to, else the hostname it is pinned to."""
    spec = mapping(pod.get("spec"))
    bound = spec.get("nodeName")
    if isinstance(bound, str) and bound:
        return bound
    pinned = mapping(spec.get("nodeSelector")).get(LABEL_HOSTNAME)
    return pinned if isinstance(pinned, str) and pinned else None


def pod_gates(pod: Mapping[str, Any]) -> list[str]:
    return [str(mapping(g).get("name")) for g in sequence(mapping(pod.get("spec")).get("schedulingGates"))]


def node_ready(node: Mapping[str, Any]) -> bool:
    return any(
        mapping(c).get("type") == "Ready" and mapping(c).get("status") == "True"
        for c in sequence(mapping(node.get("status")).get("conditions"))
    )


def index_list(value: object) -> frozenset[int]:
    """A comma-separated card index list ("0,3"); anything unreadable is skipped."""
    if not isinstance(value, str):
        return frozenset()
    found: set[int] = set()
    for part in value.split(","):
        part = part.strip()
        if part.isdigit():
            found.add(int(part))
    return frozenset(found)


def newer_or_same(incoming: Mapping[str, Any], current: Mapping[str, Any] | None) -> bool:
    """Whether an incoming copy may replace the one held: never go back to an older resourceVersion.

    Resource versions are opaque by contract but are increasing integers on every server we know;
    anything else is taken as newer, so a server with other versions is still mirrored.
    """
    if current is None:
        return True
    new = str(mapping(incoming.get("metadata")).get("resourceVersion") or "")
    old = str(mapping(current.get("metadata")).get("resourceVersion") or "")
    if new.isdigit() and old.isdigit():
        return int(new) >= int(old)
    return True


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp as the API writes it, timezone-aware; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
