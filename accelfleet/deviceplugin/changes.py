"""The log lines a change of advertisement deserves: one per fact that changed, nothing when none did."""

from __future__ import annotations

from accelfleet.deviceplugin.advertisement import Advertisement


def describe_changes(old: Advertisement, new: Advertisement) -> list[str]:
    lines: list[str] = []
    if new.problem and new.problem != old.problem:
        lines.append(f"advertising no cards: {new.problem}")
    if new.health_problem and new.health_problem != old.health_problem:
        lines.append(new.health_problem)
    if new.profile and not new.problem and (new.profile, len(new.cards)) != (old.profile, len(old.cards)):
        lines.append(f"advertising {len(new.cards)} {new.profile.name} cards as {new.resource_name}")
    same_cards = new.cards == old.cards
    went_bad = new.unhealthy - old.unhealthy if same_cards else new.unhealthy
    recovered = old.unhealthy - new.unhealthy if same_cards else frozenset()
    lines.extend(f"card {new.cards[i].id} is Unhealthy" for i in sorted(went_bad))
    lines.extend(f"card {new.cards[i].id} is Healthy again" for i in sorted(recovered))
    if old.problem and not new.problem:
        lines.append(f"resolved: {old.problem}")
    return lines
