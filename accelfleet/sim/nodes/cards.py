"""What the simulated nodes need to know about a card model, wherever it was defined.

A node label names an AccelCard; the extended resource it is advertised under, the env var the
vendor's plugin sets and the size of its fast-link group come from the AccelCard object when one is
applied, and from the built-in catalog before that, so a fresh sim already has usable nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CardModel:
    name: str
    resource_name: str
    visible_devices_env: str | None = None
    link_group_size: int | None = None  # None: every card of a server shares one link domain


def card_from_object(obj: Mapping[str, Any]) -> CardModel | None:
    """Read an AccelCard API object; None when it lacks a resource name (it cannot be advertised)."""
    name = obj.get("metadata", {}).get("name")
    spec = obj.get("spec") or {}
    resource = spec.get("resourceName")
    if not isinstance(name, str) or not isinstance(resource, str) or not resource:
        return None
    env = spec.get("visibleDevicesEnv")
    group = (spec.get("interconnect") or {}).get("linkGroupSize")
    return CardModel(
        name=name,
        resource_name=resource,
        visible_devices_env=env if isinstance(env, str) and env else None,
        link_group_size=group if isinstance(group, int) and group > 0 else None,
    )


def builtin_card_models() -> dict[str, CardModel]:
    """The project's catalog as CardModels (empty if the catalog cannot be loaded)."""
    try:
        from accelfleet.api.catalog import builtin_cards
    except ImportError:
        return {}
    models: dict[str, CardModel] = {}
    for card in builtin_cards():
        model = card_from_object(card.model_dump(by_alias=True, exclude_none=True))
        if model is not None:
            models[model.name] = model
    return models


class CardCatalog:
    """Applied AccelCards shadow built-in entries of the same name; deleting one reveals the built-in."""

    def __init__(self, builtin: Mapping[str, CardModel]) -> None:
        self._builtin = dict(builtin)
        self._applied: dict[str, CardModel] = {}

    def get(self, name: str) -> CardModel | None:
        return self._applied.get(name) or self._builtin.get(name)

    def names(self) -> set[str]:
        return set(self._builtin) | set(self._applied)

    def apply(self, obj: Mapping[str, Any]) -> bool:
        """Record an applied AccelCard; True when what nodes of that model advertise changed."""
        name = obj.get("metadata", {}).get("name")
        if not isinstance(name, str):
            return False
        before = self.get(name)
        model = card_from_object(obj)
        if model is None:
            self._applied.pop(name, None)
        else:
            self._applied[name] = model
        return self.get(name) != before

    def remove(self, name: str) -> bool:
        before = self.get(name)
        self._applied.pop(name, None)
        return self.get(name) != before

    def replace_applied(self, objects: Iterable[Mapping[str, Any]]) -> set[str]:
        """Reset the applied set from a full list; return the names whose model changed."""
        names = set(self._applied)
        before = {name: self.get(name) for name in self.names()}
        self._applied = {}
        for obj in objects:
            model = card_from_object(obj)
            if model is not None:
                self._applied[model.name] = model
                names.add(model.name)
        return {name for name in names | set(before) if self.get(name) != before.get(name)}
