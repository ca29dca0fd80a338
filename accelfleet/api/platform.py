"""ScaleXPlatform: one super-cluster (cluster-scoped) and, for simulated fleets, what it contains."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from accelfleet.api.common import Conditions, ObjectMeta, WireModel
from accelfleet.api.names import API_VERSION, LABEL_PLATFORM, LABEL_SUPERNODE


class PlatformInterconnect(WireModel):
    """Bandwidths used to score placements: inside a super-node's bus vs across the scale-out fabric."""

    intra_super_node_gbps: float | None = Field(default=None, ge=0, alias="intraSuperNodeGBps")
    inter_super_node_gbps: float | None = Field(default=None, ge=0, alias="interSuperNodeGBps")


class SimulatedPool(WireModel):
    """A homogeneous block of a simulated platform: N super-nodes of M servers with K cards each."""

    card: str = Field(min_length=1, description="Name of the AccelCard every server of this pool carries.")
    super_nodes: int = Field(ge=1, le=1000)
    nodes_per_super_node: int = Field(ge=1, le=1000)
    cards_per_node: int = Field(ge=1, le=64)


class ScaleXPlatformSpec(WireModel):
    site: str = Field(min_length=1)
    node_selector: dict[str, str] | None = Field(
        default=None,
        description=f"Labels selecting the platform's nodes; absent means {{{LABEL_PLATFORM}: <name>}}.",
    )
    super_node_label: str = Field(default=LABEL_SUPERNODE, min_length=1)
    interconnect: PlatformInterconnect = Field(default_factory=PlatformInterconnect)
    simulate: list[SimulatedPool] | None = Field(
        default=None, description="What a simulated cluster creates for this platform."
    )

    def effective_node_selector(self, platform_name: str) -> dict[str, str]:
        return self.node_selector if self.node_selector is not None else {LABEL_PLATFORM: platform_name}


class CardTally(WireModel):
    model: str
    total: int = Field(ge=0)
    healthy: int = Field(ge=0)
    allocated: int = Field(ge=0)


class PFLOPSTally(WireModel):
    total: float = Field(ge=0)
    allocated: float = Field(ge=0)


class PeakPFLOPS(WireModel):
    bf16: PFLOPSTally | None = None


class ScaleXPlatformStatus(WireModel):
    nodes: int | None = Field(default=None, ge=0)
    ready_nodes: int | None = Field(default=None, ge=0)
    super_nodes: int | None = Field(default=None, ge=0)
    total_cards: int | None = Field(default=None, ge=0)
    allocated_cards: int | None = Field(default=None, ge=0)
    cards: list[CardTally] = Field(default_factory=list)
    peak_pflops: PeakPFLOPS | None = Field(default=None, alias="peakPFLOPS")
    conditions: Conditions
    observed_generation: int | None = None


class ScaleXPlatform(WireModel):
    """A super-cluster: platform -> super-node -> server -> card, and the live tally of its cards."""

    api_version: Literal["accelfleet.io/v1alpha1"] = API_VERSION
    kind: Literal["ScaleXPlatform"] = "ScaleXPlatform"
    metadata: ObjectMeta
    spec: ScaleXPlatformSpec
    status: ScaleXPlatformStatus | None = None
