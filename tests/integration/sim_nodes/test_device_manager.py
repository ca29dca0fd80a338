"""The simulated kubelet's device manager against a real gRPC plugin over unix sockets."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from accelfleet.sim.nodes.device_manager import DeviceManager
from accelfleet.sim.nodes.devices import AllocationError, ResourceAmount
from tests.support.mini_device_plugin import VISIBLE_ENV, MiniDevicePlugin, expect_register_error

RESOURCE = "example.com/card"


async def until(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def socket_dir() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="afdm-", dir="/tmp") as path:
        yield Path(path)


@pytest.fixture
async def manager(socket_dir: Path) -> AsyncIterator[DeviceManager]:
    dm = DeviceManager("n1", socket_dir, on_change=lambda: None, grace_period=0.5, dial_timeout=1.0)
    await dm.start()
    yield dm
    await dm.stop()


@pytest.fixture
async def plugin(socket_dir: Path, manager: DeviceManager) -> AsyncIterator[MiniDevicePlugin]:
    p = MiniDevicePlugin(socket_dir, RESOURCE, 4)
    await p.serve()
    await p.register()
    await until(lambda: manager.resources().get(RESOURCE) == ResourceAmount(4, 4))
    yield p
    await p.stop()


async def test_registered_cards_become_capacity_and_allocatable(
    manager: DeviceManager, plugin: MiniDevicePlugin
) -> None:
    assert manager.resources() == {RESOURCE: ResourceAmount(4, 4)}
    assert manager.is_device_resource(RESOURCE)


async def test_unhealthy_cards_lower_allocatable_only(
    manager: DeviceManager, plugin: MiniDevicePlugin
) -> None:
    plugin.set_health("mini-1", "Unhealthy")
    await until(lambda: manager.resources()[RESOURCE] == ResourceAmount(4, 3))
    plugin.set_health("mini-1", "Healthy")
    await until(lambda: manager.resources()[RESOURCE] == ResourceAmount(4, 4))


async def test_a_vanished_plugin_zeroes_allocatable_then_capacity_after_the_grace_period(
    manager: DeviceManager, plugin: MiniDevicePlugin
) -> None:
    await plugin.stop()
    await until(lambda: manager.resources()[RESOURCE] == ResourceAmount(4, 0))
    await until(lambda: manager.resources()[RESOURCE] == ResourceAmount(0, 0))
    assert not manager.is_device_resource(RESOURCE)


async def test_a_plugin_that_returns_within_the_grace_period_restores_allocatable(
    socket_dir: Path, manager: DeviceManager, plugin: MiniDevicePlugin
) -> None:
    await plugin.stop()
    await until(lambda: manager.resources()[RESOURCE] == ResourceAmount(4, 0))
    again = MiniDevicePlugin(socket_dir, RESOURCE, 4, socket_name="again.sock")
    await again.serve()
    await again.register()
    await until(lambda: manager.resources()[RESOURCE] == ResourceAmount(4, 4))
    await asyncio.sleep(0.7)
    assert manager.resources()[RESOURCE] == ResourceAmount(4, 4)
    await again.stop()


async def test_allocation_uses_the_preferred_devices_and_returns_the_plugins_env(
    manager: DeviceManager, plugin: MiniDevicePlugin
) -> None:
    allocation = await manager.allocate("pod-a", "main", RESOURCE, 2)
    assert plugin.preferred_calls == [(["mini-0", "mini-1", "mini-2", "mini-3"], 2)]
    assert sorted(allocation.device_ids) == ["mini-2", "mini-3"]
    assert allocation.indices == (2, 3)
    assert allocation.envs == {VISIBLE_ENV: "3,2"} or allocation.envs == {VISIBLE_ENV: "2,3"}
    assert len(plugin.allocate_calls) == 1
    second = await manager.allocate("pod-b", "main", RESOURCE, 2)
    assert sorted(second.device_ids) == ["mini-0", "mini-1"]
    with pytest.raises(AllocationError, match=r"Requested: 1, Available: 0"):
        await manager.allocate("pod-c", "main", RESOURCE, 1)
    assert manager.release("pod-a")
    third = await manager.allocate("pod-c", "main", RESOURCE, 1)
    assert third.device_ids == ("mini-3",)


async def test_without_the_preferred_option_the_kubelet_picks_alone(
    socket_dir: Path, manager: DeviceManager
) -> None:
    plain = MiniDevicePlugin(socket_dir, "example.com/plain", 2, socket_name="plain.sock", preferred=False)
    await plain.serve()
    await plain.register()
    await until(lambda: manager.is_device_resource("example.com/plain"))
    await until(lambda: manager.resources()["example.com/plain"] == ResourceAmount(2, 2))
    allocation = await manager.allocate("p", "c", "example.com/plain", 1)
    assert plain.preferred_calls == []
    assert allocation.device_ids == ("mini-0",)
    await plain.stop()


async def test_unknown_and_unhealthy_resources_fail_with_the_kubelet_messages(
    manager: DeviceManager, plugin: MiniDevicePlugin
) -> None:
    with pytest.raises(AllocationError, match=r"cannot allocate unregistered device example\.com/other"):
        await manager.allocate("p", "c", "example.com/other", 1)
    for i in range(4):
        plugin.set_health(f"mini-{i}", "Unhealthy")
    await until(lambda: manager.resources()[RESOURCE].allocatable == 0)
    with pytest.raises(AllocationError, match="no healthy devices present"):
        await manager.allocate("p", "c", RESOURCE, 1)


async def test_adopted_cards_are_not_handed_out_again(
    manager: DeviceManager, plugin: MiniDevicePlugin
) -> None:
    manager.adopt("old-pod", [3, 2, 1])
    allocation = await manager.allocate("new", "c", RESOURCE, 1)
    assert allocation.device_ids == ("mini-0",)


async def test_registration_checks_version_and_resource_name(
    socket_dir: Path, manager: DeviceManager
) -> None:
    old = MiniDevicePlugin(socket_dir, RESOURCE, 1, socket_name="old.sock", version="v1alpha")
    await old.serve()
    message = await expect_register_error(old)
    assert (
        message
        == 'requested API version "v1alpha" is not supported by kubelet. Supported version is "v1beta1"'
    )
    await old.stop()
    for bad in ("card", "kubernetes.io/card", "Example.com/card"):
        plugin = MiniDevicePlugin(socket_dir, bad, 1, socket_name="bad.sock")
        await plugin.serve()
        assert await expect_register_error(plugin) == f'the ResourceName "{bad}" is invalid'
        await plugin.stop()


async def test_registration_fails_when_the_plugin_socket_is_absent(
    socket_dir: Path, manager: DeviceManager
) -> None:
    ghost = MiniDevicePlugin(socket_dir, RESOURCE, 1, socket_name="ghost.sock")
    message = await asyncio.wait_for(expect_register_error(ghost), 30)
    assert message.startswith("failed to dial device plugin")
