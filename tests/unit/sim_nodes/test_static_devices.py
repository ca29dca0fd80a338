import pytest

from accelfleet.api.names import ENV_CARD_IDS
from accelfleet.sim.nodes.cards import CardModel
from accelfleet.sim.nodes.devices import AllocationError, ResourceAmount
from accelfleet.sim.nodes.static_devices import StaticDevices, pick_cards

ASCEND = CardModel("huawei-ascend-910b", "huawei.com/Ascend910", "ASCEND_VISIBLE_DEVICES", 4)


def test_small_requests_stay_inside_the_fullest_group_that_fits() -> None:
    free = [1, 2, 3, 4, 5, 6, 7]  # group 0 has 3 free, group 1 has 4
    assert pick_cards(free, 2, 4) == [1, 2]
    assert pick_cards(free, 4, 4) == [4, 5, 6, 7]


def test_large_requests_take_whole_groups_first() -> None:
    assert pick_cards(list(range(8)), 8, 4) == list(range(8))
    assert pick_cards([0, 1, 2, 4, 5, 6, 7], 5, 4) == [0, 4, 5, 6, 7]


def test_requests_that_fit_no_group_take_the_lowest_free_cards() -> None:
    assert pick_cards([0, 1, 4, 5], 3, 4) == [0, 1, 4]
    assert pick_cards([0, 1], 3, 4) is None


def test_unhealthy_cards_count_in_capacity_not_allocatable() -> None:
    devices = StaticDevices(ASCEND, 8, unhealthy=[1, 9])
    assert devices.resources() == {"huawei.com/Ascend910": ResourceAmount(8, 7)}


async def test_allocation_returns_the_vendor_env_and_holds_the_cards() -> None:
    devices = StaticDevices(ASCEND, 8, unhealthy=[0])
    first = await devices.allocate("pod-a", "main", "huawei.com/Ascend910", 3)
    assert first.indices == (1, 2, 3)
    assert first.envs == {
        "ASCEND_VISIBLE_DEVICES": "1,2,3",
        ENV_CARD_IDS: "huawei-ascend-910b-1,huawei-ascend-910b-2,huawei-ascend-910b-3",
    }
    with pytest.raises(AllocationError, match="Requested: 5, Available: 4"):
        await devices.allocate("pod-b", "main", "huawei.com/Ascend910", 5)
    assert devices.release("pod-a")
    assert (await devices.allocate("pod-b", "main", "huawei.com/Ascend910", 5)).indices == (1, 4, 5, 6, 7)


async def test_unknown_resources_and_models_are_refused() -> None:
    with pytest.raises(AllocationError, match=r"cannot allocate unregistered device x\.io/y"):
        await StaticDevices(ASCEND, 8).allocate("p", "c", "x.io/y", 1)
    assert StaticDevices(None, 8).resources() == {}


def test_a_changed_resource_name_reports_the_old_one_as_zero() -> None:
    devices = StaticDevices(ASCEND, 8)
    devices.reconfigure(CardModel("huawei-ascend-910b", "huawei.com/Ascend910B"), 8, [])
    assert devices.resources() == {
        "huawei.com/Ascend910": ResourceAmount(0, 0),
        "huawei.com/Ascend910B": ResourceAmount(8, 8),
    }
