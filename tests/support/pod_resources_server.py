"""A minimal kubelet PodResources API v1 server whose listing a test sets, for node agents under test.

It answers ``List`` and ``Get`` from what ``set_pod`` recorded, the way the kubelet does: every pod by
name and namespace, each container with its device IDs grouped by resource name; ``Get`` of an
unknown pod fails with the kubelet's text. ``GetAllocatableResources`` reports ``allocatable``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc

from accelfleet.deviceplugin.podresources.v1 import api_pb2, api_pb2_grpc

# container name -> resource name -> device IDs
Containers = Mapping[str, Mapping[str, Sequence[str]]]


class PodResourcesServer(api_pb2_grpc.PodResourcesListerServicer):
    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.allocatable: dict[str, list[str]] = {}
        self._pods: dict[tuple[str, str], Containers] = {}
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None

    def start(self) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        server = grpc.server(ThreadPoolExecutor(max_workers=4))
        api_pb2_grpc.add_PodResourcesListerServicer_to_server(self, server)
        server.add_insecure_port(f"unix://{self.socket_path}")
        server.start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(0).wait()
            self._server = None
        self.socket_path.unlink(missing_ok=True)

    def set_pod(self, namespace: str, name: str, containers: Containers) -> None:
        with self._lock:
            self._pods[(namespace, name)] = containers

    def List(
        self, request: api_pb2.ListPodResourcesRequest, context: Any
    ) -> api_pb2.ListPodResourcesResponse:
        with self._lock:
            pods = dict(self._pods)
        return api_pb2.ListPodResourcesResponse(
            pod_resources=[
                _pod(namespace, name, containers) for (namespace, name), containers in pods.items()
            ]
        )

    def Get(self, request: api_pb2.GetPodResourcesRequest, context: Any) -> api_pb2.GetPodResourcesResponse:
        with self._lock:
            containers = self._pods.get((request.pod_namespace, request.pod_name))
        if containers is None:
            context.abort(
                grpc.StatusCode.UNKNOWN,
                f"pod {request.pod_name} in namespace {request.pod_namespace} not found",
            )
        return api_pb2.GetPodResourcesResponse(
            pod_resources=_pod(request.pod_namespace, request.pod_name, containers or {})
        )

    def GetAllocatableResources(
        self, request: api_pb2.AllocatableResourcesRequest, context: Any
    ) -> api_pb2.AllocatableResourcesResponse:
        return api_pb2.AllocatableResourcesResponse(
            devices=[
                api_pb2.ContainerDevices(resource_name=resource, device_ids=ids)
                for resource, ids in self.allocatable.items()
            ]
        )


def _pod(namespace: str, name: str, containers: Containers) -> api_pb2.PodResources:
    return api_pb2.PodResources(
        namespace=namespace,
        name=name,
        containers=[
            api_pb2.ContainerResources(
                name=container,
                devices=[
                    api_pb2.ContainerDevices(resource_name=resource, device_ids=list(ids))
                    for resource, ids in devices.items()
                ],
            )
            for container, devices in containers.items()
        ],
    )
