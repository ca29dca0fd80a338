"""The kubelet side of the device-plugin API v1beta1 for one simulated node.

It reproduces what the real kubelet's device manager does, because our device plugin (and any vendor
plugin) is tested against it: serve ``kubelet.sock``; on Register check the version and resource
name, dial the plugin's socket and ask GetDevicePluginOptions before answering, then follow
ListAndWatch, where every response is the complete device list. capacity = all devices,
allocatable = healthy ones. When the stream ends every device turns unhealthy at once (capacity
unchanged), and after a grace period the resource is dropped and reported with capacity 0. The
newest registration of a resource wins. Allocation follows the kubelet: once per container and
resource, GetPreferredAllocation first when the plugin offers it, then one Allocate carrying one
container request, with the kubelet's error texts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import stat
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc import aio

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS
from accelfleet.deviceplugin.v1beta1 import api_pb2, api_pb2_grpc
from accelfleet.sim.nodes.devices import (
    Allocation,
    AllocationError,
    ResourceAmount,
    card_index,
    parse_indices,
)

log = logging.getLogger(__name__)

KUBELET_SOCKET = "kubelet.sock"
CHECKPOINT_FILE = "kubelet_internal_checkpoint"
SUPPORTED_VERSIONS = ("v1beta1",)
HEALTHY = "Healthy"
DIAL_TIMEOUT_SECONDS = 10.0
DEFAULT_GRACE_PERIOD_SECONDS = 300.0
MAX_UNIX_PATH = 107

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def go_quote(text: str) -> str:
    """Go's %q for the plain strings that appear in these messages."""
    return json.dumps(text, ensure_ascii=False)


def is_extended_resource_name(name: str) -> bool:
    """``v1helper.IsExtendedResourceName``: a domain-prefixed name outside kubernetes.io."""
    if "/" not in name or "kubernetes.io/" in name or name.startswith("requests."):
        return False
    prefix, _, short = ("requests." + name).partition("/")
    if "/" in short or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix):
        return False
    return 0 < len(short) <= 63 and bool(_QUALIFIED_NAME.match(short))


def rpc_error_text(err: grpc.aio.AioRpcError) -> str:
    """How a Go client prints a gRPC error: ``rpc error: code = Unknown desc = ...``."""
    code = err.code()
    name = "".join(part.capitalize() for part in code.name.split("_")) if code else "Unknown"
    return f"rpc error: code = {name} desc = {err.details() or ''}"


@dataclass
class _Endpoint:
    resource: str
    socket: Path
    channel: aio.Channel
    stub: api_pb2_grpc.DevicePluginAsyncStub
    options: api_pb2.DevicePluginOptions
    healthy: list[str] = field(default_factory=list)
    unhealthy: list[str] = field(default_factory=list)
    stopped_at: float | None = None
    task: asyncio.Task[None] | None = None
    expiry: asyncio.TimerHandle | None = None


@dataclass
class _Held:
    resource: str | None
    device_ids: set[str]
    indices: set[int]
    container: str = ""


