"""AIJob: a distributed job run as one gang of pods, each replica holding N cards of one model."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from accelfleet.api.common import PRESERVE_UNKNOWN, Conditions, ObjectMeta, WireModel
from accelfleet.api.names import API_VERSION


class Scope(StrEnum):
    """Topology levels, innermost first: a gang kept inside a smaller domain talks faster."""

    NODE = "node"
    SUPERNODE = "supernode"
    PLATFORM = "platform"
    ANY = "any"


class ScopeMode(StrEnum):
    REQUIRED = "required"
    PREFERRED = "preferred"


class Phase(StrEnum):
    PENDING = "Pending"
    SCHEDULED = "Scheduled"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


class MinTFLOPS(WireModel):
    bf16: float | None = Field(default=None, ge=0)


class CardRequirements(WireModel):
    """Which card models may serve the job; every filter given must hold, empty means any card."""

    models: list[str] = Field(default_factory=list, description="AccelCard names, any of.")
    min_memory_gib: int | None = Field(default=None, ge=1, alias="minMemoryGiB")
    min_tflops: MinTFLOPS = Field(default_factory=MinTFLOPS, alias="minTFLOPS")
    ecosystems: list[str] = Field(default_factory=list, description="Software stacks, any of.")


class TopologySpec(WireModel):
    scope: Scope = Scope.SUPERNODE
    mode: ScopeMode = ScopeMode.PREFERRED


class GangSpec(WireModel):
    min_available: int | None = Field(
        default=None,
        ge=1,
        description=(
            "The fewest replicas the gang may start with; defaults to replicas. Below replicas the gang is "
            "placed at the largest size from minAvailable to replicas that fits when it is placed, all or "
            "nothing at that size, and keeps that size until it ends or restarts (ACCELFLEET_WORLD_SIZE is "
            "fixed at start, like torchrun's --nnodes=min:max settled at rendezvous); it never grows later. "
            "status.cards shows the size placed."
        ),
    )
    timeout_seconds: int = Field(
        default=300,
        ge=1,
        description="How long placed pods may stay un-Running before the gang is re-placed.",
    )


# A PodTemplateSpec is validated by the API server when the operator creates pods from it; the CRD
# only insists on what the operator itself needs: at least one named container.
_POD_TEMPLATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A PodTemplateSpec; the operator adds node pinning, card limits, env and the gang gate.",
    "required": ["spec"],
    "properties": {
        "metadata": {"type": "object", **PRESERVE_UNKNOWN},
        "spec": {
            "type": "object",
            **PRESERVE_UNKNOWN,
            "required": ["containers"],
            "properties": {
                "containers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "object", **PRESERVE_UNKNOWN, "required": ["name"]},
                }
            },
        },
    },
}
PodTemplate = Annotated[dict[str, Any], WithJsonSchema(_POD_TEMPLATE_SCHEMA)]


class AIJobSpec(WireModel):
    model_config = WireModel.model_config | ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {
                    "rule": "!has(self.gang) || !has(self.gang.minAvailable) || "
                    "self.gang.minAvailable <= self.replicas",
                    "message": "gang.minAvailable must not exceed replicas",
                    "fieldPath": ".gang.minAvailable",
                }
            ]
        }
    )

    replicas: int = Field(ge=1, le=100_000)
    cards_per_replica: int = Field(ge=1, le=64)
    cards: CardRequirements = Field(default_factory=CardRequirements)
    topology: TopologySpec = Field(default_factory=TopologySpec)
    gang: GangSpec = Field(default_factory=GangSpec)
    priority: int = 0
    backoff_limit: int = Field(default=3, ge=0)
    template: PodTemplate

    @model_validator(mode="after")
    def _min_available_within_replicas(self) -> AIJobSpec:
        if self.gang.min_available is not None and self.gang.min_available > self.replicas:
            raise ValueError(
                f"gang.minAvailable ({self.gang.min_available}) must not exceed replicas ({self.replicas})"
            )
        containers = self.template.get("spec", {}).get("containers")
        if not isinstance(containers, list) or not containers:
            raise ValueError("template.spec.containers must list at least one container")
        return self

    @property
    def total_cards(self) -> int:
        return self.replicas * self.cards_per_replica

    @property
    def effective_min_available(self) -> int:
        return self.gang.min_available if self.gang.min_available is not None else self.replicas


class PlacedNode(WireModel):
    name: str
    replicas: list[int]
    cards: int = Field(ge=0)


class Placement(WireModel):
    platform: str
    super_nodes: list[str]
    nodes: list[PlacedNode]


class AIJobStatus(WireModel):
    phase: Phase | None = None
    card_model: str | None = None
    cards: str | None = Field(
        default=None,
        description=(
            "replicas x cardsPerReplica, for kubectl get: the replicas placed once placed, the replicas "
            "asked for before (min-max for a gang whose minAvailable is below replicas, e.g. 2-4x8)."
        ),
    )
    placement: Placement | None = None
    ready_replicas: int | None = Field(default=None, ge=0)
    restarts: int | None = Field(default=None, ge=0)
    start_time: datetime | None = None
    completion_time: datetime | None = None
    conditions: Conditions
    message: str | None = None
    observed_generation: int | None = None


class AIJob(WireModel):
    """A distributed job placed as one gang: every replica lands at once, close together, or none does."""

    api_version: Literal["accelfleet.io/v1alpha1"] = API_VERSION
    kind: Literal["AIJob"] = "AIJob"
    metadata: ObjectMeta
    spec: AIJobSpec
    status: AIJobStatus | None = None
