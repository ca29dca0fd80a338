"""Pieces the three custom resources share: camelCase wire names, metadata and conditions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """Base of every spec/status model: snake_case in Python, camelCase on the wire.

    Unknown fields are refused so a typo in a manifest is reported instead of silently ignored,
    which is what the API server's strict field validation does too.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        validate_default=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The dict as the API serves it: camelCase keys, unset optional figures left out."""
        data = self.model_dump(by_alias=True, exclude_none=True, mode="json")
        metadata = data.get("metadata")
        if isinstance(metadata, dict):
            for key in ("labels", "annotations"):
                if metadata.get(key) == {}:
                    del metadata[key]
        return data


class ObjectMeta(BaseModel):
    """The part of Kubernetes metadata the models read; everything else is kept as is."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    name: str = Field(min_length=1, max_length=253)
    namespace: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(WireModel):
    """A Kubernetes API convention condition (metav1.Condition)."""

    type: str
    status: ConditionStatus
    reason: str = ""
    message: str = ""
    last_transition_time: datetime | None = None
    observed_generation: int | None = None


# Conditions form a map keyed by type, so server-side apply merges them one by one.
Conditions = Annotated[
    list[Condition],
    Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    ),
]

# The JSON-schema extension that keeps an object's unknown fields (used for PodTemplateSpec).
PRESERVE_UNKNOWN = {"x-kubernetes-preserve-unknown-fields": True}
