"""A minimal device plugin written from the v1beta1 wire contract, to test the simulated kubelet.

It serves DevicePlugin on its own socket before registering (as the API requires), streams the full
device list on every change, prefers the highest-numbered free devices in GetPreferredAllocation (so a
test can tell the preference was used) and answers Allocate with a visible-devices variable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
from grpc import aio

from accelfleet.deviceplugin.v1beta1 import api_pb2, api_pb2_grpc

VISIBLE_ENV = "MINI_VISIBLE_DEVICES"


class MiniDevicePlugin(api_pb2_grpc.DevicePluginServicer):
    def __init__(
        self,
        socket_dir: Path,
        resource_name: str,
        count: int,
        *,
        socket_name: str = "mini.sock",
        preferred: bool = True,
        version: str = "v1beta1",
    ) -> None:
        self.socket_dir = socket_dir
        self.resource_name = resource_name
        self.socket_name = socket_name
        self.preferred = preferred
        self.version = version
        self.health = {f"mini-{i}": "Healthy" for i in range(count)}
        self.allocate_calls: list[list[str]] = []
        self.preferred_calls: list[tuple[list[str], int]] = []
        self._changed = asyncio.Event()
        self._server: aio.Server | None = None

    def options(self) -> api_pb2.DevicePluginOptions:
        return api_pb2.DevicePluginOptions(get_preferred_allocation_available=self.preferred)

    async def GetDevicePluginOptions(
        self, request: api_pb2.Empty, context: object
    ) -> api_pb2.DevicePluginOptions:
        return self.options()

    async def ListAndWatch(
        self, request: api_pb2.Empty, context: object
    ) -> AsyncIterator[api_pb2.ListAndWatchResponse]:
        while True:
            self._changed.clear()
            devices = [api_pb2.Device(ID=i, health=h) for i, h in self.health.items()]
            yield api_pb2.ListAndWatchResponse(devices=devices)
            await self._changed.wait()

    async def GetPreferredAllocation(
        self, request: api_pb2.PreferredAllocationRequest, context: object
    ) -> api_pb2.PreferredAllocationResponse:
        responses = []
        for req in request.container_requests:
            self.preferred_calls.append((list(req.available_deviceIDs), req.allocation_size))
            ids = sorted(req.available_deviceIDs, key=lambda d: int(d.rsplit("-", 1)[1]), reverse=True)
            responses.append(
                api_pb2.ContainerPreferredAllocationResponse(deviceIDs=ids[: req.allocation_size])
            )
        return api_pb2.PreferredAllocationResponse(container_responses=responses)

    async def Allocate(
        self, request: api_pb2.AllocateRequest, context: aio.ServicerContext[object, object]
    ) -> api_pb2.AllocateResponse:
        responses = []
        for req in request.container_requests:
            ids = list(req.devices_ids)
            self.allocate_calls.append(ids)
            indices = ",".join(i.rsplit("-", 1)[1] for i in ids)
            responses.append(api_pb2.ContainerAllocateResponse(envs={VISIBLE_ENV: indices}))
        return api_pb2.AllocateResponse(container_responses=responses)

    async def PreStartContainer(
        self, request: api_pb2.PreStartContainerRequest, context: object
    ) -> api_pb2.PreStartContainerResponse:
        return api_pb2.PreStartContainerResponse()

    def set_health(self, device: str, health: str) -> None:
        self.health[device] = health
        self._changed.set()

    async def serve(self) -> None:
        server = aio.server()
        api_pb2_grpc.add_DevicePluginServicer_to_server(self, server)
        server.add_insecure_port(f"unix://{self.socket_dir / self.socket_name}")
        await server.start()
        self._server = server

    async def register(self) -> None:
        async with aio.insecure_channel(f"unix://{self.socket_dir / 'kubelet.sock'}") as channel:
            stub = api_pb2_grpc.RegistrationStub(channel)
            await stub.Register(
                api_pb2.RegisterRequest(
                    version=self.version,
                    endpoint=self.socket_name,
                    resource_name=self.resource_name,
                    options=self.options(),
                )
            )

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)
            self._server = None
        with contextlib.suppress(OSError):
            (self.socket_dir / self.socket_name).unlink()


async def expect_register_error(plugin: MiniDevicePlugin) -> str:
    try:
        await plugin.register()
    except grpc.aio.AioRpcError as err:
        return err.details() or ""
    raise AssertionError("registration was accepted")


async def _serve_forever(args: argparse.Namespace) -> None:
    plugin = MiniDevicePlugin(Path(args.kubelet_dir), args.resource, args.count)
    await plugin.serve()
    kubelet = Path(args.kubelet_dir) / "kubelet.sock"
    while True:
        if kubelet.exists():
            break
        await asyncio.sleep(0.1)
    await plugin.register()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await plugin.stop()


def main() -> None:
    """Run as a process, the way the simulated cluster starts a node's plugin."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubelet-dir", required=True)
    parser.add_argument("--resource", default="example.com/card")
    parser.add_argument("--count", type=int, default=4)
    asyncio.run(_serve_forever(parser.parse_args()))


if __name__ == "__main__":
    main()
