"""Which card models may serve a gang: the job's model list and capability filters against the catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from accelfleet.placement.model import CardModel, GangRequest, Reason, Unschedulable

_LISTED = 6


def join_limited(items: Iterable[str], limit: int = _LISTED) -> str:
    """A comma list that stays one readable line however long the catalog grows."""
    names = list(items)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """Models that pass the job's filters, most preferred first, and why each other one failed."""

    candidates: tuple[CardModel, ...]
    rejected: tuple[tuple[str, str], ...]


def _figure(value: float) -> str:
    return f"{value:g}"


def rejection(request: GangRequest, model: CardModel) -> str | None:
    """Why ``model`` cannot serve ``request``, or None when it can."""
    if request.min_memory_gib is not None:
        if model.memory_gib is None:
            return "memory unknown"
        if model.memory_gib < request.min_memory_gib:
            return f"memory {model.memory_gib} GiB < {_figure(request.min_memory_gib)}"
    if request.min_bf16_tflops is not None:
        if model.bf16_tflops is None:
            return "BF16 TFLOPS unknown"
        if model.bf16_tflops < request.min_bf16_tflops:
            return f"BF16 {_figure(model.bf16_tflops)} TFLOPS < {_figure(request.min_bf16_tflops)}"
    if request.ecosystems and not (model.ecosystems & request.ecosystems):
        runs = ", ".join(sorted(model.ecosystems)) or "none listed"
        return f"ecosystems {runs}, not {' or '.join(sorted(request.ecosystems))}"
    return None


def match_models(request: GangRequest, catalog: Mapping[str, CardModel]) -> ModelChoice | Unschedulable:
    """The candidate models in preference order: the job's own order, else by name.

    Any unknown name refuses the job: a typo in a model list would otherwise silently narrow it.
    """
    if request.models:
        unknown = [name for name in request.models if name not in catalog]
        if unknown:
            return Unschedulable(
                Reason.UNKNOWN_CARD_MODEL,
                f"unknown card model {join_limited(repr(name) for name in unknown)}; "
                f"known models: {join_limited(sorted(catalog)) or 'none'}",
            )
        listed = tuple(dict.fromkeys(request.models))
    else:
        listed = tuple(sorted(catalog))
    candidates: list[CardModel] = []
    rejected: list[tuple[str, str]] = []
    for name in listed:
        why = rejection(request, catalog[name])
        if why is None:
            candidates.append(catalog[name])
        else:
            rejected.append((name, why))
    if not candidates:
        if not rejected:
            return Unschedulable(Reason.NO_MATCHING_CARD_MODEL, "the card catalog is empty")
        return Unschedulable(
            Reason.NO_MATCHING_CARD_MODEL,
            "no card model meets the requirements: "
            + join_limited(f"{name} ({why})" for name, why in rejected),
        )
    return ModelChoice(candidates=tuple(candidates), rejected=tuple(rejected))
