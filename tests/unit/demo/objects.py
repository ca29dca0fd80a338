"""Small Kubernetes objects as the API returns them, for the views' and the demo's pure parts."""

from __future__ import annotations

from typing import Any

from accelfleet.api.catalog import builtin_card
from accelfleet.api.names import (
    LABEL_CARD,
    LABEL_HOSTNAME,
    LABEL_JOB,
    LABEL_PLATFORM,
    LABEL_REPLICA,
    LABEL_SUPERNODE,
)


def resource(card: str) -> str:
    found = builtin_card(card)
    assert found is not None
    return found.spec.resource_name


def node(
    name: str,
    platform: str,
    super_node: str,
    card: str = "hygon-bw1000",
    cards: int = 8,
    healthy: int | None = None,
    ready: bool = True,
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "labels": {
                LABEL_PLATFORM: platform,
                LABEL_SUPERNODE: super_node,
                LABEL_CARD: card,
                LABEL_HOSTNAME: name,
            },
        },
        "spec": {},
        "status": {
            "capacity": {resource(card): str(cards)},
            "allocatable": {resource(card): str(cards if healthy is None else healthy)},
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def pod(
    job: str, replica: int, node_name: str, card: str, cards: int, phase: str = "Running"
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"{job}-{replica}",
            "namespace": "default",
            "labels": {LABEL_JOB: job, LABEL_REPLICA: str(replica)},
        },
        "spec": {
            "nodeName": node_name,
            "containers": [{"name": "main", "resources": {"limits": {resource(card): str(cards)}}}],
        },
        "status": {"phase": phase},
    }


def aijob(name: str, spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    full_spec = {"template": {"spec": {"containers": [{"name": "main", "image": "x"}]}}, **spec}
    job: dict[str, Any] = {
        "apiVersion": "accelfleet.io/v1alpha1",
        "kind": "AIJob",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": full_spec,
    }
    if status is not None:
        job["status"] = status
    return job


def catalog(*names: str) -> list[dict[str, Any]]:
    cards = [builtin_card(name) for name in names]
    return [card.to_wire() for card in cards if card is not None]


def zz1() -> list[dict[str, Any]]:
    """Two super-nodes of two 8-card BW1000 servers, like platform zz1 of the small preset."""
    return [node(f"zz1-sn0{sn}-n0{n}", "zz1", f"zz1-sn0{sn}") for sn in (1, 2) for n in (1, 2)]
