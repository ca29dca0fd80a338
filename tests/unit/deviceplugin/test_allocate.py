from __future__ import annotations

import pytest

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS, ENV_CARD_IDS
from accelfleet.deviceplugin.allocate import (
    DeviceNode,
    DeviceSpecsMode,
    UnknownDevicesError,
    allocate_container,
)
from accelfleet.deviceplugin.inventory import build_inventory
from tests.unit.deviceplugin.cards import ASCEND, HYGON

CARDS = build_inventory(ASCEND, 8)


def nothing_exists(_: str) -> bool:
    return False


def test_visible_devices_lists_card_indices_in_order() -> None:
    result = allocate_container(
        ASCEND, CARDS, [CARDS[6].id, CARDS[2].id], DeviceSpecsMode.NEVER, nothing_exists
    )
    assert result.envs["ASCEND_VISIBLE_DEVICES"] == "2,6"
    assert result.envs[ENV_CARD_IDS] == "huawei-ascend-910b-2,huawei-ascend-910b-6"
    assert result.annotations == {ANNOTATION_ALLOCATED_CARDS: "2,6"}
    assert result.devices == ()


def test_always_returns_per_card_and_shared_nodes_once() -> None:
    result = allocate_container(
        ASCEND, CARDS, [CARDS[0].id, CARDS[1].id], DeviceSpecsMode.ALWAYS, nothing_exists
    )
    assert [node.host_path for node in result.devices] == [
        "/dev/davinci0",
        "/dev/davinci1",
        "/dev/davinci_manager",
        "/dev/devmm_svm",
    ]
    assert all(node.permissions == "rw" and node.container_path == node.host_path for node in result.devices)


def test_auto_returns_only_nodes_present_on_the_host() -> None:
    present = {"/dev/davinci_manager"}
    result = allocate_container(ASCEND, CARDS, [CARDS[0].id], DeviceSpecsMode.AUTO, present.__contains__)
    assert result.devices == (DeviceNode("/dev/davinci_manager", "/dev/davinci_manager"),)


def test_cards_without_a_visible_devices_variable_still_get_card_ids() -> None:
    cards = build_inventory(HYGON, 2)
    result = allocate_container(HYGON, cards, [cards[1].id], DeviceSpecsMode.ALWAYS, nothing_exists)
    assert result.envs == {ENV_CARD_IDS: "hygon-bw1000-1"}
    assert [node.host_path for node in result.devices] == ["/dev/kfd", "/dev/dri/card1"]


def test_unknown_ids_are_refused() -> None:
    with pytest.raises(UnknownDevicesError, match="nvidia-0"):
        allocate_container(ASCEND, CARDS, ["nvidia-0"], DeviceSpecsMode.NEVER, nothing_exists)
