"""The kubelet's PodResources API v1 for one simulated node, answered from its admission records.

A real kubelet serves it on ``/var/lib/kubelet/pod-resources/kubelet.sock``; node agents (our
device plugin among them) read it to learn which pod's containers hold which device IDs. Like the
kubelet, List reports every active pod on the node with its app containers and its restartable
(sidecar) init containers, each with the device IDs Allocate gave it, grouped by resource; Get
answers for one pod with the kubelet's error text when the node does not run it; and
GetAllocatableResources lists every device of every registered plugin. The simulated node has no CPU
or memory manager, so CPU and memory fields stay empty.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import grpc
from grpc import aio

from accelfleet.deviceplugin.podresources.v1 import api_pb2, api_pb2_grpc
from accelfleet.sim.store import Object

log = logging.getLogger(__name__)

POD_RESOURCES_DIR = "pod-resources"
POD_RESOURCES_SOCKET = "kubelet.sock"

# (pod UID, container name) -> device IDs by resource name
ContainerDevices = Callable[[str, str], Mapping[str, Sequence[str]]]
Context = aio.ServicerContext[Any, Any]


def pod_resources_socket(node_dir: Path) -> Path:
    """Where a node's PodResources socket lives, next to its device-plugin sockets."""
    return node_dir / POD_RESOURCES_DIR / POD_RESOURCES_SOCKET


def listed_containers(pod: Object) -> list[str]:
    """Restartable init containers first, then app containers: what the kubelet lists for a pod."""
    spec = pod.get("spec") or {}
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    return [str(c.get("name", "")) for c in [*sidecars, *(spec.get("containers") or [])]]


def pod_resources(pod: Object, devices_of: ContainerDevices) -> api_pb2.PodResources:
    meta = pod.get("metadata") or {}
    uid = str(meta.get("uid", ""))
    return api_pb2.PodResources(
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
        containers=[
            api_pb2.ContainerResources(
                name=container,
                devices=[
                    api_pb2.ContainerDevices(resource_name=resource, device_ids=ids)
                    for resource, ids in sorted(devices_of(uid, container).items())
                ],
            )
            for container in listed_containers(pod)
        ],
    )


class PodResourcesServer(api_pb2_grpc.PodResourcesListerServicer):
    """``active_pods`` gives the node's admitted, unfinished pods; the device manager their devices."""

    def __init__(
        self,
        socket: Path,
        active_pods: Callable[[], Iterable[Object]],
        devices_of: ContainerDevices,
        allocatable: Callable[[], Mapping[str, Sequence[str]]],
    ) -> None:
        self.socket = socket
        self._active_pods = active_pods
        self._devices_of = devices_of
        self._allocatable = allocatable
        self._server: aio.Server | None = None

    async def start(self) -> None:
        self.socket.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        server = aio.server()
        api_pb2_grpc.add_PodResourcesListerServicer_to_server(self, server)
        server.add_insecure_port(f"unix://{self.socket}")
        await server.start()
        self._server = server

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)
            self._server = None
        with contextlib.suppress(OSError):
            self.socket.unlink()

    async def List(
        self, request: api_pb2.ListPodResourcesRequest, context: Context
    ) -> api_pb2.ListPodResourcesResponse:
        return api_pb2.ListPodResourcesResponse(
            pod_resources=[pod_resources(pod, self._devices_of) for pod in self._active_pods()]
        )

    async def GetAllocatableResources(
        self, request: api_pb2.AllocatableResourcesRequest, context: Context
    ) -> api_pb2.AllocatableResourcesResponse:
        return api_pb2.AllocatableResourcesResponse(
            devices=[
                api_pb2.ContainerDevices(resource_name=resource, device_ids=ids)
                for resource, ids in sorted(self._allocatable().items())
            ]
        )

    async def Get(
        self, request: api_pb2.GetPodResourcesRequest, context: Context
    ) -> api_pb2.GetPodResourcesResponse:
        for pod in self._active_pods():
            meta = pod.get("metadata") or {}
            if (meta.get("namespace"), meta.get("name")) == (request.pod_namespace, request.pod_name):
                return api_pb2.GetPodResourcesResponse(pod_resources=pod_resources(pod, self._devices_of))
        await context.abort(
            grpc.StatusCode.UNKNOWN, f"pod {request.pod_name} in namespace {request.pod_namespace} not found"
        )
