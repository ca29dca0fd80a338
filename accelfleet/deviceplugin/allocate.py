"""Allocate: what a container gets for its cards, as the vendor's own plugin would hand it over.

The visible-devices variable lists card indices comma-joined (``ASCEND_VISIBLE_DEVICES=0,1``,
``CAMBRICON_VISIBLE_DEVICES=2,3``), which the vendor's container runtime turns into device nodes.
Device specs come from the card's ``deviceNodes`` templates; simulated cards have no device files,
and a container runtime refuses to start a container whose device host path is missing, so
``DeviceSpecsMode`` decides whether they are returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS, ENV_CARD_IDS
from accelfleet.deviceplugin.inventory import Card
from accelfleet.deviceplugin.profile import CardProfile

INDEX_PLACEHOLDER = "{index}"
DEVICE_PERMISSIONS = "rw"


class DeviceSpecsMode(StrEnum):
    AUTO = "auto"  # only device nodes whose host path exists (works on kind and on real hosts)
    ALWAYS = "always"  # every templated node, as a real plugin on real hardware returns them
    NEVER = "never"


@dataclass(frozen=True)
class DeviceNode:
    container_path: str
    host_path: str
    permissions: str = DEVICE_PERMISSIONS


@dataclass(frozen=True)
class ContainerAllocation:
    envs: dict[str, str] = field(default_factory=dict)
    devices: tuple[DeviceNode, ...] = ()
    annotations: dict[str, str] = field(default_factory=dict)


class UnknownDevicesError(ValueError):
    """The kubelet asked for IDs this plugin does not advertise (e.g. after a label change)."""


def device_nodes(templates: Sequence[str], indices: Sequence[int]) -> list[DeviceNode]:
    """Per-card templates (``/dev/davinci{index}``) once per card, shared ones (``/dev/davinci_manager``) once."""
    paths: list[str] = []
    for template in templates:
        if INDEX_PLACEHOLDER in template:
            paths.extend(template.replace(INDEX_PLACEHOLDER, str(i)) for i in indices)
        else:
            paths.append(template)
    unique = dict.fromkeys(paths)
    return [DeviceNode(container_path=path, host_path=path) for path in unique]


def allocate_container(
    profile: CardProfile,
    cards: Sequence[Card],
    device_ids: Sequence[str],
    specs_mode: DeviceSpecsMode,
    path_exists: Callable[[str], bool],
) -> ContainerAllocation:
    by_id = {card.id: card for card in cards}
    unknown = [i for i in device_ids if i not in by_id]
    if unknown:
        raise UnknownDevicesError(f"unknown device IDs for {profile.resource_name}: {', '.join(unknown)}")
    chosen = sorted({by_id[i] for i in device_ids}, key=lambda card: card.index)
    indices = ",".join(str(card.index) for card in chosen)
    envs = {ENV_CARD_IDS: ",".join(card.id for card in chosen)}
    if profile.visible_devices_env:
        envs[profile.visible_devices_env] = indices
    nodes: list[DeviceNode] = []
    if specs_mode is not DeviceSpecsMode.NEVER:
        nodes = device_nodes(profile.device_nodes, [card.index for card in chosen])
        if specs_mode is DeviceSpecsMode.AUTO:
            nodes = [node for node in nodes if path_exists(node.host_path)]
    return ContainerAllocation(
        envs=envs, devices=tuple(nodes), annotations={ANNOTATION_ALLOCATED_CARDS: indices}
    )
