"""AccelCard: one accelerator card model of the fleet catalog (cluster-scoped)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from accelfleet.api.common import Conditions, ObjectMeta, WireModel
from accelfleet.api.names import API_VERSION

# The kubelet's extended-resource rule, as far as a schema pattern can say it: a lower-case DNS
# subdomain prefix, a slash, then a qualified name (case allowed, e.g. huawei.com/Ascend910).
RESOURCE_NAME_PATTERN = (
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/"
    r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"
)
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class PeakTFLOPS(WireModel):
    """Dense peak throughput per precision; a figure nobody published stays absent."""

    bf16: float | None = Field(default=None, ge=0)
    fp16: float | None = Field(default=None, ge=0)
    fp32: float | None = Field(default=None, ge=0)
    fp8: float | None = Field(default=None, ge=0)
    int8: float | None = Field(default=None, ge=0)


class CardInterconnect(WireModel):
    """The fast link between cards inside one server; it decides which cards a replica should share."""

    name: str | None = None
    link_group_size: int | None = Field(default=None, ge=1)
    bandwidth_gbps: float | None = Field(default=None, ge=0, alias="bandwidthGBps")


class AccelCardSpec(WireModel):
    vendor: str = Field(min_length=1)
    model: str = Field(min_length=1)
    resource_name: str = Field(pattern=RESOURCE_NAME_PATTERN, max_length=253)
    memory_gib: int | None = Field(default=None, ge=1, alias="memoryGiB")
    peak_tflops: PeakTFLOPS = Field(default_factory=PeakTFLOPS, alias="peakTFLOPS")
    ecosystems: list[str] = Field(default_factory=list)
    interconnect: CardInterconnect = Field(default_factory=CardInterconnect)
    visible_devices_env: str | None = Field(default=None, pattern=ENV_NAME_PATTERN)
    device_nodes: list[str] = Field(default_factory=list)


class AccelCardStatus(WireModel):
    nodes: int | None = Field(default=None, ge=0)
    total: int | None = Field(default=None, ge=0)
    healthy: int | None = Field(default=None, ge=0)
    allocated: int | None = Field(default=None, ge=0)
    conditions: Conditions
    observed_generation: int | None = None


class AccelCard(WireModel):
    """A card model of the fleet catalog: what it is, what it can do, how its device plugin names it."""

    api_version: Literal["accelfleet.io/v1alpha1"] = API_VERSION
    kind: Literal["AccelCard"] = "AccelCard"
    metadata: ObjectMeta
    spec: AccelCardSpec
    status: AccelCardStatus | None = None
