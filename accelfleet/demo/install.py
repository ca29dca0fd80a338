"""Install what a fresh cluster needs, from the package itself (an installed user has no repository):
the CRDs from the models, the built-in card catalog and the preset's platforms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from accelfleet.api.catalog import builtin_cards
from accelfleet.api.crdgen import KINDS, crd
from accelfleet.api.fleets import preset_platforms
from accelfleet.api.names import GROUP, VERSION
from accelfleet.demo.processes import wait_until
from accelfleet.placement.kube import parse_quantity

CRD_TIMEOUT_S = 60.0


def _create(call: Any, *args: Any) -> None:
    from kubernetes import client

    try:
        call(*args)
    except client.ApiException as err:
        if err.status != 409:
            raise


def install(api: Any, preset: str) -> tuple[int, int]:
    """CRDs, then the catalog and the platforms; returns (card models, platforms) installed."""
    from kubernetes import client

    extensions = client.ApiextensionsV1Api(api)
    custom = client.CustomObjectsApi(api)
    for kind in KINDS:
        _create(extensions.create_custom_resource_definition, crd(kind))

    def served() -> bool:
        try:
            for kind in KINDS:
                custom.list_cluster_custom_object(GROUP, VERSION, kind.plural, limit=1)
        except client.ApiException:
            return False
        return True

    wait_until("the CRDs to be served", served, CRD_TIMEOUT_S)
    cards = builtin_cards()
    for card in cards:
        _create(custom.create_cluster_custom_object, GROUP, VERSION, "accelcards", card.to_wire())
    platforms = preset_platforms(preset)
    for platform in platforms:
        _create(custom.create_cluster_custom_object, GROUP, VERSION, "scalexplatforms", platform.to_wire())
    return len(cards), len(platforms)


def advertised_cards(nodes: Iterable[Mapping[str, Any]]) -> int:
    """Cards the nodes report allocatable, over every extended resource (``vendor/name``)."""
    total = 0
    for node in nodes:
        status = node.get("status")
        allocatable = status.get("allocatable") if isinstance(status, Mapping) else None
        for resource, value in (allocatable or {}).items():
            if "/" in resource:
                number = parse_quantity(value)
                total += int(number) if number is not None and number > 0 else 0
    return total
