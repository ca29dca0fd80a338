"""AIJob and AccelCard objects mapped onto the placement engine's inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from accelfleet.api.accelcard import AccelCardSpec
from accelfleet.api.aijob import AIJobSpec
from accelfleet.operator.objects import mapping, name_of, namespace_of, parse_time, uid_of
from accelfleet.placement import CardModel, GangRequest

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class JobView:
    """An AIJob as the operator decides on it; ``spec`` is None when ``spec_error`` says why."""

    namespace: str
    name: str
    uid: str
    generation: int
    created: datetime
    spec: AIJobSpec | None
    spec_error: str | None
    status: Mapping[str, Any]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = str(first.get("msg", "invalid"))
    text = f"spec.{where}: {message}" if where else f"spec: {message}"
    more = len(err.errors()) - 1
    return f"{text} (and {more} more)" if more else text


def job_view(obj: Mapping[str, Any]) -> JobView:
    metadata = mapping(obj.get("metadata"))
    spec: AIJobSpec | None = None
    error: str | None = None
    try:
        spec = AIJobSpec.model_validate(mapping(obj.get("spec")))
    except ValidationError as err:
        error = _first_error(err)
    generation = metadata.get("generation")
    return JobView(
        namespace=namespace_of(obj),
        name=name_of(obj),
        uid=uid_of(obj),
        generation=generation if isinstance(generation, int) else 0,
        created=parse_time(metadata.get("creationTimestamp")) or _EPOCH,
        spec=spec,
        spec_error=error,
        status=mapping(obj.get("status")),
    )


def gang_request(job: JobView, spec: AIJobSpec) -> GangRequest:
    return GangRequest(
        key=job.key,
        replicas=spec.replicas,
        cards_per_replica=spec.cards_per_replica,
        models=tuple(spec.cards.models),
        min_memory_gib=spec.cards.min_memory_gib,
        min_bf16_tflops=spec.cards.min_tflops.bf16,
        ecosystems=frozenset(spec.cards.ecosystems),
        scope=spec.topology.scope.value,
        mode=spec.topology.mode.value,
        priority=spec.priority,
        created=job.created.timestamp(),
        min_replicas=spec.effective_min_available,
    )


def card_models(accelcards: Iterable[Mapping[str, Any]]) -> list[CardModel]:
    """The catalog as placement sees it; an AccelCard the API let through malformed is left out."""
    models = []
    for card in accelcards:
        try:
            spec = AccelCardSpec.model_validate(mapping(card.get("spec")))
        except ValidationError:
            continue
        models.append(
            CardModel(
                name=name_of(card),
                resource_name=spec.resource_name,
                memory_gib=spec.memory_gib,
                bf16_tflops=spec.peak_tflops.bf16,
                ecosystems=frozenset(spec.ecosystems),
                link_group_size=spec.interconnect.link_group_size,
            )
        )
    return models
