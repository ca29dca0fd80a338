"""Keeps one gRPC server per advertised resource running and registered with the kubelet.

A reconcile pass runs every ``poll_interval`` seconds on the event loop that also serves the plugin's
socket. Register is awaited asynchronously there, which matters: the kubelet dials the plugin back
and calls GetDevicePluginOptions before it answers Register, so a blocking call would deadlock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time

import grpc

from accelfleet.deviceplugin.allocate import DeviceSpecsMode
from accelfleet.deviceplugin.logonce import OnceLogger
from accelfleet.deviceplugin.metrics import PluginMetrics
from accelfleet.deviceplugin.resource_name import resource_name_problem
from accelfleet.deviceplugin.service import PLUGIN_OPTIONS, AllocationListener, DevicePluginService
from accelfleet.deviceplugin.sockets import (
    KUBELET_SOCKET,
    FileIdentity,
    file_identity,
    plugin_socket_name,
    socket_path_problem,
)
from accelfleet.deviceplugin.state import AdvertisementState
from accelfleet.deviceplugin.v1beta1 import api_pb2, api_pb2_grpc

log = logging.getLogger(__name__)

API_VERSION = "v1beta1"
POLL_INTERVAL_S = 0.2
REGISTER_TIMEOUT_S = 10.0
REGISTER_RETRY_S = 1.0
STOP_GRACE_S = 0.5


class PluginServer:
    """A grpc.aio server bound to the plugin's socket for one resource name."""

    def __init__(self, path: str, service: DevicePluginService) -> None:
        self.path = path
        self.service = service
        self.identity: FileIdentity | None = None
        self._server: grpc.aio.Server | None = None

    @property
    def resource_name(self) -> str:
        return self.service.resource_name

    async def start(self) -> None:
        # A socket left by an earlier run makes the bind fail; every plugin removes it first.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        server = grpc.aio.server()
        api_pb2_grpc.add_DevicePluginServicer_to_server(self.service, server)
        server.add_insecure_port(f"unix://{self.path}")
        await server.start()
        self._server = server
        self.identity = file_identity(self.path)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(STOP_GRACE_S)
            self._server = None

    def socket_intact(self) -> bool:
        return self.identity is not None and file_identity(self.path) == self.identity


class PluginRuntime:
    def __init__(
        self,
        kubelet_dir: str,
        state: AdvertisementState,
        metrics: PluginMetrics,
        specs_mode: DeviceSpecsMode,
        poll_interval: float = POLL_INTERVAL_S,
        on_allocated: AllocationListener | None = None,
    ) -> None:
        self.kubelet_dir = kubelet_dir
        self.kubelet_socket = os.path.join(kubelet_dir, KUBELET_SOCKET)
        self.state = state
        self.metrics = metrics
        self.specs_mode = specs_mode
        self.poll_interval = poll_interval
        self.on_allocated = on_allocated
        self.server: PluginServer | None = None
        self.registered_with: FileIdentity | None = None
        self.serving_failed = False
        self._retry_at = 0.0
        self._once = OnceLogger(log)

    @property
    def registered(self) -> bool:
        return self.server is not None and self.registered_with is not None

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.reconcile()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_interval)
        finally:
            await self._stop_server()

    async def reconcile(self) -> None:
        resource = self.state.current.resource_name
        if resource is not None and (self.server is None or self.server.resource_name != resource):
            await self._serve(resource)
        elif self.server is not None and not self.server.socket_intact():
            log.warning("socket %s was removed; serving it again", self.server.path)
            await self._serve(self.server.resource_name)
        if self.server is None:
            return
        kubelet = file_identity(self.kubelet_socket)
        if kubelet is None:
            self._once.report("kubelet", f"waiting for {self.kubelet_socket}", logging.INFO)
            return
        self._once.report("kubelet", None)
        if kubelet == self.registered_with or time.monotonic() < self._retry_at:
            return
        if self.registered_with is not None:
            log.info("%s was recreated (kubelet restart); registering again", self.kubelet_socket)
        if await self._register(self.server):
            self.registered_with = kubelet
        else:
            self._retry_at = time.monotonic() + REGISTER_RETRY_S

    async def _serve(self, resource: str) -> None:
        await self._stop_server()
        path = os.path.join(self.kubelet_dir, plugin_socket_name(resource))
        problem = resource_name_problem(resource) or socket_path_problem(path)
        if problem:
            self._once.report("serve", f"not registering: {problem}", logging.ERROR)
            return
        service = DevicePluginService(
            resource, self.state, self.specs_mode, self.metrics, on_allocated=self.on_allocated
        )
        server = PluginServer(path, service)
        try:
            await server.start()
        except (RuntimeError, OSError) as err:
            self.serving_failed = True
            self._once.report("serve", f"cannot serve {path}: {err}", logging.ERROR)
            return
        self.serving_failed = False
        self._once.report("serve", None)
        self.server = server
        log.info("serving %s on %s", resource, path)

    async def _stop_server(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None
        self.registered_with = None
        self._retry_at = 0.0

    async def _register(self, server: PluginServer) -> bool:
        request = api_pb2.RegisterRequest(
            version=API_VERSION,
            endpoint=os.path.basename(server.path),
            resource_name=server.resource_name,
            options=PLUGIN_OPTIONS,
        )
        try:
            async with grpc.aio.insecure_channel(f"unix://{self.kubelet_socket}") as channel:
                await api_pb2_grpc.RegistrationStub(channel).Register(request, timeout=REGISTER_TIMEOUT_S)
        except grpc.aio.AioRpcError as err:
            self.metrics.registration(server.resource_name, ok=False)
            self._once.report(
                "register", f"registering {server.resource_name} failed: {err.code().name}: {err.details()}"
            )
            return False
        self.metrics.registration(server.resource_name, ok=True)
        self._once.report("register", None)
        log.info("registered %s with the kubelet as %s", server.resource_name, request.endpoint)
        return True
