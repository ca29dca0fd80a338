"""The DevicePlugin gRPC service: reads the shared state, calls the pure core, writes the reply."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import grpc

from accelfleet.deviceplugin.allocate import DeviceSpecsMode, UnknownDevicesError, allocate_container
from accelfleet.deviceplugin.metrics import PluginMetrics
from accelfleet.deviceplugin.preferred import preferred_allocation
from accelfleet.deviceplugin.state import AdvertisementState
from accelfleet.deviceplugin.v1beta1 import api_pb2, api_pb2_grpc

log = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[Any, Any]
AllocationListener = Callable[[Sequence[str]], None]

# The same options go into RegisterRequest: older kubelets read those, current ones ask this RPC.
PLUGIN_OPTIONS = api_pb2.DevicePluginOptions(
    pre_start_required=False, get_preferred_allocation_available=True
)


class DevicePluginService(api_pb2_grpc.DevicePluginServicer):
    """Serves one resource name; if the Node now asks for another, this server lists no cards."""

    def __init__(
        self,
        resource_name: str,
        state: AdvertisementState,
        specs_mode: DeviceSpecsMode,
        metrics: PluginMetrics,
        path_exists: Callable[[str], bool] = os.path.exists,
        on_allocated: AllocationListener | None = None,
    ) -> None:
        self.resource_name = resource_name
        self._state = state
        self._specs_mode = specs_mode
        self._metrics = metrics
        self._path_exists = path_exists
        self._on_allocated = on_allocated

    async def GetDevicePluginOptions(
        self, request: api_pb2.Empty, context: Context
    ) -> api_pb2.DevicePluginOptions:
        return PLUGIN_OPTIONS

    async def ListAndWatch(
        self, request: api_pb2.Empty, context: Context
    ) -> AsyncIterator[api_pb2.ListAndWatchResponse]:
        seen = -1
        while True:
            advertisement, seen = await self._state.next_after(seen)
            devices = []
            if advertisement.resource_name == self.resource_name:
                devices = [
                    api_pb2.Device(ID=card_id, health=health)
                    for card_id, health in advertisement.device_health()
                ]
            yield api_pb2.ListAndWatchResponse(devices=devices)

    async def GetPreferredAllocation(
        self, request: api_pb2.PreferredAllocationRequest, context: Context
    ) -> api_pb2.PreferredAllocationResponse:
        cards = self._state.current.cards
        return api_pb2.PreferredAllocationResponse(
            container_responses=[
                api_pb2.ContainerPreferredAllocationResponse(
                    deviceIDs=preferred_allocation(
                        cards, req.available_deviceIDs, req.must_include_deviceIDs, req.allocation_size
                    )
                )
                for req in request.container_requests
            ]
        )

    async def Allocate(self, request: api_pb2.AllocateRequest, context: Context) -> api_pb2.AllocateResponse:
        advertisement = self._state.current
        profile = advertisement.profile
        if profile is None or profile.resource_name != self.resource_name:
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION, f"{self.resource_name} is not advertised now"
            )
        responses = []
        for req in request.container_requests:
            try:
                allocation = allocate_container(
                    profile,
                    advertisement.cards,
                    list(req.devices_ids),
                    self._specs_mode,
                    self._path_exists,
                )
            except UnknownDevicesError as err:
                log.warning("Allocate refused: %s", err)
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(err))
            self._metrics.allocated(self.resource_name, len(req.devices_ids))
            if self._on_allocated is not None:
                self._on_allocated(list(req.devices_ids))
            responses.append(
                api_pb2.ContainerAllocateResponse(
                    envs=allocation.envs,
                    annotations=allocation.annotations,
                    devices=[
                        api_pb2.DeviceSpec(
                            container_path=node.container_path,
                            host_path=node.host_path,
                            permissions=node.permissions,
                        )
                        for node in allocation.devices
                    ],
                )
            )
        return api_pb2.AllocateResponse(container_responses=responses)

    async def PreStartContainer(
        self, request: api_pb2.PreStartContainerRequest, context: Context
    ) -> api_pb2.PreStartContainerResponse:
        return api_pb2.PreStartContainerResponse()
