"""When each gang reached each step, as a user watching its pods would see it.

A pod's steps are: it exists (the operator created it, gated and pinned to a node), its gang gate is
gone, the scheduler bound it (``spec.nodeName``), and it runs. A gang reaches a step when its last pod
does. Marks are taken from object states, not from event types, so a watch that restarts with a fresh
list (after 410 Gone) is read the same way, and each mark keeps the first time it was seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accelfleet.api.names import LABEL_JOB, SCHEDULING_GATE

STEPS = ("created", "ungated", "bound", "running")
_RAN = frozenset({"Running", "Succeeded"})


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def pod_steps(pod: Mapping[str, Any]) -> tuple[str, ...]:
    """The steps a pod object shows it has reached."""
    spec = _mapping(pod.get("spec"))
    gates = spec.get("schedulingGates") or []
    reached = ["created"]
    if not any(_mapping(gate).get("name") == SCHEDULING_GATE for gate in gates):
        reached.append("ungated")
    if spec.get("nodeName"):
        reached.append("bound")
    if _mapping(pod.get("status")).get("phase") in _RAN:
        reached.append("running")
    return tuple(reached)


@dataclass
class Gang:
    replicas: int
    created_at: float
    pods: dict[str, dict[str, float]] = field(default_factory=dict)

    def reached(self, step: str) -> float | None:
        """When the last of the gang's pods reached ``step``; None while some have not."""
        times = [marks[step] for marks in self.pods.values() if step in marks]
        if len(times) < self.replicas:
            return None
        return max(times)

    def first(self, step: str) -> float | None:
        times = [marks[step] for marks in self.pods.values() if step in marks]
        return min(times) if times else None


@dataclass
class Timeline:
    """Every tracked gang by AIJob name; pods of gangs not tracked are ignored."""

    gangs: dict[str, Gang] = field(default_factory=dict)

    def expect(self, job: str, replicas: int, created_at: float) -> None:
        self.gangs[job] = Gang(replicas, created_at)

    def observe(self, pod: Mapping[str, Any], now: float) -> None:
        metadata = _mapping(pod.get("metadata"))
        gang = self.gangs.get(str(_mapping(metadata.get("labels")).get(LABEL_JOB, "")))
        if gang is None:
            return
        marks = gang.pods.setdefault(str(metadata.get("name", "")), {})
        for step in pod_steps(pod):
            marks.setdefault(step, now)

    def elapsed(self, job: str, step: str) -> float | None:
        """Seconds from the AIJob's creation to its whole gang reaching ``step``."""
        gang = self.gangs[job]
        done = gang.reached(step)
        return None if done is None else done - gang.created_at

    def all_reached(self, jobs: Iterable[str], step: str) -> bool:
        return all(self.gangs[job].reached(step) is not None for job in jobs)


def percentile(samples: Iterable[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None without samples."""
    ordered = sorted(samples)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
