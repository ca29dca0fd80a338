"""Card health from the fault-injection annotation (a comma-separated list of card indices)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnhealthySet:
    """The indices marked unhealthy, and the entries that could not be read (reported, then ignored)."""

    indices: frozenset[int]
    rejected: tuple[str, ...] = ()


def parse_unhealthy_cards(value: str | None) -> UnhealthySet:
    """Reads ``"0,3"``; blanks and surrounding spaces are fine, anything but a whole number is rejected."""
    if not value:
        return UnhealthySet(frozenset())
    indices: set[int] = set()
    rejected: list[str] = []
    for raw in value.replace(";", ",").split(","):
        entry = raw.strip()
        if not entry:
            continue
        if entry.isdigit():
            indices.add(int(entry))
        else:
            rejected.append(entry)
    return UnhealthySet(frozenset(indices), tuple(rejected))
