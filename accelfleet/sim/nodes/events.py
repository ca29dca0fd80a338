"""core/v1 Events posted by the scheduler and the kubelets, aggregated the way client-go does.

A pod that fails scheduling twenty times for the same reason gets one Event whose ``count`` is 20,
not twenty Events, so a long-pending gang does not flood the store.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any

from accelfleet.sim.builtin_types import EVENTS
from accelfleet.sim.objects import now_rfc3339
from accelfleet.sim.store import NotFoundError, Object, Store, StoreError

log = logging.getLogger(__name__)
MAX_REMEMBERED = 4096


def involved_object(obj: Object) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    ref = {
        "apiVersion": obj.get("apiVersion", "v1"),
        "kind": obj.get("kind", ""),
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    return ref


class EventRecorder:
    def __init__(self, store: Store, component: str) -> None:
        self._store = store
        self._component = component
        self._recent: OrderedDict[tuple[str, str, str, str], tuple[str, str]] = OrderedDict()

    async def record(self, obj: Object, event_type: str, reason: str, message: str, host: str = "") -> None:
        """Post (or bump the count of) an Event about ``obj``; failures are logged, never raised."""
        ref = involved_object(obj)
        namespace = ref.get("namespace") or "default"
        key = (ref["uid"], event_type, reason, message)
        now = now_rfc3339()
        try:
            remembered = self._recent.get(key)
            if remembered is not None:
                try:
                    event = await self._store.get(EVENTS, remembered[1], remembered[0])
                except NotFoundError:
                    self._recent.pop(key, None)
                else:
                    event["count"] = int(event.get("count") or 1) + 1
                    event["lastTimestamp"] = now
                    event["metadata"]["resourceVersion"] = ""
                    await self._store.update(EVENTS, event)
                    self._recent.move_to_end(key)
                    return
            name = f"{ref['name']}.{time.time_ns():x}"
            source: dict[str, str] = {"component": self._component}
            if host:
                source["host"] = host
            await self._store.create(
                EVENTS,
                {
                    "apiVersion": "v1",
                    "kind": "Event",
                    "metadata": {"name": name, "namespace": namespace},
                    "involvedObject": ref,
                    "reason": reason,
                    "message": message,
                    "type": event_type,
                    "source": source,
                    "firstTimestamp": now,
                    "lastTimestamp": now,
                    "count": 1,
                    "reportingComponent": self._component,
                    "reportingInstance": host or self._component,
                },
            )
        except StoreError as err:
            log.debug("event %s for %s not recorded: %s", reason, ref["name"], err)
            return
        self._recent[key] = (namespace, name)
        if len(self._recent) > MAX_REMEMBERED:
            self._recent.popitem(last=False)
