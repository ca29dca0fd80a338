"""Link-group arithmetic: how many replicas of a size fit inside one fast-link group of a node.

Which physical cards a pod holds is not visible through the Kubernetes API, so the engine models a
node's taken cards (in use, unhealthy) as packed into its link groups in order, the way the device
plugin allocates inside one group when it can. A node of K cards with group size g has K // g groups
of g cards, plus one smaller group of the K % g cards left over; no group size, or one of at least K,
means the whole node is one group.
"""

from __future__ import annotations

from functools import lru_cache


def _group_size(capacity: int, group_size: int | None) -> int:
    """The size of one group; a missing, nonsensical or oversized group size means the whole node."""
    if group_size is None or group_size <= 0 or group_size >= capacity:
        return capacity
    return group_size


@lru_cache(maxsize=4096)
def group_free_cards(capacity: int, group_size: int | None, free: int) -> tuple[int, ...]:
    """Free cards per link group, with the taken cards packed into the first groups."""
    if capacity <= 0:
        return ()
    size = _group_size(capacity, group_size)
    sizes = [size] * (capacity // size)
    if capacity % size:
        sizes.append(capacity % size)
    taken = capacity - max(0, min(free, capacity))
    groups: list[int] = []
    for group in sizes:
        used = min(group, taken)
        taken -= used
        groups.append(group - used)
    return tuple(groups)


@lru_cache(maxsize=4096)
def link_slots(capacity: int, group_size: int | None, free: int, cards_per_replica: int) -> int:
    """Replicas that fit each inside one link group.

    A replica larger than a link group can never fit in one, so it has nothing to prefer: every
    replica that fits on the node counts, which keeps such nodes level with the others.
    """
    if cards_per_replica <= 0 or capacity <= 0:
        return 0
    if cards_per_replica > _group_size(capacity, group_size):
        return max(0, min(free, capacity)) // cards_per_replica
    return sum(group // cards_per_replica for group in group_free_cards(capacity, group_size, free))
