"""One controller playing the kubelet of every simulated node.

Each node has its own work queue, worked by a task that exists only while there is work, so pods
on one node are admitted one at a time (as a kubelet does) while nodes proceed in parallel, and an
idle fleet of thousands of nodes costs nothing. Decisions (statuses, taints, card picks) are the
pure functions of the neighbouring modules; this module reads the store, calls them, and writes.

Behaviour worth knowing (documented in docs/sim.md):
- admission allocates devices once per container and extended resource (init containers first);
  a failure fails the pod with the kubelet's reason and message;
- a pod with ``accelfleet.io/sim-duration`` exits after that many seconds with
  ``accelfleet.io/sim-exit-code``; every pod ends in a terminal phase whatever its restartPolicy
  (the sim never restarts containers);
- a failed node (``accelfleet.io/sim-node-failed: "true"``) stops its lease, reports Unknown
  conditions, is tainted unreachable, and its running pods fail with reason NodeLost.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from accelfleet.api.names import (
    ANNOTATION_ALLOCATED_CARDS,
    ANNOTATION_SIM_ALLOCATE_ENV,
    ANNOTATION_SIM_DURATION,
    ANNOTATION_SIM_EXIT_CODE,
)
from accelfleet.sim.builtin_types import LEASES, NODES, PODS
from accelfleet.sim.nodes.devices import AllocationError, DeviceBackend, parse_indices
from accelfleet.sim.nodes.events import EventRecorder
from accelfleet.sim.nodes.informer import Informer, Key, object_key
from accelfleet.sim.nodes.node_status import (
    NodeFacts,
    desired_node_status,
    desired_taints,
    internal_ip,
    node_ip,
    pod_ip,
)
from accelfleet.sim.nodes.pod_status import (
    EXIT_CODE_TERMINATED,
    is_terminal,
    node_lost_status,
    rejected_status,
    running_status,
    terminated_status,
)
from accelfleet.sim.nodes.quantity import parse_milli
from accelfleet.sim.nodes.sim_names import (
    ANNOTATION_SIM_NODE_FAILED,
    ANNOTATION_SIM_ORIGIN,
    NODE_LEASE_NAMESPACE,
)
from accelfleet.sim.nodes.tasks import cancel_all
from accelfleet.sim.objects import clone, now_rfc3339
from accelfleet.sim.store import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    Object,
    Store,
    StoreError,
)

log = logging.getLogger(__name__)

LEASE_WRITES_PER_SECOND = 10.0
MIN_LEASE_INTERVAL_SECONDS = 10.0
LEASE_DURATION_FACTOR = 4
MAX_WRITE_ATTEMPTS = 5


class DeviceProvider(Protocol):
    """Gives each node its device backend (a plugin connection or label-based cards)."""

    async def attach(self, node: Object, on_change: Callable[[], None]) -> DeviceBackend: ...

    def refresh(self, node: Object, backend: DeviceBackend) -> bool:
        """React to a Node change (labels, annotations); True if the devices it reports changed."""
        ...

    async def detach(self, name: str) -> None: ...


def is_simulated(node: Mapping[str, Any]) -> bool:
    return ANNOTATION_SIM_ORIGIN in ((node.get("metadata") or {}).get("annotations") or {})


def is_failed(node: Mapping[str, Any]) -> bool:
    annotations = (node.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(ANNOTATION_SIM_NODE_FAILED, "")).lower() == "true"


def is_extended_resource(name: str) -> bool:
    return (
        "/" in name
        and not name.startswith(("kubernetes.io/", "requests."))
        and ("kubernetes.io/" not in name)
    )


def sim_duration(pod: Mapping[str, Any]) -> tuple[float | None, int]:
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    duration: float | None = None
    try:
        if ANNOTATION_SIM_DURATION in annotations:
            duration = max(0.0, float(annotations[ANNOTATION_SIM_DURATION]))
    except (TypeError, ValueError):
        duration = None
    try:
        exit_code = int(annotations.get(ANNOTATION_SIM_EXIT_CODE, 0))
    except (TypeError, ValueError):
        exit_code = 1
    return duration, exit_code


def parse_time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def microtime() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class _NodeRecord:
    name: str
    index: int
    node: Object
    backend: DeviceBackend | None = None
    failed: bool = False
    pods: set[Key] = field(default_factory=set)
    admitted: dict[str, Key] = field(default_factory=dict)
    timers: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    due_exits: set[str] = field(default_factory=set)
    pending: set[Key] = field(default_factory=set)
    status_dirty: bool = True
    pod_counter: int = 0
    worker: asyncio.Task[None] | None = None
    attaching: asyncio.Task[None] | None = None
    lease_due: float = 0.0
    lease_phase: float = 0.0
    lease_exists: bool = False
    removed: bool = False


class Kubelet:
    def __init__(self, store: Store, devices: DeviceProvider, events: EventRecorder) -> None:
        self._store = store
        self._devices = devices
        self._events = events
        self._nodes: dict[str, _NodeRecord] = {}
        self._used_indices: set[int] = set()
        self._next_index = 0
        self._pods = Informer(store, PODS, self._on_pod)
        self._node_informer = Informer(store, NODES, self._on_node)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        node_rv = await self._node_informer.sync()
        pod_rv = await self._pods.sync()
        self._tasks = [
            asyncio.create_task(self._node_informer.run(node_rv)),
            asyncio.create_task(self._pods.run(pod_rv)),
            asyncio.create_task(self._renew_leases()),
        ]

    async def stop(self) -> None:
        for record in self._nodes.values():
            for timer in record.timers.values():
                timer.cancel()
        jobs = [t for r in self._nodes.values() for t in (r.worker, r.attaching) if t is not None]
        await cancel_all([*self._tasks, *jobs])
        self._tasks = []

    # ----- informer callbacks (synchronous: only record and enqueue) -------------------------------

    def _on_node(self, event_type: str, node: Object) -> None:
        name = node["metadata"]["name"]
        record = self._nodes.get(name)
        if event_type == "DELETED":
            if record is not None and record.node["metadata"].get("uid") == node["metadata"].get("uid"):
                self._forget_node(record)
            return
        if not is_simulated(node):
            return
        if record is not None and record.node["metadata"].get("uid") != node["metadata"].get("uid"):
            self._forget_node(record)
            record = None
        if record is None:
            record = _NodeRecord(name=name, index=self._claim_index(node), node=node)
            record.lease_phase = _phase(name)
            # First leases are spread out too, at the write budget: a small fleet gets them at once.
            spread = min(MIN_LEASE_INTERVAL_SECONDS, len(self._nodes) / LEASE_WRITES_PER_SECOND)
            record.lease_due = time.monotonic() + record.lease_phase * spread
            self._nodes[name] = record
            for key, pod in self._pods.cache.items():
                if (pod.get("spec") or {}).get("nodeName") == name:
                    record.pods.add(key)
                    record.pending.add(key)
            record.attaching = asyncio.get_running_loop().create_task(self._attach(record))
            return
        record.node = node
        failed = is_failed(node)
        if failed != record.failed:
            record.failed = failed
            record.pending |= record.pods
        if record.backend is not None and self._devices.refresh(node, record.backend):
            record.status_dirty = True
        if self._status_outdated(record):
            record.status_dirty = True
        self._kick(record)

    def _on_pod(self, event_type: str, pod: Object) -> None:
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            return
        record = self._nodes.get(node_name)
        if record is None:
            return
        key = object_key(pod)
        uid = pod["metadata"].get("uid", "")
        if event_type == "DELETED":
            record.pods.discard(key)
            record.pending.discard(key)
            self._finish(record, uid)
            return
        record.pods.add(key)
        record.pending.add(key)
        self._kick(record)

    def _claim_index(self, node: Object) -> int:
        address = internal_ip(node)
        if address and address.startswith("10."):
            a, b, c = (int(x) for x in address.split(".")[1:])
            index = (a << 16 | b << 8 | c) - 1
            if index >= 0 and index not in self._used_indices:
                self._used_indices.add(index)
                return index
        while self._next_index in self._used_indices:
            self._next_index += 1
        self._used_indices.add(self._next_index)
        return self._next_index

    def _forget_node(self, record: _NodeRecord) -> None:
        record.removed = True
        self._nodes.pop(record.name, None)
        self._used_indices.discard(record.index)
        for timer in record.timers.values():
            timer.cancel()
        for job in (record.worker, record.attaching):
            if job is not None:
                job.cancel()
        orphans = [key for key in record.pods if key in self._pods.cache]
        asyncio.get_running_loop().create_task(self._remove_node(record.name, orphans))

    async def _remove_node(self, name: str, orphans: list[Key]) -> None:
        """Stop the node's devices and delete pods bound to it, as the pod garbage collector would."""
        await self._devices.detach(name)
        for namespace, pod_name in orphans:
            with contextlib.suppress(StoreError):
                await self._store.delete(PODS, pod_name, namespace)

    def _finish(self, record: _NodeRecord, uid: str) -> None:
        timer = record.timers.pop(uid, None)
        if timer is not None:
            timer.cancel()
        record.due_exits.discard(uid)
        record.admitted.pop(uid, None)
        if record.backend is not None and record.backend.release(uid):
            record.status_dirty = True

    def _kick(self, record: _NodeRecord) -> None:
        if record.removed or record.backend is None:
            return
        if record.worker is None or record.worker.done():
            record.worker = asyncio.get_running_loop().create_task(self._work(record))

    def _status_outdated(self, record: _NodeRecord) -> bool:
        if record.backend is None:
            return False
        current = record.node.get("status") or {}
        desired = desired_node_status(current, self._facts(record), now_rfc3339())
        taints = desired_taints((record.node.get("spec") or {}).get("taints") or [], record.failed, "")
        return desired != current or _strip_times(taints) != _strip_times(
            (record.node.get("spec") or {}).get("taints") or []
        )

    def active_pods(self, node_name: str) -> list[Object]:
        """The pods this node admitted that have not finished, as its PodResources API lists them."""
        record = self._nodes.get(node_name)
        if record is None:
            return []
        pods = ((uid, self._pods.cache.get(key)) for uid, key in record.admitted.items())
        return [
            pod
            for uid, pod in pods
            if pod is not None and pod["metadata"].get("uid") == uid and not is_terminal(pod)
        ]

    def refresh_devices(self) -> None:
        """Re-read every node's devices (e.g. after an AccelCard changed what a model advertises)."""
        for record in self._nodes.values():
            if record.backend is not None and self._devices.refresh(record.node, record.backend):
                record.status_dirty = True
                self._kick(record)

    # ----- per-node work ------------------------------------------------------------------------------

    async def _attach(self, record: _NodeRecord) -> None:
        try:
            record.backend = await self._devices.attach(record.node, lambda: self._devices_changed(record))
        except Exception:
            log.exception("node %s: devices could not be attached", record.name)
            return
        record.failed = is_failed(record.node)
        self._devices.refresh(record.node, record.backend)
        self._kick(record)

    def _devices_changed(self, record: _NodeRecord) -> None:
        record.status_dirty = True
        self._kick(record)

    async def _work(self, record: _NodeRecord) -> None:
        while not record.removed and (record.status_dirty or record.pending or record.due_exits):
            try:
                if record.status_dirty:
                    record.status_dirty = False
                    await self._sync_node(record)
                if record.due_exits:
                    uid = record.due_exits.pop()
                    await self._exit_pod(record, uid)
                    continue
                if record.pending:
                    key = min(record.pending)
                    record.pending.discard(key)
                    await self._sync_pod(record, key)
            except StoreError as err:
                log.warning("node %s: write refused: %s", record.name, err)
            except Exception:
                log.exception("node %s: unexpected kubelet error", record.name)

    def _facts(self, record: _NodeRecord) -> NodeFacts:
        devices = record.backend.resources() if record.backend is not None else {}
        return NodeFacts(record.name, node_ip(record.index), record.failed, devices)

    async def _sync_node(self, record: _NodeRecord) -> None:
        now = now_rfc3339()
        node = record.node
        taints = (node.get("spec") or {}).get("taints") or []
        wanted_taints = desired_taints(taints, record.failed, now)
        if _strip_times(wanted_taints) != _strip_times(taints):
            node = await self._update_node_taints(record, record.failed)
        current = node.get("status") or {}
        desired = desired_node_status(current, self._facts(record), now)
        if desired != current:
            written = await self._store.update(
                NODES,
                {"metadata": {"name": record.name}, "status": desired},
                subresource="status",
                handover=True,
            )
            record.node = written

    async def _update_node_taints(self, record: _NodeRecord, failed: bool) -> Object:
        node: Object = clone(record.node)
        for _ in range(MAX_WRITE_ATTEMPTS):
            spec = node.setdefault("spec", {})
            wanted = desired_taints(spec.get("taints") or [], failed, now_rfc3339())
            if wanted:
                spec["taints"] = wanted
            else:
                spec.pop("taints", None)
            try:
                node = await self._store.update(NODES, node)
                record.node = node
                return node
            except ConflictError:
                node = await self._store.get(NODES, record.name)
        raise ConflictError(f"node {record.name}: taints not updated after {MAX_WRITE_ATTEMPTS} attempts")

    async def _sync_pod(self, record: _NodeRecord, key: Key) -> None:
        pod = self._pods.cache.get(key)
        if pod is None or (pod.get("spec") or {}).get("nodeName") != record.name:
            return
        uid = pod["metadata"].get("uid", "")
        phase = (pod.get("status") or {}).get("phase")
        if is_terminal(pod):
            self._finish(record, uid)
            return
        if pod["metadata"].get("deletionTimestamp"):
            await self._write_status(pod, terminated_status(pod, EXIT_CODE_TERMINATED, now_rfc3339()))
            self._finish(record, uid)
            return
        if record.failed:
            if phase == "Running":
                await self._write_status(pod, node_lost_status(pod, record.name, now_rfc3339()))
                self._finish(record, uid)
            return
        if phase == "Running":
            if uid not in record.admitted:
                self._adopt(record, pod)
            return
        if uid not in record.admitted:
            await self._admit(record, pod)

    def _adopt(self, record: _NodeRecord, pod: Object) -> None:
        """A pod that was running before this kubelet started keeps its cards and its exit time."""
        uid = pod["metadata"]["uid"]
        record.admitted[uid] = object_key(pod)
        annotations = pod["metadata"].get("annotations") or {}
        held = parse_indices(annotations.get(ANNOTATION_ALLOCATED_CARDS))
        if held and record.backend is not None:
            record.backend.adopt(uid, held)
            record.status_dirty = True
        started = parse_time((pod.get("status") or {}).get("startTime"))
        self._arm_exit(record, pod, time.time() - started if started else 0.0)

    async def _admit(self, record: _NodeRecord, pod: Object) -> None:
        backend = record.backend
        assert backend is not None
        uid = pod["metadata"]["uid"]
        spec = pod.get("spec") or {}
        allocatable = (record.node.get("status") or {}).get("allocatable") or {}
        indices: list[int] = []
        envs: dict[str, str] = {}
        containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
        try:
            for container in containers:
                limits = (container.get("resources") or {}).get("limits") or {}
                for resource in sorted(limits):
                    if not is_extended_resource(resource):
                        continue
                    count = parse_milli(limits[resource]) // 1000
                    if count <= 0:
                        continue
                    if not backend.is_device_resource(resource):
                        if count > parse_milli(allocatable.get(resource, 0)) // 1000:
                            capacity = parse_milli(allocatable.get(resource, 0)) // 1000
                            raise _PredicateFailure(
                                f"OutOf{resource}",
                                f"Node didn't have enough resource: {resource}, requested: {count}, "
                                f"used: 0, capacity: {capacity}",
                            )
                        continue
                    allocation = await backend.allocate(uid, container.get("name", ""), resource, count)
                    indices.extend(allocation.indices)
                    for name, value in allocation.envs.items():
                        envs.setdefault(name, value)
        except AllocationError as err:
            backend.release(uid)
            await self._reject(
                record, pod, "UnexpectedAdmissionError", f"Allocate failed due to {err}, which is unexpected"
            )
            return
        except _PredicateFailure as failure:
            backend.release(uid)
            await self._reject(record, pod, failure.reason, failure.message)
            return
        record.admitted[uid] = object_key(pod)
        if indices:
            record.status_dirty = True
            annotations = {
                ANNOTATION_ALLOCATED_CARDS: ",".join(str(i) for i in sorted(set(indices))),
                ANNOTATION_SIM_ALLOCATE_ENV: json.dumps(envs, sort_keys=True),
            }
            annotated = await self._annotate(pod, annotations)
            if annotated is None:
                self._finish(record, uid)
                return
            pod = annotated
        record.pod_counter += 1
        status = running_status(
            pod, node_ip(record.index), pod_ip(record.index, record.pod_counter), now_rfc3339()
        )
        if await self._write_status(pod, status):
            self._arm_exit(record, pod, 0.0)
        else:
            self._finish(record, uid)

    async def _reject(self, record: _NodeRecord, pod: Object, reason: str, message: str) -> None:
        await self._write_status(pod, rejected_status(pod, reason, message))
        await self._events.record(pod, "Warning", reason, message, host=record.name)

    async def _annotate(self, pod: Object, annotations: Mapping[str, str]) -> Object | None:
        """Set annotations on the pod (retrying on conflicts); None if the pod is gone or replaced."""
        uid = pod["metadata"]["uid"]
        for _ in range(MAX_WRITE_ATTEMPTS):
            meta = pod["metadata"]
            # New top level and metadata; the rest is shared with the stored pod, unchanged.
            pod = {
                **pod,
                "metadata": {**meta, "annotations": {**(meta.get("annotations") or {}), **annotations}},
            }
            try:
                return await self._store.update(PODS, pod, handover=True)
            except ConflictError:
                try:
                    pod = await self._store.get(PODS, pod["metadata"]["name"], pod["metadata"]["namespace"])
                except NotFoundError:
                    return None
                if pod["metadata"].get("uid") != uid:
                    return None
            except NotFoundError:
                return None
        return None

    async def _write_status(self, pod: Object, status: dict[str, Any]) -> bool:
        meta = pod["metadata"]
        try:
            await self._store.update(
                PODS,
                {
                    "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"]},
                    "status": status,
                },
                subresource="status",
                handover=True,
            )
        except NotFoundError:
            return False
        return True

    def _arm_exit(self, record: _NodeRecord, pod: Object, elapsed: float) -> None:
        duration, _ = sim_duration(pod)
        uid = pod["metadata"]["uid"]
        if duration is None or uid in record.timers:
            return
        delay = max(0.0, duration - elapsed)

        def due() -> None:
            record.timers.pop(uid, None)
            record.due_exits.add(uid)
            self._kick(record)

        record.timers[uid] = asyncio.get_running_loop().call_later(delay, due)

    async def _exit_pod(self, record: _NodeRecord, uid: str) -> None:
        key = record.admitted.get(uid)
        pod = self._pods.cache.get(key) if key is not None else None
        if pod is None or pod["metadata"].get("uid") != uid or is_terminal(pod) or record.failed:
            return
        _, exit_code = sim_duration(pod)
        if await self._write_status(pod, terminated_status(pod, exit_code, now_rfc3339())):
            self._finish(record, uid)

    # ----- leases ----------------------------------------------------------------------------------

    def lease_interval(self) -> float:
        """Renew every 10 s, slower for large fleets so lease writes stay near 10 per second."""
        return max(MIN_LEASE_INTERVAL_SECONDS, len(self._nodes) / LEASE_WRITES_PER_SECOND)

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            interval = self.lease_interval()
            for record in list(self._nodes.values()):
                if record.failed or record.removed or record.lease_due > now:
                    continue
                # A node's first renewal is shifted by its phase, spreading renewals over the interval.
                record.lease_due = now + interval * (1.0 if record.lease_exists else record.lease_phase)
                try:
                    await self._renew(record, interval)
                except StoreError as err:
                    log.debug("node %s: lease not renewed: %s", record.name, err)

    async def _renew(self, record: _NodeRecord, interval: float) -> None:
        duration = int(max(40.0, interval * LEASE_DURATION_FACTOR))
        lease: Object = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {
                "name": record.name,
                "namespace": NODE_LEASE_NAMESPACE,
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "Node",
                        "name": record.name,
                        "uid": record.node["metadata"].get("uid", ""),
                    }
                ],
            },
            "spec": {
                "holderIdentity": record.name,
                "leaseDurationSeconds": duration,
                "renewTime": microtime(),
            },
        }
        if not record.lease_exists:
            try:
                await self._store.create(LEASES, lease)
                record.lease_exists = True
                return
            except AlreadyExistsError:
                record.lease_exists = True
        try:
            await self._store.update(LEASES, lease)
        except NotFoundError:
            record.lease_exists = False


class _PredicateFailure(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _phase(name: str) -> float:
    """A stable fraction in [0, 1) per node, spreading lease writes evenly over time."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 16**8


def _strip_times(taints: list[Any]) -> list[tuple[str, str, str]]:
    return sorted((t.get("key", ""), t.get("value", ""), t.get("effect", "")) for t in taints)
