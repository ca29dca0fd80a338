"""A minimal kubelet side of the device-plugin API v1beta1, for testing plugins as a kubelet would.

It follows the kubelet's documented behaviour, not any plugin's code:
- it serves ``Registration`` on ``<dir>/kubelet.sock``; Register checks the version ("v1beta1") and that
  the resource is an extended resource name, dials ``<dir>/<endpoint>`` (10 s), calls
  GetDevicePluginOptions inside the Register call, and only then opens ListAndWatch;
- every ListAndWatch response replaces the resource's device list; capacity counts all devices,
  allocatable only those whose health is exactly "Healthy";
- when the stream ends, every device turns unhealthy: allocatable drops to 0, capacity stays;
- the newest registration of a resource name wins;
- a (re)start removes every socket in the directory first, as a new kubelet does.
"""

from __future__ import annotations

import re
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc

from accelfleet.deviceplugin.v1beta1 import api_pb2, api_pb2_grpc

SUPPORTED_VERSIONS = ("v1beta1",)
DIAL_TIMEOUT_S = 10.0
HEALTHY = "Healthy"

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

T = TypeVar("T")


def is_extended_resource_name(name: str) -> bool:
    """The kubelet's IsExtendedResourceName: domain-prefixed, not kubernetes.io, valid as 'requests.<name>'."""
    if "/" not in name or "kubernetes.io/" in name or name.startswith("requests."):
        return False
    parts = ("requests." + name).split("/")
    if len(parts) != 2:
        return False
    prefix, short = parts
    return (
        len(prefix) <= 253
        and bool(_DNS_SUBDOMAIN.match(prefix))
        and len(short) <= 63
        and bool(_NAME.match(short))
    )


@dataclass
class Endpoint:
    """One registered plugin: its socket, options, and the latest device list it streamed."""

    resource_name: str
    socket_path: str
    options: api_pb2.DevicePluginOptions
    channel: grpc.Channel
    devices: dict[str, str] = field(default_factory=dict)
    snapshots: int = 0
    stopped: bool = False

    @property
    def stub(self) -> api_pb2_grpc.DevicePluginStub:
        return api_pb2_grpc.DevicePluginStub(self.channel)


