"""Which pod holds which card, from the kubelet's PodResources listing, and which pods to annotate.

Allocate does not say which pod it serves, so the kubelet's PodResources API is the only place that
ties the device IDs it picked to pods. These decisions are pure; ``pod_annotations`` reads the
listing and the API and writes the patches.

A pod is named, not identified by UID, in a listing, and a deleted pod can come back under the same
name (a restarted gang). Two rules keep one incarnation's cards off another:
- a pod is annotated only once the kubelet has acknowledged it (``status.startTime`` is set) and
  while it has not finished. The kubelet drops a deleted pod before it takes in the next pod of the
  same name, so a listing taken *after* the API read that showed the acknowledged pod describes that
  pod or a newer one, never an older one;
- the patch carries the ``resourceVersion`` that was read, so a pod replaced in between is refused by
  the API server instead of patched.
A name listed twice (two incarnations at once) is skipped until the kubelet lets go of one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS
from accelfleet.deviceplugin.inventory import Card
from accelfleet.deviceplugin.podresources.v1 import api_pb2

PodKey = tuple[str, str]  # (namespace, name)

FINISHED_PHASES = frozenset({"Succeeded", "Failed"})


@dataclass(frozen=True)
class PodView:
    """What the API says about a pod on this node, as far as the annotation is concerned."""

    namespace: str
    name: str
    resource_version: str
    allocated_cards: str | None
    acknowledged: bool

    @property
    def key(self) -> PodKey:
        return (self.namespace, self.name)


def annotation_value(cards: Iterable[Card]) -> str:
    """Ascending card indices, comma-joined: the same text Allocate puts in the visible-devices variable."""
    return ",".join(str(index) for index in sorted({card.index for card in cards}))


def cards_by_pod(
    listing: Iterable[api_pb2.PodResources], resource_name: str, cards: Sequence[Card]
) -> dict[PodKey, tuple[Card, ...]]:
    """The cards of ``resource_name`` each listed pod holds, over all its containers, by index.

    Device IDs this plugin does not advertise (another card model's, or beyond the card count after a
    label change) are left out; a pod holding none of ours is not in the result.
    """
    by_id = {card.id: card for card in cards}
    listed = list(listing)
    seen = Counter((pod.namespace, pod.name) for pod in listed)
    held: dict[PodKey, tuple[Card, ...]] = {}
    for pod in listed:
        key = (pod.namespace, pod.name)
        if seen[key] > 1:
            continue
        mine = {
            by_id[device_id]
            for container in pod.containers
            for devices in container.devices
            if devices.resource_name == resource_name
            for device_id in devices.device_ids
            if device_id in by_id
        }
        if mine:
            held[key] = tuple(sorted(mine, key=lambda card: card.index))
    return held


def pod_view(pod: Mapping[str, Any]) -> PodView:
    """A Pod object (as JSON) reduced to what the annotation writer needs."""
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    annotations = meta.get("annotations") or {}
    return PodView(
        namespace=str(meta.get("namespace", "")),
        name=str(meta.get("name", "")),
        resource_version=str(meta.get("resourceVersion", "")),
        allocated_cards=annotations.get(ANNOTATION_ALLOCATED_CARDS),
        acknowledged=bool(status.get("startTime")) and status.get("phase") not in FINISHED_PHASES,
    )


@dataclass(frozen=True)
class AnnotationPlan:
    """The patches to send, and the pods whose annotation is already right."""

    patches: tuple[tuple[PodView, str], ...]
    correct: tuple[PodKey, ...]


def plan_annotations(held: Mapping[PodKey, Sequence[Card]], pods: Iterable[PodView]) -> AnnotationPlan:
    """Pods on this node that hold cards and lack the annotation or carry another value.

    Pods the API did not show (gone, or not visible yet) and pods the kubelet has not acknowledged
    are left for a later pass.
    """
    patches: list[tuple[PodView, str]] = []
    correct: list[PodKey] = []
    for pod in pods:
        cards = held.get(pod.key)
        if not cards or not pod.acknowledged:
            continue
        value = annotation_value(cards)
        if pod.allocated_cards == value:
            correct.append(pod.key)
        else:
            patches.append((pod, value))
    return AnnotationPlan(tuple(patches), tuple(correct))


def annotation_patch(pod: PodView, value: str) -> dict[str, Any]:
    """A JSON merge patch setting the annotation, valid only against the version that was read."""
    return {
        "metadata": {
            "resourceVersion": pod.resource_version,
            "annotations": {ANNOTATION_ALLOCATED_CARDS: value},
        }
    }