class DeviceManager:
    """One node's registration server, plugin clients and device bookkeeping (a DeviceBackend)."""

    def __init__(
        self,
        node_name: str,
        socket_dir: Path,
        on_change: Callable[[], None],
        grace_period: float = DEFAULT_GRACE_PERIOD_SECONDS,
        dial_timeout: float = DIAL_TIMEOUT_SECONDS,
    ) -> None:
        self.node_name = node_name
        self.socket_dir = socket_dir
        self._on_change = on_change
        self._grace_period = grace_period
        self._dial_timeout = dial_timeout
        self._endpoints: dict[str, _Endpoint] = {}
        self._removed: set[str] = set()
        self._held: dict[str, list[_Held]] = {}
        self._server: aio.Server | None = None

    @property
    def kubelet_socket(self) -> Path:
        return self.socket_dir / KUBELET_SOCKET

    async def start(self) -> None:
        """Clean the directory of stale sockets (as a starting kubelet does) and serve kubelet.sock."""
        if len(str(self.kubelet_socket)) > MAX_UNIX_PATH:
            raise ValueError(
                f"device-plugin socket path is too long for a unix socket: {self.kubelet_socket}"
            )
        self.socket_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
        for entry in self.socket_dir.iterdir():
            with contextlib.suppress(OSError):
                if entry.name != CHECKPOINT_FILE and stat.S_ISSOCK(entry.lstat().st_mode):
                    entry.unlink()
        server = aio.server()
        api_pb2_grpc.add_RegistrationServicer_to_server(_Registration(self), server)
        server.add_insecure_port(f"unix://{self.kubelet_socket}")
        await server.start()
        self._server = server

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)
            self._server = None
        for endpoint in list(self._endpoints.values()):
            await self._close(endpoint)
        self._endpoints.clear()
        with contextlib.suppress(OSError):
            self.kubelet_socket.unlink()

    # ----- registration ---------------------------------------------------------------------------

    async def register(self, request: api_pb2.RegisterRequest) -> None:
        """The Register RPC's work; raises ValueError with the kubelet's message on refusal."""
        if request.version not in SUPPORTED_VERSIONS:
            raise ValueError(
                f"requested API version {go_quote(request.version)} is not supported by kubelet. "
                f"Supported version is {go_quote(SUPPORTED_VERSIONS[0])}"
            )
        if not is_extended_resource_name(request.resource_name):
            raise ValueError(f"the ResourceName {go_quote(request.resource_name)} is invalid")
        socket = self.socket_dir / request.endpoint
        channel = aio.insecure_channel(f"unix://{socket}", options=[("grpc.default_authority", "localhost")])
        try:
            await asyncio.wait_for(channel.channel_ready(), self._dial_timeout)
        except TimeoutError as err:
            await channel.close(None)
            raise ValueError("failed to dial device plugin: context deadline exceeded") from err
        stub = api_pb2_grpc.DevicePluginStub(channel)
        try:
            options = await stub.GetDevicePluginOptions(api_pb2.Empty())
        except grpc.aio.AioRpcError as err:
            await channel.close(None)
            raise ValueError(f"failed to get device plugin options: {rpc_error_text(err)}") from err
        previous = self._endpoints.get(request.resource_name)
        endpoint = _Endpoint(request.resource_name, socket, channel, stub, options)
        if previous is not None:
            endpoint.healthy, endpoint.unhealthy = previous.healthy, previous.unhealthy
            await self._close(previous)
        self._endpoints[request.resource_name] = endpoint
        self._removed.discard(request.resource_name)
        endpoint.task = asyncio.create_task(self._list_and_watch(endpoint))
        log.info("node %s: device plugin registered for %s at %s", self.node_name, endpoint.resource, socket)

    async def _close(self, endpoint: _Endpoint) -> None:
        if endpoint.expiry is not None:
            endpoint.expiry.cancel()
        if endpoint.task is not None and endpoint.task is not asyncio.current_task():
            endpoint.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await endpoint.task
        await endpoint.channel.close(None)

    async def _list_and_watch(self, endpoint: _Endpoint) -> None:
        try:
            async for response in endpoint.stub.ListAndWatch(api_pb2.Empty()):
                healthy = [d.ID for d in response.devices if d.health == HEALTHY]
                unhealthy = [d.ID for d in response.devices if d.health != HEALTHY]
                if (healthy, unhealthy) != (endpoint.healthy, endpoint.unhealthy):
                    endpoint.healthy, endpoint.unhealthy = healthy, unhealthy
                    self._on_change()
        except grpc.aio.AioRpcError as err:
            log.info("node %s: ListAndWatch of %s ended: %s", self.node_name, endpoint.resource, err.code())
        if self._endpoints.get(endpoint.resource) is endpoint:
            self._disconnected(endpoint)

    def _disconnected(self, endpoint: _Endpoint) -> None:
        """The plugin went away: every device unhealthy now, the resource gone after the grace period."""
        endpoint.unhealthy = endpoint.healthy + endpoint.unhealthy
        endpoint.healthy = []
        endpoint.stopped_at = time.monotonic()
        loop = asyncio.get_running_loop()
        endpoint.expiry = loop.call_later(self._grace_period, self._expire, endpoint)
        self._on_change()

    def _expire(self, endpoint: _Endpoint) -> None:
        if self._endpoints.get(endpoint.resource) is not endpoint:
            return
        del self._endpoints[endpoint.resource]
        self._removed.add(endpoint.resource)
        asyncio.get_running_loop().create_task(endpoint.channel.close(None))
        self._on_change()

    # ----- DeviceBackend ----------------------------------------------------------------------------

    def resources(self) -> Mapping[str, ResourceAmount]:
        amounts = {name: ResourceAmount(0, 0) for name in self._removed}
        for name, endpoint in self._endpoints.items():
            total = len(endpoint.healthy) + len(endpoint.unhealthy)
            amounts[name] = ResourceAmount(total, len(endpoint.healthy))
        return amounts

    def is_device_resource(self, resource: str) -> bool:
        return resource in self._endpoints

    def _in_use(self, resource: str) -> tuple[set[str], set[int]]:
        ids: set[str] = set()
        adopted: set[int] = set()
        for holdings in self._held.values():
            for held in holdings:
                if held.resource == resource:
                    ids |= held.device_ids
                elif held.resource is None:
                    adopted |= held.indices
        return ids, adopted

    async def allocate(self, pod_uid: str, container: str, resource: str, count: int) -> Allocation:
        endpoint = self._endpoints.get(resource)
        if endpoint is None:
            raise AllocationError(f"cannot allocate unregistered device {resource}")
        if not endpoint.healthy:
            raise AllocationError(f"no healthy devices present; cannot allocate unhealthy devices {resource}")
        used_ids, adopted = self._in_use(resource)
        available = [d for d in endpoint.healthy if d not in used_ids and card_index(d) not in adopted]
        if len(available) < count:
            raise AllocationError(
                f"requested number of devices unavailable for {resource}. "
                f"Requested: {count}, Available: {len(available)}"
            )
        chosen = await self._preferred(endpoint, available, count)
        chosen += [d for d in available if d not in chosen][: count - len(chosen)]
        held = _Held(resource, set(chosen), set(), container)
        self._held.setdefault(pod_uid, []).append(held)
        request = api_pb2.AllocateRequest(
            container_requests=[api_pb2.ContainerAllocateRequest(devices_ids=chosen)]
        )
        try:
            response = await endpoint.stub.Allocate(request)
        except grpc.aio.AioRpcError as err:
            self._drop(pod_uid, held)
            raise AllocationError(rpc_error_text(err)) from err
        if not response.container_responses:
            self._drop(pod_uid, held)
            raise AllocationError(f"no containers return in allocation response {response}")
        answer = response.container_responses[0]
        annotated = answer.annotations.get(ANNOTATION_ALLOCATED_CARDS)
        indices = parse_indices(annotated) if annotated else [card_index(d) for d in chosen]
        held.indices.update(i for i in indices if i is not None)
        return Allocation(
            device_ids=tuple(chosen),
            indices=tuple(sorted(i for i in indices if i is not None)),
            envs=dict(answer.envs),
        )

    async def _preferred(self, endpoint: _Endpoint, available: list[str], count: int) -> list[str]:
        if not endpoint.options.get_preferred_allocation_available:
            return []
        request = api_pb2.PreferredAllocationRequest(
            container_requests=[
                api_pb2.ContainerPreferredAllocationRequest(
                    available_deviceIDs=available, must_include_deviceIDs=[], allocation_size=count
                )
            ]
        )
        try:
            response = await endpoint.stub.GetPreferredAllocation(request)
        except grpc.aio.AioRpcError as err:
            raise AllocationError(
                f"device plugin GetPreferredAllocation rpc failed with err: {rpc_error_text(err)}"
            ) from err
        if not response.container_responses:
            return []
        offered = set(available)
        preferred = [d for d in response.container_responses[0].deviceIDs if d in offered]
        return list(dict.fromkeys(preferred))[:count]

    def _drop(self, pod_uid: str, held: _Held) -> None:
        holdings = self._held.get(pod_uid, [])
        if held in holdings:
            holdings.remove(held)
        if not holdings:
            self._held.pop(pod_uid, None)

    def release(self, pod_uid: str) -> bool:
        return self._held.pop(pod_uid, None) is not None

    def adopt(self, pod_uid: str, indices: Iterable[int]) -> None:
        self._held.setdefault(pod_uid, []).append(_Held(None, set(), set(indices)))

    # ----- what the PodResources API reports ------------------------------------------------------

    def container_devices(self, pod_uid: str, container: str) -> dict[str, list[str]]:
        """Device IDs by resource that Allocate gave this container (cards adopted after a restart have none)."""
        devices: dict[str, list[str]] = {}
        for held in self._held.get(pod_uid, []):
            if held.resource is not None and held.container == container:
                devices.setdefault(held.resource, []).extend(held.device_ids)
        return {resource: _by_index(ids) for resource, ids in devices.items()}

    def allocatable_devices(self) -> dict[str, list[str]]:
        """Every device of every registered plugin, healthy or not, as the kubelet reports allocatable."""
        return {
            name: _by_index(endpoint.healthy + endpoint.unhealthy)
            for name, endpoint in self._endpoints.items()
        }


def _by_index(device_ids: Iterable[str]) -> list[str]:
    return sorted(set(device_ids), key=lambda d: (card_index(d) or 0, d))


class _Registration(api_pb2_grpc.RegistrationServicer):
    def __init__(self, manager: DeviceManager) -> None:
        self._manager = manager

    async def Register(
        self,
        request: api_pb2.RegisterRequest,
        context: aio.ServicerContext[api_pb2.RegisterRequest, api_pb2.Empty],
    ) -> api_pb2.Empty:
        try:
            await self._manager.register(request)
        except ValueError as err:
            await context.abort(grpc.StatusCode.UNKNOWN, str(err))
        return api_pb2.Empty()
