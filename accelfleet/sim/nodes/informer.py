"""List-then-watch of one resource type, with a local cache and a relist when the watch expires.

The store's watches are cursors into a bounded history; a controller that falls behind gets
GoneError, just like a client of a real API server after compaction. The informer then lists again
and reports the difference as ordinary events, so controllers never see a gap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from accelfleet.sim.store import GoneError, Object, ResourceType, Store, WatchEventType

log = logging.getLogger(__name__)

Key = tuple[str, str]
Handler = Callable[[WatchEventType, Object], None]


def object_key(obj: Object) -> Key:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name") or "")


class Informer:
    """Calls ``handler`` synchronously for every change; ``cache`` holds the newest objects.

    Watched objects are the store's own (shared, read-only): handlers and readers of ``cache`` copy
    an object before changing it. Copying every event for every controller cost the simulated
    cluster a third of its time while a 1,000-pod gang started.
    """

    def __init__(
        self,
        store: Store,
        rtype: ResourceType,
        handler: Handler,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> None:
        self._store = store
        self._rtype = rtype
        self._handler = handler
        self._label_selector = label_selector
        self._field_selector = field_selector
        self.cache: dict[Key, Object] = {}

    async def sync(self) -> str:
        """List once, reporting what changed since the cache was last filled; returns the list's RV."""
        objects, rv = await self._store.list(
            self._rtype, label_selector=self._label_selector, field_selector=self._field_selector
        )
        fresh = {object_key(obj): obj for obj in objects}
        for key in [k for k in self.cache if k not in fresh]:
            self._handler("DELETED", self.cache.pop(key))
        for key, obj in fresh.items():
            known = key in self.cache
            self.cache[key] = obj
            self._handler("MODIFIED" if known else "ADDED", obj)
        return rv

    async def run(self, resource_version: str | None = None) -> None:
        """Watch forever (from ``resource_version`` if the caller already synced)."""
        rv = resource_version if resource_version is not None else await self.sync()
        while True:
            try:
                async for event in self._store.watch(
                    self._rtype,
                    resource_version=rv,
                    label_selector=self._label_selector,
                    field_selector=self._field_selector,
                    shared=True,
                ):
                    if event.type == "BOOKMARK":
                        continue
                    rv = event.object.get("metadata", {}).get("resourceVersion") or rv
                    key = object_key(event.object)
                    if event.type == "DELETED":
                        self.cache.pop(key, None)
                    else:
                        self.cache[key] = event.object
                    self._handler(event.type, event.object)
            except GoneError:
                log.info("watch of %s expired; listing again", self._rtype.plural)
            rv = await self.sync()
