"""Prometheus metrics of the operator (served on ``/metrics``).

API writes per placed pod is ``accelfleet_api_writes_total`` (summed) over
``accelfleet_pods_placed_total``: the budget is three (create, gate removal, amortised status).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import Counter, Gauge, Histogram

from accelfleet.operator.plan import CardTallyRow

AIJOBS = Gauge("accelfleet_aijobs", "AIJobs by phase.", ["phase"])
CARDS = Gauge(
    "accelfleet_cards", "Accelerator cards by platform, model and state.", ["platform", "model", "state"]
)
PLACEMENT_DURATION = Histogram(
    "accelfleet_placement_duration_seconds",
    "Time to decide one reconcile round (validation, gang steps, queue placement, fleet status).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
TIME_TO_RUNNING = Histogram(
    "accelfleet_gang_time_to_running_seconds",
    "From a gang's placement to all of its pods Running.",
    buckets=(0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
GANG_RESTARTS = Counter(
    "accelfleet_gang_restarts_total", "Gangs restarted after a pod, node or card failure."
)
API_WRITES = Counter("accelfleet_api_writes_total", "Writes to the Kubernetes API.", ["verb", "resource"])
PODS_PLACED = Counter("accelfleet_pods_placed_total", "Gang pods created on the API.")
GANGS_PLACED = Counter(
    "accelfleet_gangs_placed_total", "Gangs placed (all pods of the gang decided at once)."
)
LEADER = Gauge("accelfleet_leader", "1 while this replica is the one acting, 0 while it stands by.")

_CARD_STATES = ("free", "allocated", "unhealthy")
_PHASES = ("Pending", "Scheduled", "Running", "Succeeded", "Failed")


def count_write(verb: str, resource: str) -> None:
    API_WRITES.labels(verb=verb, resource=resource).inc()


def publish_phases(phases: Mapping[str, int]) -> None:
    for phase in sorted(set(_PHASES) | set(phases)):
        AIJOBS.labels(phase=phase).set(phases.get(phase, 0))


def publish_cards(rows: Iterable[CardTallyRow]) -> None:
    CARDS.clear()
    for row in rows:
        for state, value in zip(_CARD_STATES, (row.free, row.allocated, row.unhealthy), strict=True):
            CARDS.labels(platform=row.platform, model=row.model, state=state).set(value)