class KubeletHarness(api_pb2_grpc.RegistrationServicer):
    def __init__(self, socket_dir: str) -> None:
        self.socket_dir = Path(socket_dir)
        self.kubelet_socket = self.socket_dir / "kubelet.sock"
        self.registrations: list[api_pb2.RegisterRequest] = []
        self.refused: list[str] = []
        self.endpoints: dict[str, Endpoint] = {}
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        for entry in self.socket_dir.iterdir():
            if stat.S_ISSOCK(entry.lstat().st_mode):
                entry.unlink()
        server = grpc.server(ThreadPoolExecutor(max_workers=16))
        api_pb2_grpc.add_RegistrationServicer_to_server(self, server)
        server.add_insecure_port(f"unix://{self.kubelet_socket}")
        server.start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(0).wait()
            self._server = None
        with self._lock:
            endpoints = list(self.endpoints.values())
        for endpoint in endpoints:
            endpoint.channel.close()

    def restart(self) -> None:
        """A kubelet restart: sockets removed, kubelet.sock served anew, plugins must register again."""
        self.stop()
        with self._lock:
            # As after reading the checkpoint: resources known, no healthy devices until re-registration.
            for endpoint in self.endpoints.values():
                endpoint.stopped = True
                endpoint.devices = {}
        self.start()

    # --- Registration service --------------------------------------------------------------------
    def Register(self, request: api_pb2.RegisterRequest, context: Any) -> api_pb2.Empty:
        with self._lock:
            self.registrations.append(request)
        if request.version not in SUPPORTED_VERSIONS:
            return self._refuse(
                context,
                f"requested API version {request.version!r} is not supported by kubelet. "
                f"Supported version is {SUPPORTED_VERSIONS[0]!r}",
            )
        if not is_extended_resource_name(request.resource_name):
            return self._refuse(context, f"the ResourceName {request.resource_name!r} is invalid")
        socket_path = str(self.socket_dir / request.endpoint)
        channel = grpc.insecure_channel(f"unix://{socket_path}")
        try:
            grpc.channel_ready_future(channel).result(timeout=DIAL_TIMEOUT_S)
        except grpc.FutureTimeoutError:
            channel.close()
            return self._refuse(context, f"failed to dial device plugin: {socket_path}")
        try:
            options = api_pb2_grpc.DevicePluginStub(channel).GetDevicePluginOptions(
                api_pb2.Empty(), timeout=30
            )
        except grpc.RpcError as err:
            channel.close()
            return self._refuse(context, f"failed to get device plugin options: {err}")
        endpoint = Endpoint(request.resource_name, socket_path, options, channel)
        with self._lock:
            previous = self.endpoints.get(request.resource_name)
            self.endpoints[request.resource_name] = endpoint
        if previous is not None and previous.channel is not channel:
            previous.channel.close()
        threading.Thread(target=self._list_and_watch, args=(endpoint,), daemon=True).start()
        return api_pb2.Empty()

    def _refuse(self, context: Any, message: str) -> api_pb2.Empty:
        with self._lock:
            self.refused.append(message)
        context.abort(grpc.StatusCode.UNKNOWN, message)
        raise AssertionError("abort returns only by raising")

    def _list_and_watch(self, endpoint: Endpoint) -> None:
        try:
            for response in endpoint.stub.ListAndWatch(api_pb2.Empty()):
                with self._lock:
                    endpoint.devices = {device.ID: device.health for device in response.devices}
                    endpoint.snapshots += 1
        except grpc.RpcError:
            pass
        with self._lock:
            if self.endpoints.get(endpoint.resource_name) is endpoint:
                endpoint.devices = {device_id: "Unhealthy" for device_id in endpoint.devices}
                endpoint.stopped = True

    # --- what a Node's status would show ------------------------------------------------------------
    def capacity(self, resource_name: str) -> int | None:
        with self._lock:
            endpoint = self.endpoints.get(resource_name)
            return None if endpoint is None else len(endpoint.devices)

    def allocatable(self, resource_name: str) -> int | None:
        with self._lock:
            endpoint = self.endpoints.get(resource_name)
            if endpoint is None:
                return None
            return sum(1 for health in endpoint.devices.values() if health == HEALTHY)

    def devices(self, resource_name: str) -> dict[str, str]:
        with self._lock:
            endpoint = self.endpoints.get(resource_name)
            return {} if endpoint is None else dict(endpoint.devices)

    def endpoint(self, resource_name: str) -> Endpoint:
        with self._lock:
            return self.endpoints[resource_name]

    # --- the calls the kubelet makes at pod admission ------------------------------------------------
    def allocate(self, resource_name: str, device_ids: list[str]) -> api_pb2.ContainerAllocateResponse:
        """One Allocate per (container, resource), one container request, first response used."""
        request = api_pb2.AllocateRequest(
            container_requests=[api_pb2.ContainerAllocateRequest(devices_ids=device_ids)]
        )
        response = self.endpoint(resource_name).stub.Allocate(request, timeout=30)
        if not response.container_responses:
            raise AssertionError("no containers return in allocation response")
        return response.container_responses[0]

    def preferred(
        self, resource_name: str, available: list[str], must_include: list[str], size: int
    ) -> list[str]:
        request = api_pb2.PreferredAllocationRequest(
            container_requests=[
                api_pb2.ContainerPreferredAllocationRequest(
                    available_deviceIDs=available, must_include_deviceIDs=must_include, allocation_size=size
                )
            ]
        )
        response = self.endpoint(resource_name).stub.GetPreferredAllocation(request, timeout=30)
        return list(response.container_responses[0].deviceIDs)


def wait_for(condition: Callable[[], T], timeout: float = 20.0, interval: float = 0.05) -> T:
    """Polls until ``condition()`` is truthy and returns it; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
