"""What one reconcile round decided: the writes the shell performs, in the order that keeps a crash safe.

For each job the status goes first (a placement is on record before any pod of it exists; a restart is
on record before its pods are deleted), then pods are created, gates lifted, old pods deleted, and
Events posted. Whatever the operator is killed between, the next round reads the cluster and
finishes the same story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from accelfleet.operator.jobs import JobView
from accelfleet.operator.objects import Obj


@dataclass(frozen=True, slots=True)
class EventNote:
    """A Kubernetes Event on the job: ``kind`` is Normal or Warning."""

    kind: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Ungate:
    """Lift the gang gate from the pod ``name`` with ``uid``; ``remaining`` are the other gates it keeps."""

    name: str
    uid: str
    remaining: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JobAction:
    """Writes for one AIJob. ``status`` is the whole new status, or None when nothing changed.

    ``force`` names deleted pods on nodes that are not Ready: they are deleted without a grace
    period, since no kubelet will confirm their end and the gang needs their names again.
    ``create`` pods are made only after the status write succeeded; when every one of them exists
    (created now, or found existing), the gates in ``ungate_after_create`` and those of the new pods
    are lifted, so the scheduler sees the gang at once.
    """

    job: JobView
    status: Obj | None = None
    create: tuple[Obj, ...] = ()
    service: Obj | None = None
    ungate_after_create: tuple[Ungate, ...] = ()
    ungate: tuple[Ungate, ...] = ()
    delete: tuple[tuple[str, str], ...] = ()
    force: frozenset[str] = frozenset()
    events: tuple[EventNote, ...] = ()
    restarted: bool = False
    seconds_to_running: float | None = None

    @property
    def has_writes(self) -> bool:
        return bool(self.status is not None or self.create or self.ungate or self.delete or self.events)


@dataclass(frozen=True, slots=True)
class CardTallyRow:
    """One (platform, model) line of the fleet's card counts, for the cards metric."""

    platform: str
    model: str
    free: int
    allocated: int
    unhealthy: int


@dataclass(frozen=True, slots=True)
class RoundPlan:
    jobs: tuple[JobAction, ...] = ()
    accelcard_status: tuple[tuple[str, Obj], ...] = ()
    platform_status: tuple[tuple[str, Obj], ...] = ()
    phases: dict[str, int] = field(default_factory=dict)
    cards: tuple[CardTallyRow, ...] = ()
    placements: int = 0
    orphans: tuple[tuple[str, str, str], ...] = ()
    next_deadline: datetime | None = None
