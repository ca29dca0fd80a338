"""Topology-aware, all-or-nothing gang placement across mixed card models.

Pure: plain data in, plain data out, no I/O. The operator builds a ``FleetSnapshot`` from Nodes and Pods
(``snapshot_from_objects``), asks ``place`` (one gang) or ``queue_round`` (all pending gangs), writes the
answers into AIJob status, and uses ``feasibility`` to tell a job that can never fit (``Valid=False``)
from one that waits for cards (``Pending``). The policy and its reasons are in docs/placement.md.
"""

from accelfleet.placement.apply import apply
from accelfleet.placement.feasibility import feasibility, feasible_models, validate
from accelfleet.placement.fleet import FleetSnapshot, SuperNodeState
from accelfleet.placement.kube import snapshot_from_objects
from accelfleet.placement.model import (
    CardModel,
    GangRequest,
    Mode,
    NodeAssignment,
    NodeState,
    Placement,
    Reason,
    Scope,
    Unschedulable,
)
from accelfleet.placement.queue import DEFAULT_STARVATION_SECONDS, RoundResult, queue_order, queue_round
from accelfleet.placement.search import place

__all__ = [
    "DEFAULT_STARVATION_SECONDS",
    "CardModel",
    "FleetSnapshot",
    "GangRequest",
    "Mode",
    "NodeAssignment",
    "NodeState",
    "Placement",
    "Reason",
    "RoundResult",
    "Scope",
    "SuperNodeState",
    "Unschedulable",
    "apply",
    "feasibility",
    "feasible_models",
    "place",
    "queue_order",
    "queue_round",
    "snapshot_from_objects",
    "validate",
]
