"""What the kubelet needs from a node's devices, whether a real plugin or the node's labels report them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

_TRAILING_NUMBER = re.compile(r"(\d+)$")


class AllocationError(Exception):
    """Admission must fail; the message is the kubelet device manager's own error text."""


@dataclass(frozen=True)
class Allocation:
    device_ids: tuple[str, ...]
    indices: tuple[int, ...]
    envs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceAmount:
    capacity: int
    allocatable: int


class DeviceBackend(Protocol):
    def resources(self) -> Mapping[str, ResourceAmount]:
        """Every device resource the node reports (capacity 0 for one dropped after its plugin left)."""
        ...

    def is_device_resource(self, resource: str) -> bool: ...

    async def allocate(self, pod_uid: str, container: str, resource: str, count: int) -> Allocation:
        """Pick and reserve ``count`` healthy free devices; raises AllocationError."""
        ...

    def release(self, pod_uid: str) -> bool:
        """Free what the pod holds; True if it held anything."""
        ...

    def adopt(self, pod_uid: str, indices: Iterable[int]) -> None:
        """Mark cards as held by a pod admitted before this kubelet started (a restarted sim)."""
        ...


def card_index(device_id: str) -> int | None:
    """The card index a device ID ends with (``huawei-ascend-910b-3`` -> 3)."""
    match = _TRAILING_NUMBER.search(device_id)
    return int(match.group(1)) if match else None


def parse_indices(text: str | None) -> list[int]:
    """A comma-separated index list as used by the allocated-cards and unhealthy-cards annotations."""
    indices: list[int] = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit():
            indices.append(int(part))
    return indices
