"""Writes ``accelfleet.io/allocated-cards`` on this node's pods, from the kubelet's PodResources API.

A real kubelet hands the annotations of an Allocate response to the container runtime, not to the
Pod, so the operator would never learn which pod holds which card. Like the vendors' own plugins,
this one asks the kubelet afterwards: PodResources ``List`` says which device IDs each pod's
containers hold. A pass runs shortly after every Allocate (retrying with backoff until the pod shows
up acknowledged and annotated) and every ``interval`` seconds, which also catches kubelet and plugin
restarts. A missing socket is logged once and leaves the writer idle until it appears.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterable
from typing import Any

import grpc

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS
from accelfleet.deviceplugin.logonce import OnceLogger
from accelfleet.deviceplugin.metrics import PluginMetrics
from accelfleet.deviceplugin.pod_cards import (
    PodView,
    annotation_patch,
    cards_by_pod,
    plan_annotations,
    pod_view,
)
from accelfleet.deviceplugin.podresources.v1 import api_pb2, api_pb2_grpc
from accelfleet.deviceplugin.sockets import DEFAULT_POD_RESOURCES_INTERVAL_S, file_identity
from accelfleet.deviceplugin.state import AdvertisementState

log = logging.getLogger(__name__)

FIRST_RETRY_S = 0.25
PENDING_TTL_S = 60.0
LIST_TIMEOUT_S = 5.0
API_TIMEOUT_S = 30
MERGE_PATCH = "application/merge-patch+json"
FIELD_MANAGER = "accelfleet-deviceplugin"


class PodAnnotationWriter:
    """Lives on the plugin's event loop; the synchronous kubernetes client runs in worker threads."""

    def __init__(
        self,
        socket_path: str,
        api_client: Any,
        node_name: str,
        state: AdvertisementState,
        metrics: PluginMetrics,
        interval: float = DEFAULT_POD_RESOURCES_INTERVAL_S,
    ) -> None:
        self.socket_path = socket_path
        self._api_client = api_client
        self._node_name = node_name
        self._state = state
        self._metrics = metrics
        self._interval = interval
        self._pending: dict[str, float] = {}  # device ID handed out by Allocate -> when to stop waiting
        self._retry = FIRST_RETRY_S
        self._wake = asyncio.Event()
        self._once = OnceLogger(log)

    def allocated(self, device_ids: Iterable[str]) -> None:
        """Allocate handed these IDs out: look for their pod soon, not at the next periodic pass."""
        deadline = time.monotonic() + PENDING_TTL_S
        for device_id in device_ids:
            self._pending[device_id] = deadline
        self._retry = FIRST_RETRY_S
        self._wake.set()

    async def run(self) -> None:
        """Runs until cancelled."""
        log.info("writing %s from the PodResources API at %s", ANNOTATION_ALLOCATED_CARDS, self.socket_path)
        while True:
            self._wake.clear()
            settled = await self.sync()
            now = time.monotonic()
            self._pending = {i: due for i, due in self._pending.items() if i not in settled and due > now}
            delay = self._interval
            if self._pending:
                delay, self._retry = self._retry, min(self._retry * 2, self._interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def sync(self) -> set[str]:
        """One pass; returns the device IDs whose pods now carry the right annotation."""
        advertisement = self._state.current
        resource, cards = advertisement.resource_name, advertisement.cards
        if resource is None or not cards:
            return set()
        listing = await self._list()
        if listing is None or not cards_by_pod(listing, resource, cards):
            return set()
        pods = await self._pods_on_node()
        if pods is None:
            return set()
        # Listed again *after* reading the pods, so the listing is never older than the API's view.
        listing = await self._list()
        if listing is None:
            return set()
        held = cards_by_pod(listing, resource, cards)
        plan = plan_annotations(held, pods)
        done = set(plan.correct)
        for pod, value in plan.patches:
            if await self._patch(pod, value):
                done.add(pod.key)
                self._metrics.pod_annotated(resource)
        return {card.id for key in done for card in held[key]}

    async def _list(self) -> list[api_pb2.PodResources] | None:
        if file_identity(self.socket_path) is None:
            self._once.report(
                "list",
                f"no PodResources socket at {self.socket_path}: pods get no {ANNOTATION_ALLOCATED_CARDS} "
                "annotation from this plugin until it appears",
            )
            return None
        try:
            async with grpc.aio.insecure_channel(f"unix://{self.socket_path}") as channel:
                response = await api_pb2_grpc.PodResourcesListerStub(channel).List(
                    api_pb2.ListPodResourcesRequest(), timeout=LIST_TIMEOUT_S
                )
        except grpc.aio.AioRpcError as err:
            self._once.report("list", f"PodResources List failed: {err.code().name}: {err.details()}")
            return None
        self._once.report("list", None)
        return list(response.pod_resources)

    async def _pods_on_node(self) -> list[PodView] | None:
        try:
            items = await asyncio.to_thread(self._read_pods)
        except Exception as err:  # any API or network failure: report once, try again next pass
            self._once.report("pods", f"cannot list the pods on {self._node_name}: {_reason(err)}")
            return None
        self._once.report("pods", None)
        return [pod_view(item) for item in items]

    def _read_pods(self) -> list[dict[str, Any]]:
        from kubernetes import client

        # resourceVersion "0" is served from the API server's cache, indexed by node: a pass costs
        # the API server next to nothing, and a stale answer only delays a patch (see pod_cards).
        # Without preloading, the client hands back the raw HTTP response: no model objects built.
        response: Any = client.CoreV1Api(self._api_client).list_pod_for_all_namespaces(
            field_selector=f"spec.nodeName={self._node_name}",
            resource_version="0",
            _request_timeout=API_TIMEOUT_S,
            _preload_content=False,
        )
        items: list[dict[str, Any]] = json.loads(response.data).get("items") or []
        return items

    async def _patch(self, pod: PodView, value: str) -> bool:
        from kubernetes import client

        def send() -> None:
            client.CoreV1Api(self._api_client).patch_namespaced_pod(
                pod.name,
                pod.namespace,
                annotation_patch(pod, value),
                field_manager=FIELD_MANAGER,
                _content_type=MERGE_PATCH,
                _request_timeout=API_TIMEOUT_S,
            )

        try:
            await asyncio.to_thread(send)
        except client.ApiException as err:
            if err.status in (404, 409):  # gone, or changed since it was read: the next pass decides
                log.debug("pod %s/%s not annotated now: %s", pod.namespace, pod.name, _reason(err))
            else:
                self._once.report("patch", f"cannot annotate pods: {_reason(err)}")
            return False
        except Exception as err:
            self._once.report("patch", f"cannot annotate pods: {_reason(err)}")
            return False
        self._once.report("patch", None)
        log.info(
            "pod %s/%s holds cards %s: set %s", pod.namespace, pod.name, value, ANNOTATION_ALLOCATED_CARDS
        )
        return True


def _reason(err: Exception) -> str:
    status = getattr(err, "status", None)
    reason = getattr(err, "reason", None) or type(err).__name__
    return f"{status} {reason}" if status else str(reason)
