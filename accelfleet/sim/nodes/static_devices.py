"""Static mode: a node's cards come from its labels and annotations, with no plugin process.

For fleets of thousands of nodes a gRPC server per node is too heavy; the kubelet then advertises
``accelfleet.io/card-count`` cards under the card model's resource name, treats the indices in
``accelfleet.io/unhealthy-cards`` as unhealthy, and picks cards itself the way our device plugin's
GetPreferredAllocation would: inside one fast-link group when the request fits in one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from accelfleet.api.names import ANNOTATION_UNHEALTHY_CARDS, ENV_CARD_IDS, LABEL_CARD, LABEL_CARD_COUNT
from accelfleet.sim.nodes.cards import CardCatalog, CardModel
from accelfleet.sim.nodes.devices import (
    Allocation,
    AllocationError,
    DeviceBackend,
    ResourceAmount,
    parse_indices,
)
from accelfleet.sim.store import Object


def pick_cards(free: Sequence[int], count: int, group_size: int) -> list[int] | None:
    """Choose ``count`` of the free card indices, keeping link groups whole; None if too few are free.

    A request that fits in one group goes to the group with the fewest free cards that still holds
    it (best fit, so whole groups stay free for large requests); a larger one takes entirely free
    groups first, then the best-fitting remainder.
    """
    if count <= 0:
        return []
    if len(free) < count:
        return None
    size = max(1, group_size)
    groups: dict[int, list[int]] = {}
    for index in sorted(free):
        groups.setdefault(index // size, []).append(index)
    chosen: list[int] = []
    remaining = count
    if remaining >= size:
        for group_id in sorted(groups):
            if remaining >= size and len(groups[group_id]) == size:
                chosen.extend(groups.pop(group_id))
                remaining -= size
    if remaining:
        fitting = [g for g in groups if len(groups[g]) >= remaining]
        if fitting:
            best = min(fitting, key=lambda g: (len(groups[g]), g))
            chosen.extend(groups[best][:remaining])
        else:
            leftovers = sorted(i for members in groups.values() for i in members)
            chosen.extend(leftovers[:remaining])
    return sorted(chosen)


def device_id(card: str, index: int) -> str:
    return f"{card}-{index}"


class StaticDevices:
    """The DeviceBackend of a static-mode node."""

    def __init__(self, card: CardModel | None, card_count: int, unhealthy: Iterable[int] = ()) -> None:
        self.card = card
        self.card_count = card_count
        self.unhealthy = {i for i in unhealthy if 0 <= i < card_count}
        self._held: dict[str, set[int]] = {}
        self._retired: set[str] = set()

    def reconfigure(self, card: CardModel | None, card_count: int, unhealthy: Iterable[int]) -> None:
        """Follow a label, annotation or card-model change; a resource name no longer used reports 0."""
        if self.card is not None and (card is None or card.resource_name != self.card.resource_name):
            self._retired.add(self.card.resource_name)
        if card is not None:
            self._retired.discard(card.resource_name)
        self.card = card
        self.card_count = card_count
        self.unhealthy = {i for i in unhealthy if 0 <= i < card_count}

    def resources(self) -> Mapping[str, ResourceAmount]:
        amounts = {name: ResourceAmount(0, 0) for name in self._retired}
        if self.card is not None:
            healthy = self.card_count - len(self.unhealthy)
            amounts[self.card.resource_name] = ResourceAmount(self.card_count, healthy)
        return amounts

    def is_device_resource(self, resource: str) -> bool:
        return self.card is not None and resource == self.card.resource_name

    def _in_use(self) -> set[int]:
        return set().union(*self._held.values()) if self._held else set()

    async def allocate(self, pod_uid: str, container: str, resource: str, count: int) -> Allocation:
        if self.card is None or resource != self.card.resource_name:
            raise AllocationError(f"cannot allocate unregistered device {resource}")
        healthy = [i for i in range(self.card_count) if i not in self.unhealthy]
        if not healthy:
            raise AllocationError(f"no healthy devices present; cannot allocate unhealthy devices {resource}")
        in_use = self._in_use()
        free = [i for i in healthy if i not in in_use]
        chosen = pick_cards(free, count, self.card.link_group_size or self.card_count)
        if chosen is None:
            raise AllocationError(
                f"requested number of devices unavailable for {resource}. "
                f"Requested: {count}, Available: {len(free)}"
            )
        self._held.setdefault(pod_uid, set()).update(chosen)
        ids = tuple(device_id(self.card.name, i) for i in chosen)
        envs = {ENV_CARD_IDS: ",".join(ids)}
        if self.card.visible_devices_env:
            envs[self.card.visible_devices_env] = ",".join(str(i) for i in chosen)
        return Allocation(device_ids=ids, indices=tuple(chosen), envs=envs)

    def release(self, pod_uid: str) -> bool:
        return self._held.pop(pod_uid, None) is not None

    def adopt(self, pod_uid: str, indices: Iterable[int]) -> None:
        self._held.setdefault(pod_uid, set()).update(indices)


class StaticProvider:
    """Kubelet DeviceProvider for static mode: cards from labels, models from the card catalog."""

    def __init__(self, catalog: CardCatalog) -> None:
        self._catalog = catalog

    def _read(self, node: Mapping[str, Any]) -> tuple[CardModel | None, int, list[int]]:
        meta = node.get("metadata") or {}
        labels = meta.get("labels") or {}
        try:
            count = max(0, int(labels.get(LABEL_CARD_COUNT, "0")))
        except ValueError:
            count = 0
        card_name = labels.get(LABEL_CARD)
        card = self._catalog.get(card_name) if isinstance(card_name, str) else None
        unhealthy = parse_indices((meta.get("annotations") or {}).get(ANNOTATION_UNHEALTHY_CARDS))
        return card, count, unhealthy

    async def attach(self, node: Object, on_change: Callable[[], None]) -> DeviceBackend:
        return StaticDevices(*self._read(node))

    def refresh(self, node: Object, backend: DeviceBackend) -> bool:
        if not isinstance(backend, StaticDevices):
            return False
        before = dict(backend.resources())
        backend.reconfigure(*self._read(node))
        return dict(backend.resources()) != before

    async def detach(self, name: str) -> None:
        return None
