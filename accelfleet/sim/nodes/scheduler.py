"""The scheduler loop: watch pods and nodes, ask ClusterState where each pending pod goes, bind it.

Like kube-scheduler it only takes pods addressed to ``default-scheduler`` that have no nodeName and
no scheduling gates, assumes a placement before the bind is written (so the next decision already
counts it), and parks pods that do not fit until something changes that could make them fit: a node
added or changed, or a pod leaving a node. A parked pod is retried with per-pod backoff (1 s doubling
to 10 s) and at least once a minute, never in a hot loop. Each failed attempt posts a
``FailedScheduling`` event (aggregated, so a long wait keeps one event with a growing count) and
sets ``PodScheduled=False`` with reason ``Unschedulable``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from accelfleet.sim.builtin_types import NODES, PODS
from accelfleet.sim.nodes.events import EventRecorder
from accelfleet.sim.nodes.informer import Informer, Key, object_key
from accelfleet.sim.nodes.pod_status import is_terminal
from accelfleet.sim.nodes.scheduling import ClusterState, PodShape, pod_requests
from accelfleet.sim.nodes.sim_names import SCHEDULER_NAME
from accelfleet.sim.nodes.tasks import cancel_all
from accelfleet.sim.objects import clone, now_rfc3339
from accelfleet.sim.store import ConflictError, NotFoundError, Object, Store, StoreError, WatchEventType

log = logging.getLogger(__name__)

INITIAL_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 10.0
UNSCHEDULABLE_FLUSH_SECONDS = 60.0


def wants_scheduling(pod: Object) -> bool:
    spec = pod.get("spec") or {}
    return (
        not spec.get("nodeName")
        and not spec.get("schedulingGates")
        and (spec.get("schedulerName") or SCHEDULER_NAME) == SCHEDULER_NAME
        and not pod["metadata"].get("deletionTimestamp")
        and not is_terminal(pod)
    )


@dataclass
class _Parked:
    attempts: int
    retry_at: float
    move_requested: bool = False


class Scheduler:
    def __init__(self, store: Store, events: EventRecorder) -> None:
        self._store = store
        self._events = events
        self.state = ClusterState()
        self._active: dict[Key, None] = {}
        self._parked: dict[Key, _Parked] = {}
        self._wake = asyncio.Event()
        self._nodes = Informer(store, NODES, self._on_node)
        self._pods = Informer(store, PODS, self._on_pod)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        node_rv = await self._nodes.sync()
        pod_rv = await self._pods.sync()
        self._tasks = [
            asyncio.create_task(self._nodes.run(node_rv)),
            asyncio.create_task(self._pods.run(pod_rv)),
            asyncio.create_task(self._loop()),
        ]

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks = []

    # ----- informer callbacks ------------------------------------------------------------------

    def _on_node(self, event_type: WatchEventType, node: Object) -> None:
        name = node["metadata"]["name"]
        if event_type == "DELETED":
            self.state.remove_node(name)
            return
        before = self.state.nodes.get(name)
        self.state.set_node(node)
        after = self.state.nodes[name]
        if before is None or (before.allocatable, before.labels, before.taints, before.unschedulable) != (
            after.allocatable,
            after.labels,
            after.taints,
            after.unschedulable,
        ):
            self._retry_parked()

    def _on_pod(self, event_type: WatchEventType, pod: Object) -> None:
        key = object_key(pod)
        uid = pod["metadata"].get("uid", "")
        node = (pod.get("spec") or {}).get("nodeName")
        if event_type == "DELETED" or is_terminal(pod):
            self._active.pop(key, None)
            self._parked.pop(key, None)
            if self.state.release(uid):
                self._retry_parked()
            return
        if node:
            self._active.pop(key, None)
            self._parked.pop(key, None)
            self.state.bind(uid, node, pod_requests(pod))
            return
        if wants_scheduling(pod):
            if key not in self._parked:
                self._active[key] = None
                self._wake.set()
        else:
            self._active.pop(key, None)
            self._parked.pop(key, None)

    def _retry_parked(self) -> None:
        """Something changed that may let parked pods fit: each is retried once its backoff is over."""
        if self._parked:
            for parked in self._parked.values():
                parked.move_requested = True
            self._wake.set()

    # ----- the loop ------------------------------------------------------------------------------

    async def _loop(self) -> None:
        last_flush = time.monotonic()
        while True:
            if not self._active:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._next_wakeup(last_flush))
            now = time.monotonic()
            flush_all = now - last_flush >= UNSCHEDULABLE_FLUSH_SECONDS
            if flush_all:
                last_flush = now
            for key, parked in list(self._parked.items()):
                if flush_all or (parked.move_requested and parked.retry_at <= now):
                    del self._parked[key]
                    self._active[key] = None
            batch = list(self._active)
            self._active.clear()
            for key in batch:
                try:
                    await self._schedule_one(key)
                except StoreError as err:
                    log.warning("scheduling %s/%s: %s", key[0], key[1], err)
                except Exception:
                    log.exception("scheduling %s/%s failed unexpectedly", key[0], key[1])
            await asyncio.sleep(0)

    def _next_wakeup(self, last_flush: float) -> float:
        now = time.monotonic()
        wakeup = last_flush + UNSCHEDULABLE_FLUSH_SECONDS
        due = [p.retry_at for p in self._parked.values() if p.move_requested]
        if due:
            wakeup = min(wakeup, min(due))
        return max(0.01, wakeup - now)

    async def _schedule_one(self, key: Key) -> None:
        pod = self._pods.cache.get(key)
        if pod is None or not wants_scheduling(pod):
            return
        shape = PodShape.of(pod)
        decision = self.state.schedule(shape)
        uid = pod["metadata"]["uid"]
        if decision.node is None:
            await self._park(key, pod, decision.message)
            return
        self.state.bind(uid, decision.node, shape.requests)
        try:
            bound = await self._bind(pod, decision.node)
        except (ConflictError, NotFoundError, StoreError):
            self.state.release(uid)
            raise
        if bound is None:
            self.state.release(uid)
            return
        self._parked.pop(key, None)
        await self._events.record(
            bound, "Normal", "Scheduled", f"Successfully assigned {key[0]}/{key[1]} to {decision.node}"
        )

    async def _bind(self, pod: Object, node: str) -> Object | None:
        """Set spec.nodeName; on a conflict re-read and retry while the pod still wants scheduling."""
        current: Object = pod
        for _ in range(5):
            # A new top level, metadata and spec; the rest is shared with the stored pod, unchanged.
            current = {
                **current,
                "metadata": dict(current["metadata"]),
                "spec": {**(current.get("spec") or {}), "nodeName": node},
            }
            try:
                return await self._store.update(PODS, current, handover=True)
            except ConflictError:
                try:
                    current = await self._store.get(
                        PODS, pod["metadata"]["name"], pod["metadata"]["namespace"]
                    )
                except NotFoundError:
                    return None
                if current["metadata"].get("uid") != pod["metadata"].get("uid") or not wants_scheduling(
                    current
                ):
                    return None
        return None

    async def _park(self, key: Key, pod: Object, message: str) -> None:
        previous = self._parked.get(key)
        attempts = previous.attempts + 1 if previous else 1
        backoff = min(MAX_BACKOFF_SECONDS, INITIAL_BACKOFF_SECONDS * 2 ** (attempts - 1))
        self._parked[key] = _Parked(attempts, time.monotonic() + backoff)
        await self._events.record(pod, "Warning", "FailedScheduling", message)
        await self._mark_unschedulable(pod, message)

    async def _mark_unschedulable(self, pod: Object, message: str) -> None:
        status: dict[str, Any] = clone(pod.get("status") or {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        old: dict[str, Any] = next(
            (c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), {}
        )
        if old.get("reason") == "Unschedulable" and old.get("message") == message:
            return
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastProbeTime": None,
                "lastTransitionTime": now_rfc3339(),
            }
        )
        status["conditions"] = conditions
        meta = pod["metadata"]
        with contextlib.suppress(NotFoundError):
            await self._store.update(
                PODS,
                {"metadata": {"name": meta["name"], "namespace": meta["namespace"]}, "status": status},
                subresource="status",
            )
