"""GetPreferredAllocation: keep one container's cards inside one link group whenever possible.

Cards in one link group (an HCCS ring, an MLU-Link bridge, an NVLink island) talk over the fast link;
a container split across groups falls back to PCIe. Within the group rule the choice is best-fit, so
the largest free groups stay whole for later, larger containers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from accelfleet.deviceplugin.inventory import Card


def preferred_allocation(
    cards: Sequence[Card], available: Iterable[str], must_include: Iterable[str], size: int
) -> list[str]:
    """IDs to allocate, ``must_include`` first; deterministic for the same input.

    IDs the plugin does not know are never returned (the kubelet ignores them anyway). If fewer
    than ``size`` cards are available, all of them are returned.
    """
    by_id = {card.id: card for card in cards}
    must = sorted({i for i in must_include if i in by_id}, key=lambda i: by_id[i].index)
    if size <= len(must):
        return must[: max(size, 0)]
    must_set = set(must)
    free: dict[int, list[Card]] = defaultdict(list)
    for card_id in sorted({i for i in available if i in by_id and i not in must_set}):
        card = by_id[card_id]
        free[card.link_group].append(card)
    for members in free.values():
        members.sort(key=lambda card: card.index)
    needed = size - len(must)
    must_groups = {by_id[i].link_group for i in must}

    if len(must_groups) <= 1:
        candidates = list(must_groups) if must_groups else list(free)
        fitting = [g for g in candidates if len(free.get(g, [])) >= needed]
        if fitting:
            best = min(fitting, key=lambda g: (len(free[g]), g))
            return must + [card.id for card in free[best][:needed]]

    # No single group holds the container: use the groups it already touches, then the fullest
    # other groups, so it spans as few groups as possible.
    order = sorted(free, key=lambda g: (g not in must_groups, -len(free[g]), g))
    chosen = list(must)
    for group in order:
        for card in free[group]:
            if len(chosen) == size:
                return chosen
            chosen.append(card.id)
    return chosen
