"""Nodes that follow ScaleXPlatform objects: applying a platform with a ``simulate`` block creates
its nodes, changing the block adds, removes or replaces them, deleting the platform removes them.

Nodes carry no ownerReference to their platform: this controller matches them by the platform label
and the ``accelfleet.io/sim-origin: platform`` annotation instead. That keeps deletion exact when a
platform is deleted and re-created under the same name (a garbage collector racing the new
platform's nodes would delete them), lets a preset's nodes of the same name stand untouched, and
a full resync at start-up removes nodes whose platform vanished while the sim was stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from accelfleet.api.names import LABEL_PLATFORM
from accelfleet.sim.builtin_types import NODES, SCALEX_PLATFORMS
from accelfleet.sim.nodes.informer import Informer
from accelfleet.sim.nodes.node_factory import (
    ExistingNode,
    diff_platform_nodes,
    node_object,
    plan_nodes,
    pools_from_platform,
)
from accelfleet.sim.nodes.sim_names import ANNOTATION_SIM_ORIGIN, ORIGIN_PLATFORM
from accelfleet.sim.nodes.tasks import cancel_all
from accelfleet.sim.store import AlreadyExistsError, NotFoundError, Object, Store, StoreError, WatchEventType

log = logging.getLogger(__name__)


class PlatformNodes:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._informer = Informer(store, SCALEX_PLATFORMS, self._on_platform)
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        rv = await self._informer.sync()
        nodes, _ = await self._store.list(NODES, label_selector=LABEL_PLATFORM)
        for node in nodes:
            meta = node["metadata"]
            if (meta.get("annotations") or {}).get(ANNOTATION_SIM_ORIGIN) == ORIGIN_PLATFORM:
                self._dirty.add(meta["labels"][LABEL_PLATFORM])
        await self._reconcile_dirty()
        self._tasks = [asyncio.create_task(self._informer.run(rv)), asyncio.create_task(self._loop())]

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks = []

    def _on_platform(self, event_type: WatchEventType, platform: Object) -> None:
        self._dirty.add(platform["metadata"]["name"])
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._reconcile_dirty()

    async def _reconcile_dirty(self) -> None:
        while self._dirty:
            name = self._dirty.pop()
            try:
                await self.reconcile(name)
            except StoreError as err:
                log.warning("platform %s: nodes not reconciled: %s", name, err)

    async def reconcile(self, name: str) -> None:
        platform = self._informer.cache.get(("", name))
        deleting = platform is None or bool(platform["metadata"].get("deletionTimestamp"))
        pools = [] if deleting or platform is None else pools_from_platform(platform)
        nodes, _ = await self._store.list(NODES, label_selector=f"{LABEL_PLATFORM}={name}")
        existing = {
            n["metadata"]["name"]: ExistingNode(
                (n["metadata"].get("annotations") or {}).get(ANNOTATION_SIM_ORIGIN, ""),
                n["metadata"].get("labels") or {},
            )
            for n in nodes
        }
        diff = diff_platform_nodes(plan_nodes(name, pools), existing, ORIGIN_PLATFORM)
        for node_name in diff.delete:
            with contextlib.suppress(NotFoundError):
                await self._store.delete(NODES, node_name)
        for planned in diff.create:
            with contextlib.suppress(AlreadyExistsError):
                await self._store.create(NODES, node_object(planned, ORIGIN_PLATFORM))
        if diff.create or diff.delete:
            log.info("platform %s: %d nodes created, %d deleted", name, len(diff.create), len(diff.delete))
