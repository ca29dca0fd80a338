"""The plain data the placement engine reads and writes.

The engine stays independent of the Kubernetes objects and the pydantic API models: the operator maps
AccelCard and AIJob objects onto these small frozen records, and writes ``Placement.to_status()`` back.
Keeping the inputs this small is what lets property tests generate thousands of fleets and gangs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

# The AIJob API's own enums: placement takes the same words the user wrote in spec.topology.
from accelfleet.api.aijob import Scope as Scope
from accelfleet.api.aijob import ScopeMode

Mode = ScopeMode


@dataclass(frozen=True, slots=True)
class CardModel:
    """One catalog entry, reduced to what placement decides on.

    A figure nobody published is ``None``; a capability filter on it never matches, so the engine
    never guesses a card into a job that asked for more than is known.
    """

    name: str
    resource_name: str
    memory_gib: int | None = None
    bf16_tflops: float | None = None
    ecosystems: frozenset[str] = frozenset()
    link_group_size: int | None = None


@dataclass(frozen=True, slots=True)
class NodeState:
    """One server as placement sees it.

    ``capacity`` counts every card the server has (healthy or not), ``allocatable`` the healthy ones,
    ``in_use`` the cards held by pods. ``usable`` is False for a node that is not Ready, cordoned or
    tainted NoSchedule/NoExecute: its cards still count for what the fleet could ever hold.
    """

    name: str
    platform: str
    super_node: str
    card: str
    capacity: int
    allocatable: int
    in_use: int = 0
    usable: bool = True

    @property
    def free(self) -> int:
        """Cards a new replica may take; a card marked unhealthy while in use is not counted twice."""
        if not self.usable:
            return 0
        return max(0, min(self.allocatable, self.capacity) - self.in_use)


@dataclass(frozen=True, slots=True)
class GangRequest:
    """A gang to place: ``replicas`` pods, each holding ``cards_per_replica`` cards of one model.

    ``models`` empty means any card model; the capability filters and ``ecosystems`` narrow the
    choice. ``scope`` and ``mode`` take the AIJob strings (see ``Scope`` and ``Mode``) and are
    validated by the engine, so a bad value becomes an ``InvalidRequest`` answer, not an exception.
    ``created`` orders gangs of equal priority (older first): any number that grows with time.

    ``min_replicas`` (the AIJob's ``gang.minAvailable``; None means ``replicas``) makes the gang
    elastic at start: it is placed at the largest size between the two that fits now, all or nothing
    at that size, like torchrun's ``--nnodes=min:max`` settled once at rendezvous.
    """

    key: str
    replicas: int
    cards_per_replica: int
    models: tuple[str, ...] = ()
    min_memory_gib: float | None = None
    min_bf16_tflops: float | None = None
    ecosystems: frozenset[str] = frozenset()
    scope: str = Scope.SUPERNODE
    mode: str = Mode.PREFERRED
    priority: int = 0
    created: float = 0.0
    min_replicas: int | None = None

    @property
    def total_cards(self) -> int:
        return self.replicas * self.cards_per_replica

    @property
    def minimum(self) -> int:
        """The fewest replicas the gang may start with."""
        return self.replicas if self.min_replicas is None else self.min_replicas

    @property
    def elastic(self) -> bool:
        return self.minimum < self.replicas

    def sized(self, replicas: int) -> GangRequest:
        """The same gang at a fixed size: what the search places once the size is chosen."""
        return replace(self, replicas=replicas, min_replicas=None)


@dataclass(frozen=True, slots=True)
class NodeAssignment:
    """The replicas (ranks) one node receives and the cards they hold there."""

    name: str
    replicas: tuple[int, ...]
    cards: int


@dataclass(frozen=True, slots=True)
class Placement:
    """Where every replica of a gang goes, rank by rank.

    ``replica_nodes[i]`` is the node of rank ``i``; ``nodes`` groups the same answer per node in rank
    order. ``platforms`` and ``super_nodes`` list the domains used, in rank order of first use.
    ``link_group_misses`` counts replicas that had to span link groups although their cards would fit
    in one. An elastic gang's placement holds ``replicas`` ranks, ``0 .. replicas - 1``: the size it
    was started at, anywhere from its minimum to the replicas it asked for.
    """

    key: str
    card_model: str
    resource_name: str
    cards_per_replica: int
    platforms: tuple[str, ...]
    super_nodes: tuple[str, ...]
    replica_nodes: tuple[str, ...]
    nodes: tuple[NodeAssignment, ...]
    link_group_misses: int = 0

    @property
    def replicas(self) -> int:
        """How many replicas the placement holds (for an elastic gang, the size it was started at)."""
        return len(self.replica_nodes)

    @property
    def platform(self) -> str:
        """The one platform of the gang; a gang spread over several names them comma-separated."""
        return ",".join(self.platforms)

    def to_status(self) -> dict[str, Any]:
        """The AIJob ``status.placement`` object (DESIGN.md section 2)."""
        return {
            "platform": self.platform,
            "superNodes": list(self.super_nodes),
            "nodes": [
                {"name": node.name, "replicas": list(node.replicas), "cards": node.cards}
                for node in self.nodes
            ],
        }


class Reason(StrEnum):
    """Why a gang has no placement, in the CamelCase style of Kubernetes condition reasons."""

    INVALID_REQUEST = "InvalidRequest"
    UNKNOWN_CARD_MODEL = "UnknownCardModel"
    NO_MATCHING_CARD_MODEL = "NoMatchingCardModel"
    EMPTY_FLEET = "EmptyFleet"
    REPLICA_EXCEEDS_NODE = "ReplicaExceedsNode"
    EXCEEDS_FLEET = "ExceedsFleet"
    SCOPE_NEVER_SATISFIABLE = "ScopeNeverSatisfiable"
    INSUFFICIENT_CARDS = "InsufficientCards"
    TOPOLOGY_CONSTRAINT = "TopologyConstraint"
    WAITING_FOR_RESERVATION = "WaitingForReservation"


PERMANENT_REASONS = frozenset(
    {
        Reason.INVALID_REQUEST,
        Reason.UNKNOWN_CARD_MODEL,
        Reason.NO_MATCHING_CARD_MODEL,
        Reason.EMPTY_FLEET,
        Reason.REPLICA_EXCEEDS_NODE,
        Reason.EXCEEDS_FLEET,
        Reason.SCOPE_NEVER_SATISFIABLE,
    }
)


@dataclass(frozen=True, slots=True)
class Unschedulable:
    """No placement, with a reason code and one line a human can act on.

    ``permanent`` reasons cannot change while the fleet keeps its shape (the operator sets
    ``Valid=False``); the others clear as cards free up (the job stays ``Pending``).
    """

    reason: Reason
    message: str
    permanent: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permanent", self.reason in PERMANENT_REASONS)
