"""A simulated node's PodResources API, read over its unix socket as a node agent reads the kubelet's."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc import aio

from accelfleet.deviceplugin.podresources.v1 import api_pb2, api_pb2_grpc
from accelfleet.sim.nodes.device_manager import DeviceManager
from accelfleet.sim.nodes.devices import ResourceAmount
from accelfleet.sim.nodes.pod_resources import PodResourcesServer, pod_resources_socket
from accelfleet.sim.store import Object
from tests.support.mini_device_plugin import MiniDevicePlugin

RESOURCE = "example.com/card"


def pod(name: str, uid: str, containers: list[str], sidecars: tuple[str, ...] = ()) -> Object:
    init: list[dict[str, Any]] = [{"name": s, "restartPolicy": "Always"} for s in sidecars]
    init.append({"name": "setup"})
    return {
        "metadata": {"namespace": "team", "name": name, "uid": uid},
        "spec": {"initContainers": init, "containers": [{"name": c} for c in containers]},
    }


@pytest.fixture
async def node() -> AsyncIterator[tuple[DeviceManager, list[Object], Path]]:
    with tempfile.TemporaryDirectory(prefix="afpr-", dir="/tmp") as directory:
        manager = DeviceManager("n1", Path(directory), on_change=lambda: None, grace_period=0.5)
        await manager.start()
        plugin = MiniDevicePlugin(Path(directory), RESOURCE, 4)
        await plugin.serve()
        await plugin.register()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while manager.resources().get(RESOURCE) != ResourceAmount(4, 4):
            assert loop.time() < deadline, "plugin did not register"
            await asyncio.sleep(0.02)
        pods: list[Object] = []
        socket = pod_resources_socket(Path(directory))
        server = PodResourcesServer(
            socket, lambda: pods, manager.container_devices, manager.allocatable_devices
        )
        await server.start()
        yield manager, pods, socket
        await server.stop()
        await plugin.stop()
        await manager.stop()


async def test_list_reports_each_containers_devices_as_allocated(
    node: tuple[DeviceManager, list[Object], Path],
) -> None:
    manager, pods, socket = node
    await manager.allocate("uid-a", "main", RESOURCE, 2)
    await manager.allocate("uid-a", "proxy", RESOURCE, 1)
    pods.append(pod("a", "uid-a", ["main"], sidecars=("proxy",)))
    pods.append(pod("b", "uid-b", ["main"]))
    async with aio.insecure_channel(f"unix://{socket}") as channel:
        stub = api_pb2_grpc.PodResourcesListerStub(channel)
        listing = await stub.List(api_pb2.ListPodResourcesRequest(), timeout=10)
        allocatable = await stub.GetAllocatableResources(api_pb2.AllocatableResourcesRequest(), timeout=10)
    by_pod = {
        p.name: {c.name: {d.resource_name: list(d.device_ids) for d in c.devices} for c in p.containers}
        for p in listing.pod_resources
    }
    # The sidecar first, then app containers; a plain init container is not listed, as on the kubelet.
    assert list(by_pod["a"]) == ["proxy", "main"]
    assert by_pod["a"] == {"proxy": {RESOURCE: ["mini-1"]}, "main": {RESOURCE: ["mini-2", "mini-3"]}}
    assert by_pod["b"] == {"main": {}}
    assert all(p.namespace == "team" for p in listing.pod_resources)
    assert [(d.resource_name, list(d.device_ids)) for d in allocatable.devices] == [
        (RESOURCE, ["mini-0", "mini-1", "mini-2", "mini-3"])
    ]


async def test_get_answers_for_one_pod_and_refuses_an_unknown_one_with_the_kubelets_text(
    node: tuple[DeviceManager, list[Object], Path],
) -> None:
    manager, pods, socket = node
    await manager.allocate("uid-a", "main", RESOURCE, 1)
    pods.append(pod("a", "uid-a", ["main"]))
    async with aio.insecure_channel(f"unix://{socket}") as channel:
        stub = api_pb2_grpc.PodResourcesListerStub(channel)
        found = await stub.Get(api_pb2.GetPodResourcesRequest(pod_name="a", pod_namespace="team"), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.Get(api_pb2.GetPodResourcesRequest(pod_name="x", pod_namespace="team"), timeout=10)
    assert [list(d.device_ids) for d in found.pod_resources.containers[0].devices] == [["mini-3"]]
    assert refused.value.code() == grpc.StatusCode.UNKNOWN
    assert refused.value.details() == "pod x in namespace team not found"


async def test_released_pods_hold_nothing(node: tuple[DeviceManager, list[Object], Path]) -> None:
    manager, _, _ = node
    await manager.allocate("uid-a", "main", RESOURCE, 2)
    assert manager.container_devices("uid-a", "main") == {RESOURCE: ["mini-2", "mini-3"]}
    assert manager.container_devices("uid-a", "other") == {}
    manager.release("uid-a")
    assert manager.container_devices("uid-a", "main") == {}
