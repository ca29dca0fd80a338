"""The operator's thin shell: mirror the watch events, and while leading, run debounced rounds.

Rounds are serial: each reads the mirror, asks the pure planner, and performs the plan. A burst of
events arriving within the debounce window becomes one round; a quiet cluster still gets a round every
``resync_seconds`` and at the next gang timeout, so nothing waits on an event that never comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from accelfleet.api.names import GROUP, VERSION
from accelfleet.observability import serve_metrics
from accelfleet.operator import metrics
from accelfleet.operator.client import ApiClient, ApiError
from accelfleet.operator.config import OperatorConfig, lease_namespace
from accelfleet.operator.executor import Executor
from accelfleet.operator.leadership import Elector
from accelfleet.operator.mirror import ACCELCARDS, AIJOBS, NAMESPACED, NODES, PLATFORMS, PODS, Mirror
from accelfleet.operator.planner import plan_round

log = logging.getLogger("accelfleet.operator")

_COLLECTIONS = {
    AIJOBS: f"/apis/{GROUP}/{VERSION}/{{ns}}aijobs",
    PODS: "/api/v1/{ns}pods",
    NODES: "/api/v1/nodes",
    ACCELCARDS: f"/apis/{GROUP}/{VERSION}/accelcards",
    PLATFORMS: f"/apis/{GROUP}/{VERSION}/scalexplatforms",
}
_RETRY_SECONDS = 1.0


def _now() -> datetime:
    return datetime.now(UTC)


class Operator:
    def __init__(self, config: OperatorConfig) -> None:
        self.config = config
        self.mirror = Mirror()
        self.identity = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.client: ApiClient | None = None
        self.acting = False
        self.synced = False
        self.rounds = 0
        self._trigger = asyncio.Event()
        self._logged_in = asyncio.Event()
        self._wake_at: datetime | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._web: web.AppRunner | None = None
        self._elector: Elector | None = None
        metrics.LEADER.set(0)

    async def start(self) -> None:
        if self.config.metrics_port:
            self._web = await serve_metrics(
                self.config.metrics_address, self.config.metrics_port, self.health
            )
        self._tasks.append(asyncio.create_task(self._main(), name="accelfleet reconcile loop"))

    async def stop(self) -> None:
        if self._elector is not None:
            await self._elector.release()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._web is not None:
            await self._web.cleanup()
        if self.client is not None:
            await self.client.close()

    def login(self, info: Any) -> None:
        """Adopt the credentials kopf logged in with for the operator's own writes."""
        if self.client is None:
            self.client = ApiClient.from_connection(info, metrics.count_write)
            self._logged_in.set()
        else:
            self.client.refresh(info)

    def observe(self, kind: str, event_type: str | None, obj: Mapping[str, Any]) -> None:
        if self.mirror.observe(kind, event_type, obj):
            self._trigger.set()

    def health(self) -> tuple[bool, str]:
        main = self._tasks[0] if self._tasks else None
        if main is not None and main.done():
            return False, "the reconcile loop has stopped"
        return True, f"{'acting' if self.acting else 'standing by'} ({self.identity}), {self.rounds} rounds"

    def _leading(self, leader: bool) -> None:
        self.acting = leader
        self.synced = False
        metrics.LEADER.set(int(leader))
        self._trigger.set()

    async def _main(self) -> None:
        await self._logged_in.wait()
        assert self.client is not None
        if self.config.standalone:
            self._leading(True)
        else:
            namespace = lease_namespace(self.config, self.client.default_namespace)
            self._elector = Elector(
                self.client,
                namespace=namespace,
                name=self.config.lease_name,
                identity=self.identity,
                duration=self.config.lease_seconds,
                now=_now,
                on_change=self._leading,
            )
            self._tasks.append(asyncio.create_task(self._elector.run(), name="accelfleet lease"))
        executor = Executor(self.client, self.mirror, identity=self.identity)
        while True:
            await self._wait()
            if not self.acting:
                continue
            try:
                if not self.synced:
                    await self._sync()
                await self._round(executor)
            except (ApiError, OSError, TimeoutError) as err:
                log.warning("round failed, retrying: %s", err)
                self._wake_at = _now()

    async def _wait(self) -> None:
        timeout = self.config.resync_seconds
        if self._wake_at is not None:
            timeout = min(timeout, max(0.0, (self._wake_at - _now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._trigger.wait(), timeout=timeout)
        await asyncio.sleep(self.config.debounce_seconds)
        self._trigger.clear()

    async def _sync(self) -> None:
        """LIST everything once before the first decision, so no card is missed at start-up or takeover."""
        assert self.client is not None
        for kind, template in _COLLECTIONS.items():
            namespaces = self.config.namespaces if kind in NAMESPACED else ()
            for scope in [f"namespaces/{ns}/" for ns in namespaces] or [""]:
                try:
                    items, version = await self.client.list_all(template.format(ns=scope))
                except ApiError as err:
                    if not err.not_found:
                        raise
                    log.warning("cannot list %s (is the CRD installed?): %s", kind, err)
                    continue
                self.mirror.replace_all(
                    kind, items, version, namespace=scope[len("namespaces/") : -1] or None
                )
        self.synced = True
        log.info("mirrored the cluster: %s", {kind: len(self.mirror.store[kind]) for kind in _COLLECTIONS})

    async def _round(self, executor: Executor) -> None:
        world = replace(self.mirror.world(), refused=executor.refused)
        now = _now()
        started = time.perf_counter()
        plan = await asyncio.to_thread(
            plan_round, world, now, starvation_seconds=self.config.starvation_seconds
        )
        metrics.PLACEMENT_DURATION.observe(time.perf_counter() - started)
        metrics.publish_phases(plan.phases)
        metrics.publish_cards(plan.cards)
        metrics.GANGS_PLACED.inc(plan.placements)
        failures = await executor.run(plan)
        self.rounds += 1
        self._wake_at = plan.next_deadline
        if failures:
            retry = datetime.fromtimestamp(time.time() + _RETRY_SECONDS, UTC)
            self._wake_at = min(self._wake_at, retry) if self._wake_at else retry
