"""What the plugin needs to know about a card model, independent of how the catalog stores it.

The core works on ``CardProfile`` only, so the inventory, allocation and health logic never depend
on the API models and can be tested with plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from accelfleet.api.accelcard import AccelCard


@dataclass(frozen=True)
class CardProfile:
    """One card model as the device plugin advertises it."""

    name: str
    vendor: str
    resource_name: str
    visible_devices_env: str | None = None
    device_nodes: tuple[str, ...] = ()
    link_group_size: int | None = None


def profile_from_accelcard(card: AccelCard) -> CardProfile:
    return CardProfile(
        name=card.metadata.name,
        vendor=card.spec.vendor,
        resource_name=card.spec.resource_name,
        visible_devices_env=card.spec.visible_devices_env,
        device_nodes=tuple(card.spec.device_nodes),
        link_group_size=card.spec.interconnect.link_group_size,
    )


def profile_from_object(obj: Mapping[str, Any]) -> CardProfile:
    """Reads an AccelCard API object; raises ``ValueError`` with a one-line reason if it is not valid."""
    try:
        return profile_from_accelcard(AccelCard.model_validate(obj))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"invalid AccelCard ({where}: {first['msg']})") from None
