"""Kubernetes-style conditions: one per type, ``lastTransitionTime`` moving only when status flips."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from accelfleet.operator.objects import mapping


def find(conditions: Iterable[Mapping[str, Any]], kind: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions if mapping(c).get("type") == kind), None)


def set_condition(
    conditions: list[dict[str, Any]],
    kind: str,
    status: bool,
    reason: str,
    message: str,
    now: str,
    generation: int | None = None,
) -> list[dict[str, Any]]:
    """A copy of ``conditions`` with ``kind`` set; its transition time kept unless the status flips."""
    value = "True" if status else "False"
    previous = find(conditions, kind)
    since = now
    if previous is not None and previous.get("status") == value and previous.get("lastTransitionTime"):
        since = str(previous["lastTransitionTime"])
    updated: dict[str, Any] = {
        "type": kind,
        "status": value,
        "reason": reason,
        "message": message,
        "lastTransitionTime": since,
    }
    if generation is not None:
        updated["observedGeneration"] = generation
    if previous is None:
        return [*(dict(c) for c in conditions), updated]
    return [updated if mapping(c).get("type") == kind else dict(c) for c in conditions]


def is_true(conditions: Iterable[Mapping[str, Any]], kind: str) -> bool:
    found = find(conditions, kind)
    return found is not None and found.get("status") == "True"
