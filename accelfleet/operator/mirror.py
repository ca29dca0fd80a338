"""The operator's copy of the cluster, fed by watch events, its own LISTs and its own write responses.

It is a cache, never the record: every decision can be re-derived from the API after a restart. Two
rules keep it from going backwards: an older resourceVersion never replaces a newer one, and an object
whose deletion was seen is never brought back by a late response (a tombstone remembers its uid).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from accelfleet.api.names import LABEL_JOB
from accelfleet.operator.objects import (
    Obj,
    labels_of,
    mapping,
    name_of,
    namespace_of,
    newer_or_same,
    sequence,
    slim_node,
    slim_pod,
    uid_of,
)
from accelfleet.operator.planner import World

AIJOBS = "aijobs"
PODS = "pods"
NODES = "nodes"
ACCELCARDS = "accelcards"
PLATFORMS = "scalexplatforms"
KINDS = (AIJOBS, PODS, NODES, ACCELCARDS, PLATFORMS)
NAMESPACED = frozenset({AIJOBS, PODS})
_TOMBSTONES = 20_000

Key = tuple[str, str] | str


def holds_cards(pod: Mapping[str, Any]) -> bool:
    """Whether a pod asks for any extended resource: only such foreign pods matter to placement."""
    for container in [
        *sequence(mapping(pod.get("spec")).get("containers")),
        *sequence(mapping(pod.get("spec")).get("initContainers")),
    ]:
        resources = mapping(mapping(container).get("resources"))
        for kind in ("limits", "requests"):
            if any("/" in name for name in mapping(resources.get(kind))):
                return True
    return False


def _relevant(kind: str, obj: Mapping[str, Any]) -> bool:
    return kind != PODS or bool(labels_of(obj).get(LABEL_JOB)) or holds_cards(obj)


def _trim(kind: str, obj: Mapping[str, Any]) -> Obj:
    if kind == PODS:
        return slim_pod(obj)
    if kind == NODES:
        return slim_node(obj)
    metadata = {k: v for k, v in mapping(obj.get("metadata")).items() if k != "managedFields"}
    return {**obj, "metadata": metadata}


def _without_version(obj: Mapping[str, Any]) -> Obj:
    metadata = {k: v for k, v in mapping(obj.get("metadata")).items() if k != "resourceVersion"}
    return {**obj, "metadata": metadata}


class Mirror:
    def __init__(self) -> None:
        self.store: dict[str, dict[Any, Obj]] = {kind: {} for kind in KINDS}
        self._tombstones: OrderedDict[str, None] = OrderedDict()

    @staticmethod
    def key(kind: str, obj: Mapping[str, Any]) -> Key:
        return (namespace_of(obj), name_of(obj)) if kind in NAMESPACED else name_of(obj)

    def _bury(self, uid: str) -> None:
        if uid:
            self._tombstones[uid] = None
            while len(self._tombstones) > _TOMBSTONES:
                self._tombstones.popitem(last=False)

    def observe(self, kind: str, event_type: str | None, obj: Mapping[str, Any]) -> bool:
        """Apply one watch event; True when something a decision reads has changed."""
        key = self.key(kind, obj)
        store = self.store[kind]
        if event_type == "DELETED":
            self._bury(uid_of(obj))
            return store.pop(key, None) is not None
        if not _relevant(kind, obj):
            return store.pop(key, None) is not None
        return self._put(kind, key, _trim(kind, obj))

    def put(self, kind: str, obj: Mapping[str, Any]) -> bool:
        """Record an object the API answered a write or a LIST with."""
        if uid_of(obj) in self._tombstones or not _relevant(kind, obj):
            return False
        return self._put(kind, self.key(kind, obj), _trim(kind, obj))

    def _put(self, kind: str, key: Key, obj: Obj) -> bool:
        store = self.store[kind]
        current = store.get(key)
        if not newer_or_same(obj, current):
            return False
        store[key] = obj
        return current is None or _without_version(current) != _without_version(obj)

    def forget(self, kind: str, obj: Mapping[str, Any]) -> None:
        self._bury(uid_of(obj))
        self.store[kind].pop(self.key(kind, obj), None)

    def replace_all(
        self, kind: str, items: Iterable[Mapping[str, Any]], version: str, namespace: str | None = None
    ) -> None:
        """Merge a fresh LIST taken at ``version``: listed objects are recorded; held objects the LIST
        no longer has are dropped unless they are newer than the LIST (seen since it was taken)."""
        listed = {self.key(kind, item): item for item in items}
        for key, held in list(self.store[kind].items()):
            if key in listed or (namespace is not None and namespace_of(held) != namespace):
                continue
            mine = str(mapping(held.get("metadata")).get("resourceVersion") or "")
            if not (mine.isdigit() and version.isdigit() and int(mine) > int(version)):
                del self.store[kind][key]
        for item in listed.values():
            self.put(kind, item)

    def world(self) -> World:
        """A consistent view for one round: dict copies, since objects are replaced, never mutated."""
        return World(
            jobs=dict(self.store[AIJOBS]),
            pods=dict(self.store[PODS]),
            nodes=dict(self.store[NODES]),
            accelcards=dict(self.store[ACCELCARDS]),
            platforms=dict(self.store[PLATFORMS]),
        )
