"""What the demo saw happen to each job, and whether that is what had to happen.

Pure: the runner feeds every polled copy of a job into ``observe`` with the time it was read; the
checks and the figures of the summary are computed from those traces alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from accelfleet.demo.jobs import DemoJob, Outcome
from accelfleet.placement.model import PERMANENT_REASONS

TERMINAL = frozenset({"Succeeded", "Failed"})
PLACED = frozenset({"Scheduled", "Running", "Succeeded", "Failed"})
_PERMANENT = frozenset(reason.value for reason in PERMANENT_REASONS)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def condition(job: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    conditions = _mapping(job.get("status")).get("conditions")
    found = (
        _mapping(c)
        for c in (conditions if isinstance(conditions, list) else [])
        if _mapping(c).get("type") == kind
    )
    return next(found, {})


def phase_of(job: Mapping[str, Any]) -> str:
    return str(_mapping(job.get("status")).get("phase") or "Pending")


@dataclass(frozen=True)
class JobTrace:
    """Times are seconds on the runner's clock; ``None`` until the moment was seen."""

    submitted_at: float | None = None
    placed_at: float | None = None
    running_at: float | None = None
    finished_at: float | None = None
    wait_reason: str | None = None
    invalid_reason: str | None = None
    last: Mapping[str, Any] | None = None

    @property
    def phase(self) -> str:
        return phase_of(self.last) if self.last is not None else "NotSubmitted"


def observe(trace: JobTrace, job: Mapping[str, Any], now: float) -> JobTrace:
    """The trace after one more look at the job: first moments are kept, never moved."""
    phase = phase_of(job)
    status = _mapping(job.get("status"))
    changes: dict[str, Any] = {"last": job}
    if phase in PLACED and trace.placed_at is None:
        changes["placed_at"] = now
    if (phase == "Running" or status.get("startTime") or phase == "Succeeded") and trace.running_at is None:
        changes["running_at"] = now
    if phase in TERMINAL and trace.finished_at is None:
        changes["finished_at"] = now
    valid = condition(job, "Valid")
    scheduled = condition(job, "Scheduled")
    if valid.get("status") == "False" and trace.invalid_reason is None:
        changes["invalid_reason"] = str(valid.get("reason") or "")
    reason = str(scheduled.get("reason") or "")
    if (
        phase == "Pending"
        and scheduled.get("status") == "False"
        and reason not in _PERMANENT
        and trace.wait_reason is None
    ):
        changes["wait_reason"] = reason
    return replace(trace, **changes)


def settled(job: DemoJob, trace: JobTrace) -> bool:
    """Nothing more will happen to this job in the demo: it finished, or it was refused."""
    if trace.last is None:
        return False
    if job.outcome is Outcome.INVALID:
        return trace.invalid_reason is not None or trace.placed_at is not None
    return trace.phase in TERMINAL or trace.invalid_reason is not None


@dataclass(frozen=True)
class Check:
    ok: bool
    text: str


def _placement(trace: JobTrace) -> Mapping[str, Any]:
    return _mapping(_mapping((trace.last or {}).get("status")).get("placement"))


def scope_domains(job: DemoJob, trace: JobTrace) -> int:
    """How many domains of the job's scope level its placement uses."""
    placement = _placement(trace)
    if job.scope == "node":
        nodes = placement.get("nodes")
        return len(nodes) if isinstance(nodes, list) else 0
    if job.scope == "supernode":
        super_nodes = placement.get("superNodes")
        return len(super_nodes) if isinstance(super_nodes, list) else 0
    if job.scope == "platform":
        return len([part for part in str(placement.get("platform") or "").split(",") if part])
    return 1


_LEVEL_NAMES = {"node": "node", "supernode": "super-node", "platform": "platform", "any": "fleet"}


def checks(job: DemoJob, trace: JobTrace) -> list[Check]:
    """Every expectation of the job, each as a line saying what was expected and what happened."""
    if trace.last is None:
        return [Check(False, "was never submitted")]
    if job.outcome is Outcome.INVALID:
        reason = trace.invalid_reason
        return [
            Check(
                reason == job.invalid_reason,
                f"refused with Valid=False ({job.invalid_reason})"
                if reason == job.invalid_reason
                else f"expected Valid=False ({job.invalid_reason}), saw {reason or 'no refusal'}",
            ),
            Check(trace.placed_at is None, "never placed" if trace.placed_at is None else "was placed"),
        ]
    found: list[Check] = []
    phase = trace.phase
    found.append(
        Check(
            phase == "Succeeded",
            "ran and succeeded" if phase == "Succeeded" else f"ended {phase}, not Succeeded",
        )
    )
    if trace.invalid_reason is not None:
        found.append(Check(False, f"refused as invalid ({trace.invalid_reason})"))
    model = str(_mapping((trace.last or {}).get("status")).get("cardModel") or "")
    if model:
        allowed = ", ".join(sorted(job.models)) or "none"
        found.append(
            Check(
                model in job.models,
                f"on {model}" + ("" if model in job.models else f", not one of {allowed}"),
            )
        )
    if job.scope_domains is not None and trace.placed_at is not None:
        used = scope_domains(job, trace)
        level = _LEVEL_NAMES.get(job.scope, job.scope)
        found.append(
            Check(
                used == job.scope_domains,
                f"inside {used} {level}{'' if used == 1 else 's'}"
                + ("" if used == job.scope_domains else f", expected {job.scope_domains}"),
            )
        )
    if job.must_wait:
        found.append(
            Check(
                trace.wait_reason is not None,
                f"waited for cards ({trace.wait_reason})" if trace.wait_reason else "was never seen waiting",
            )
        )
    return found


def time_to_running(trace: JobTrace) -> float | None:
    if trace.submitted_at is None or trace.running_at is None:
        return None
    return max(0.0, trace.running_at - trace.submitted_at)


def waited(trace: JobTrace) -> float | None:
    """Submission to placement: how long the gang waited for cards."""
    if trace.submitted_at is None or trace.placed_at is None:
        return None
    return max(0.0, trace.placed_at - trace.submitted_at)


@dataclass(frozen=True)
class Usage:
    """Cards allocated per platform and per model at one moment."""

    at: float
    platforms: Mapping[str, int]
    models: Mapping[str, int]


@dataclass(frozen=True)
class Utilization:
    name: str
    total: int
    peak: int
    average: float

    @property
    def peak_share(self) -> float:
        return self.peak / self.total if self.total else 0.0

    @property
    def average_share(self) -> float:
        return self.average / self.total if self.total else 0.0


def utilization(
    samples: Sequence[Usage], totals: Mapping[str, int], *, by_model: bool, start: float, end: float
) -> list[Utilization]:
    """Peak and time-weighted average of allocated cards over ``[start, end]`` per platform or model.

    Each sample holds until the next one (the runner samples at a steady pace), so the average is the
    area under that step curve divided by the window.
    """
    window = [sample for sample in samples if start <= sample.at <= end]
    span = end - start
    rows = []
    for name in sorted(totals):
        peak = 0
        area = 0.0
        for index, sample in enumerate(window):
            value = (sample.models if by_model else sample.platforms).get(name, 0)
            peak = max(peak, value)
            until = window[index + 1].at if index + 1 < len(window) else end
            area += value * (until - sample.at)
        rows.append(Utilization(name, totals[name], peak, area / span if span > 0 else float(peak)))
    return rows
