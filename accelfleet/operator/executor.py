"""Carries out a round's plan against the API, concurrently, in the order the plan prescribes.

Per job: the status write first; only if it succeeded the pods are created; only if every pod of the
gang then exists are the gates lifted. A failed write is logged and left to the next round, which
re-derives what is still to do from the cluster itself. Across jobs: gangs given cards this round
are written only after the other jobs' statuses, so no reader sees two gangs on the same cards.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp

from accelfleet.api.names import API_VERSION, GROUP, SCHEDULING_GATE, VERSION
from accelfleet.operator import metrics
from accelfleet.operator.client import JSON_PATCH, ApiClient, ApiError
from accelfleet.operator.mirror import ACCELCARDS, AIJOBS, PLATFORMS, PODS, Mirror
from accelfleet.operator.names import COMPONENT, LABEL_ATTEMPT
from accelfleet.operator.objects import Obj, format_time, labels_of, mapping, name_of, sequence, uid_of
from accelfleet.operator.plan import EventNote, JobAction, RoundPlan, Ungate

log = logging.getLogger("accelfleet.operator")
T = TypeVar("T")


def aijob_path(namespace: str, name: str) -> str:
    return f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/aijobs/{name}"


def pods_path(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/pods"


def status_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> Obj:
    """The JSON merge patch turning ``old`` into ``new`` (removed keys become null)."""
    patch: Obj = {key: value for key, value in new.items() if old.get(key) != value}
    patch.update({key: None for key in old if key not in new})
    return patch


def ungate_patch(ungate: Ungate) -> list[Obj]:
    """A JSON patch that only applies to the very pod decided on (the uid test guards a re-created one)."""
    ops: list[Obj] = [{"op": "test", "path": "/metadata/uid", "value": ungate.uid}]
    if ungate.remaining:
        ops.append(
            {
                "op": "replace",
                "path": "/spec/schedulingGates",
                "value": [{"name": g} for g in ungate.remaining],
            }
        )
    else:
        ops.append({"op": "remove", "path": "/spec/schedulingGates"})
    return ops


class Executor:
    def __init__(self, client: ApiClient, mirror: Mirror, *, identity: str, concurrency: int = 64) -> None:
        self.client = client
        self.mirror = mirror
        self.identity = identity
        self._slots = asyncio.Semaphore(concurrency)
        self.failures = 0
        self.refused: dict[tuple[str, str], str] = {}

    async def _call(self, what: str, call: Awaitable[T]) -> T | ApiError | None:
        """One request within the concurrency limit; API errors are returned, others logged."""
        async with self._slots:
            try:
                return await call
            except ApiError as err:
                return err
            except (TimeoutError, OSError, aiohttp.ClientError, ValueError) as err:
                self.failures += 1
                log.warning("%s failed: %s", what, err)
                return None

    async def run(self, plan: RoundPlan) -> int:
        """Perform every write; returns how many failed (the caller schedules a retry round).

        Jobs that take cards wait until every other job's new status is on record: a gang that ended
        (or restarted) is written as such before another gang is shown on its cards.
        """
        self.failures = 0
        self.refused = {}
        releasing = [action for action in plan.jobs if not action.create]
        placing = [action for action in plan.jobs if action.create]
        recorded = await asyncio.gather(*(self._record(action) for action in releasing))
        await asyncio.gather(
            *(self._carry_out(action) for action, ok in zip(releasing, recorded, strict=True) if ok),
            *(self._job(action) for action in placing),
            *(self._fleet_status(ACCELCARDS, name, status) for name, status in plan.accelcard_status),
            *(self._fleet_status(PLATFORMS, name, status) for name, status in plan.platform_status),
            *(self._delete(namespace, name, uid) for namespace, name, uid in plan.orphans),
        )
        return self.failures

    def _failed(self, what: str, err: ApiError) -> None:
        self.failures += 1
        log.warning("%s failed: %s", what, err)

    async def _job(self, action: JobAction) -> None:
        if await self._record(action):
            await self._carry_out(action)

    async def _record(self, action: JobAction) -> bool:
        """Write the job's new status, if any; False when the rest of its writes must wait a round."""
        job = action.job
        if action.status is None:
            return True
        patch = {"status": status_patch(job.status, action.status)}
        answer = await self._call(
            f"status of AIJob {job.key}",
            self.client.patch(aijob_path(job.namespace, job.name) + "/status", patch, AIJOBS),
        )
        if isinstance(answer, ApiError):
            if not answer.not_found:
                self._failed(f"status of AIJob {job.key}", answer)
            return False
        if answer is None:
            return False
        self.mirror.put(AIJOBS, answer)
        if action.restarted:
            metrics.GANG_RESTARTS.inc()
        if action.seconds_to_running is not None:
            metrics.TIME_TO_RUNNING.observe(action.seconds_to_running)
        return True

    async def _carry_out(self, action: JobAction) -> None:
        """The pod and Event writes that follow a recorded status."""
        job = action.job
        if action.create:
            await self._create_gang(action)
        await asyncio.gather(*(self._ungate(job.namespace, ungate) for ungate in action.ungate))
        await asyncio.gather(
            *(
                self._delete(job.namespace, name, uid, force=name in action.force)
                for name, uid in action.delete
            )
        )
        await asyncio.gather(*(self._event(action, note) for note in action.events))

    async def _create_gang(self, action: JobAction) -> None:
        job = action.job
        if action.service is not None:
            answer = await self._call(
                f"service of {job.key}",
                self.client.create(
                    f"/api/v1/namespaces/{job.namespace}/services", action.service, "services"
                ),
            )
            if isinstance(answer, ApiError) and not answer.already_exists:
                self._failed(f"service of {job.key}", answer)
        created = await asyncio.gather(
            *(self._create_pod(job.namespace, manifest) for manifest in action.create)
        )
        if not all(pod is not None for pod in created):
            return
        ungates = [
            Ungate(name_of(pod), uid_of(pod), tuple(g for g in _gates(pod) if g != SCHEDULING_GATE))
            for pod in created
            if isinstance(pod, dict) and SCHEDULING_GATE in _gates(pod)
        ]
        await asyncio.gather(
            *(self._ungate(job.namespace, ungate) for ungate in [*ungates, *action.ungate_after_create])
        )

    async def _create_pod(self, namespace: str, manifest: Obj) -> Obj | None:
        """The pod of this gang attempt now on the API (created, or found from an earlier try), else None."""
        answer = await self._call(
            f"pod {name_of(manifest)}", self.client.create(pods_path(namespace), manifest, PODS)
        )
        if isinstance(answer, ApiError):
            if not answer.already_exists:
                self._failed(f"pod {namespace}/{name_of(manifest)}", answer)
                return None
            found = await self._call(
                "pod read", self.client.get(f"{pods_path(namespace)}/{name_of(manifest)}")
            )
            if not isinstance(found, dict):
                return None
            self.mirror.put(PODS, found)
            same_attempt = labels_of(found).get(LABEL_ATTEMPT) == labels_of(manifest).get(LABEL_ATTEMPT)
            same_owner = _owner(found) == _owner(manifest)
            return found if same_attempt and same_owner else None
        if answer is None:
            return None
        self.mirror.put(PODS, answer)
        metrics.PODS_PLACED.inc()
        return answer

    async def _ungate(self, namespace: str, ungate: Ungate) -> None:
        answer = await self._call(
            f"gate of pod {ungate.name}",
            self.client.patch(
                f"{pods_path(namespace)}/{ungate.name}", ungate_patch(ungate), PODS, content_type=JSON_PATCH
            ),
        )
        if isinstance(answer, ApiError):
            if not answer.not_found and answer.status != 422:
                self._failed(f"gate of pod {namespace}/{ungate.name}", answer)
        elif answer is not None:
            self.mirror.put(PODS, answer)

    async def _delete(self, namespace: str, name: str, uid: str, *, force: bool = False) -> None:
        answer = await self._call(
            f"delete pod {name}",
            self.client.delete(
                f"{pods_path(namespace)}/{name}", PODS, uid=uid, grace_period=0 if force else None
            ),
        )
        if isinstance(answer, ApiError):
            if not answer.not_found and not answer.conflict:
                self._failed(f"delete pod {namespace}/{name}", answer)
            return
        if isinstance(answer, dict) and mapping(answer.get("metadata")).get("deletionTimestamp"):
            self.mirror.put(PODS, answer)
        elif answer is not None:
            self.mirror.forget(PODS, {"metadata": {"namespace": namespace, "name": name, "uid": uid}})

    async def _event(self, action: JobAction, note: EventNote) -> None:
        job = action.job
        now = format_time(datetime.now(UTC))
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{job.name}.{uuid.uuid4().hex[:16]}", "namespace": job.namespace},
            "involvedObject": {
                "apiVersion": API_VERSION,
                "kind": "AIJob",
                "name": job.name,
                "namespace": job.namespace,
                "uid": job.uid,
            },
            "reason": note.reason,
            "message": note.message,
            "type": note.kind,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": self.identity,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        answer = await self._call(
            f"event on {job.key}",
            self.client.create(f"/api/v1/namespaces/{job.namespace}/events", body, "events"),
        )
        if isinstance(answer, ApiError):
            self._failed(f"event on {job.key}", answer)

    async def _fleet_status(self, kind: str, name: str, status: Obj) -> None:
        answer = await self._call(
            f"status of {kind}/{name}",
            self.client.patch(f"/apis/{GROUP}/{VERSION}/{kind}/{name}/status", {"status": status}, kind),
        )
        if isinstance(answer, ApiError):
            if not answer.not_found:
                self._failed(f"status of {kind}/{name}", answer)
        elif answer is not None:
            self.mirror.put(kind, answer)


def _gates(pod: Mapping[str, Any]) -> list[str]:
    return [str(mapping(g).get("name")) for g in sequence(mapping(pod.get("spec")).get("schedulingGates"))]


def _owner(pod: Mapping[str, Any]) -> str:
    refs = sequence(mapping(pod.get("metadata")).get("ownerReferences"))
    return str(mapping(refs[0]).get("uid")) if refs else ""
