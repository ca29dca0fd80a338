"""The cards a node advertises: stable device IDs and the link group each card belongs to."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from accelfleet.deviceplugin.profile import CardProfile

MAX_DEVICE_ID = 63  # the kubelet API's limit on Device.ID
MAX_CARDS = 1024  # far above any real server; keeps a typo like "8000" from flooding the kubelet


@dataclass(frozen=True)
class Card:
    """One advertised card: ``index`` is what the vendor's visible-devices variable lists."""

    id: str
    index: int
    link_group: int


def device_id(card_name: str, index: int) -> str:
    """``<card-name>-<index>``, shortened with a stable hash when that would exceed the kubelet's limit.

    IDs must not change across plugin restarts: the kubelet's checkpoint maps running pods to them.
    """
    suffix = f"-{index}"
    if len(card_name) + len(suffix) <= MAX_DEVICE_ID:
        return card_name + suffix
    digest = hashlib.sha256(card_name.encode()).hexdigest()[:8]
    keep = MAX_DEVICE_ID - len(suffix) - len(digest) - 1
    return f"{card_name[:keep].rstrip('-.')}-{digest}{suffix}"


def build_inventory(profile: CardProfile, count: int) -> tuple[Card, ...]:
    """Cards ``0..count-1``; consecutive runs of ``link_group_size`` share a link group.

    Without a known group size every card counts as linked to every other, so allocation has no
    grouping preference.
    """
    size = profile.link_group_size or max(count, 1)
    return tuple(Card(id=device_id(profile.name, i), index=i, link_group=i // size) for i in range(count))


def parse_card_count(text: str | None) -> int:
    """The ``card-count`` label as a number; raises ``ValueError`` with a one-line reason."""
    if text is None:
        raise ValueError("no card count given")
    stripped = text.strip()
    if not stripped.isdigit():
        raise ValueError(f"card count {text!r} is not a non-negative whole number")
    count = int(stripped)
    if count > MAX_CARDS:
        raise ValueError(f"card count {count} is more than {MAX_CARDS}")
    return count
