"""The simulated cluster's object store: the one implementation of the ``Store`` protocol.

Everything lives in memory, keyed by resource (group + plural, so every version of a custom resource
shares its objects) and then by namespace and name. Stored objects are never mutated in place: a
write builds a new dict, so lists, watch history and watchers can share references safely and copy
only at the edge.

One global counter issues resourceVersions. Each resource keeps a bounded history of its changes;
watchers are cursors into that history (there is no per-watcher queue), so memory is bounded by the
history size however slow a watcher is. A watcher that falls behind the retained history, or asks
to resume from before it, gets ``GoneError`` (HTTP 410), as a real API server does after etcd
compaction; clients then list again.

The work is synchronous under the hood (nothing awaits between reading and writing an object), so
each write is atomic with respect to every other coroutine, and the async methods of the protocol
are thin wrappers.
"""

from __future__ import annotations

import asyncio
import bisect
import secrets
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from accelfleet.sim.objects import clone, metadata, now_rfc3339, resource_label
from accelfleet.sim.selectors import Selection, make_selection
from accelfleet.sim.store import (
    AlreadyExistsError,
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidError,
    NotFoundError,
    Object,
    ResourceType,
    WatchEvent,
    WatchEventType,
)

TypeKey = tuple[str, str]
ObjectKey = tuple[str, str]
Ref = tuple[TypeKey, str, str]

DEFAULT_HISTORY = 10_000
_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
FINALIZER_ORPHAN = "orphan"
FINALIZER_FOREGROUND = "foregroundDeletion"
NAMESPACES_KEY: TypeKey = ("", "namespaces")


class StoreHooks(Protocol):
    """What the store asks of whoever knows the served types (the registry)."""

    def has_status_subresource(self, rtype: ResourceType) -> bool:
        """Whether writes to the main resource ignore ``status`` (and status writes ignore the rest)."""
        ...

    def admit(self, rtype: ResourceType, old: Object | None, new: Object) -> Object:
        """Default and validate an object about to be written; raise a StoreError to refuse it."""
        ...

    def after_change(
        self, store: ObjectStore, rtype: ResourceType, change: WatchEventType, obj: Object
    ) -> None:
        """React to a committed change (e.g. serve a new CRD); may call the store's sync methods."""
        ...


class Persistence(Protocol):
    """Where committed objects go so that a restarted store resumes; see ``sqlite_persistence``."""

    def load(self) -> tuple[int, list[tuple[ResourceType, Object]]]: ...

    def put(self, rtype: ResourceType, obj: Object, resource_version: int) -> None: ...

    def remove(self, rtype: ResourceType, namespace: str, name: str, resource_version: int) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class _Change:
    rv: int
    type: WatchEventType
    obj: Object
    old: Object | None


@dataclass
class _TypeState:
    rtype: ResourceType
    objects: dict[ObjectKey, Object] = field(default_factory=dict)
    history: list[_Change] = field(default_factory=list)
    history_rvs: list[int] = field(default_factory=list)
    base: int = 0
    compacted_rv: int = 0
    signal: asyncio.Event = field(default_factory=asyncio.Event)
    epoch: int = 0


def _type_key(rtype: ResourceType) -> TypeKey:
    return (rtype.group, rtype.plural)


def _owner_uids(obj: Object | None) -> set[str]:
    if obj is None:
        return set()
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return {ref["uid"] for ref in refs if isinstance(ref, dict) and ref.get("uid")}


def _modified(rtype: ResourceType, name: str) -> ConflictError:
    """The real server's 409 for a write whose resourceVersion or uid precondition no longer holds."""
    return ConflictError(
        f'Operation cannot be fulfilled on {resource_label(rtype)} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        name=name,
        group=rtype.group,
        kind=rtype.plural,
    )


def _without(obj: Object, *keys: str) -> Object:
    return {key: value for key, value in obj.items() if key not in keys}


class ObjectStore:
    """In-memory Store with optional persistence; see the module docstring for the model."""

    def __init__(
        self,
        hooks: StoreHooks | None = None,
        persistence: Persistence | None = None,
        history_size: int = DEFAULT_HISTORY,
    ) -> None:
        self._hooks = hooks
        self._persistence = persistence
        self._history_size = history_size
        self._types: dict[TypeKey, _TypeState] = {}
        self._rv = 0
        self._floor_rv = 0
        self._by_uid: dict[str, Ref] = {}
        self._dependents: dict[str, set[Ref]] = {}
        self._namespace_counts: Counter[str] = Counter()
        self._foreground_owners: set[str] = set()
        if persistence is not None:
            self._restore(persistence)

    # ----- bookkeeping -------------------------------------------------------------------------

    def _restore(self, persistence: Persistence) -> None:
        rv, rows = persistence.load()
        for rtype, obj in rows:
            state = self._state(rtype)
            key = (obj["metadata"].get("namespace") or "", obj["metadata"]["name"])
            state.objects[key] = obj
            self._index(rtype, None, obj)
        self._rv = rv
        self._floor_rv = rv
        if self._hooks is not None:
            for rtype, obj in rows:
                self._hooks.after_change(self, rtype, "ADDED", obj)
        for state in self._types.values():
            state.compacted_rv = rv
        namespaces = self._types.get(NAMESPACES_KEY)
        terminating = [
            key[1]
            for key, obj in (namespaces.objects.items() if namespaces else [])
            if obj["metadata"].get("deletionTimestamp")
        ]
        for namespace in terminating:
            self._empty_namespace(namespace)
        waiting = [
            obj["metadata"]["uid"]
            for _, obj in rows
            if FINALIZER_FOREGROUND in obj["metadata"].get("finalizers", [])
        ]
        self._foreground_owners.update(waiting)
        for uid in waiting:
            self._finish_foreground(uid)

    def _state(self, rtype: ResourceType) -> _TypeState:
        key = _type_key(rtype)
        state = self._types.get(key)
        if state is None:
            state = _TypeState(rtype=rtype, compacted_rv=self._floor_rv)
            self._types[key] = state
        return state

    def _index(self, rtype: ResourceType, old: Object | None, new: Object | None) -> None:
        ref_source = new if new is not None else old
        assert ref_source is not None
        meta = ref_source["metadata"]
        ref: Ref = (_type_key(rtype), meta.get("namespace") or "", meta["name"])
        if old is None and new is not None:
            self._by_uid[meta["uid"]] = ref
            if rtype.namespaced:
                self._namespace_counts[ref[1]] += 1
        elif new is None and old is not None:
            self._by_uid.pop(meta["uid"], None)
            if rtype.namespaced:
                self._namespace_counts[ref[1]] -= 1
        old_owners, new_owners = _owner_uids(old), _owner_uids(new)
        for uid in old_owners - new_owners:
            dependents = self._dependents.get(uid)
            if dependents is not None:
                dependents.discard(ref)
                if not dependents:
                    del self._dependents[uid]
        for uid in new_owners - old_owners:
            self._dependents.setdefault(uid, set()).add(ref)

    def _commit(self, rtype: ResourceType, change: WatchEventType, old: Object | None, new: Object) -> None:
        state = self._state(rtype)
        self._rv += 1
        meta = new["metadata"]
        meta["resourceVersion"] = str(self._rv)
        key = (meta.get("namespace") or "", meta["name"])
        if change == "DELETED":
            del state.objects[key]
            self._index(rtype, old, None)
            if self._persistence is not None:
                self._persistence.remove(rtype, key[0], key[1], self._rv)
        else:
            state.objects[key] = new
            self._index(rtype, old, new)
            if self._persistence is not None:
                self._persistence.put(rtype, new, self._rv)
        state.history.append(_Change(self._rv, change, new, old))
        state.history_rvs.append(self._rv)
        if len(state.history) > 2 * self._history_size:
            dropped = len(state.history) - self._history_size
            state.compacted_rv = state.history_rvs[dropped - 1]
            del state.history[:dropped]
            del state.history_rvs[:dropped]
            state.base += dropped
        state.signal.set()
        state.signal = asyncio.Event()
        if self._hooks is not None:
            self._hooks.after_change(self, rtype, change, new)

    def _lookup(self, rtype: ResourceType, name: str, namespace: str | None) -> Object:
        ns = (namespace or "") if rtype.namespaced else ""
        state = self._types.get(_type_key(rtype))
        obj = state.objects.get((ns, name)) if state is not None else None
        if obj is None:
            raise NotFoundError(
                f'{resource_label(rtype)} "{name}" not found', name=name, group=rtype.group, kind=rtype.plural
            )
        return obj

    def _present(self, rtype: ResourceType, obj: Object) -> Object:
        result: Object = clone(obj)
        result["apiVersion"] = rtype.api_version
        result["kind"] = rtype.kind
        return result

    def _answer(self, rtype: ResourceType, obj: Object, handover: bool) -> Object:
        """What a write returns: a caller-owned copy, or after a handover the stored object itself."""
        return obj if handover else self._present(rtype, obj)

    @property
    def resource_version(self) -> str:
        """The newest resourceVersion issued, which is what a list made now reports."""
        return str(self._rv)

    async def flush_periodically(self, interval: float = 0.25) -> None:
        """Runs until cancelled; without persistence it returns at once."""
        if self._persistence is None:
            return
        while True:
            await asyncio.sleep(interval)
            self._persistence.flush()

    def close(self) -> None:
        if self._persistence is not None:
            self._persistence.close()
            self._persistence = None

    # ----- create --------------------------------------------------------------------------------

    def create_sync(
        self, rtype: ResourceType, obj: Object, *, dry_run: bool = False, handover: bool = False
    ) -> Object:
        """Store a new object; ``handover`` as for ``update_sync``."""
        new = obj if handover else clone(obj)
        meta = metadata(new)
        new["apiVersion"] = rtype.api_version
        new["kind"] = rtype.kind
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(
                secrets.choice(_NAME_SUFFIX_ALPHABET) for _ in range(5)
            )
        name = meta.get("name")
        if not name:
            raise InvalidError(
                f"{rtype.kind} in version {rtype.version!r} cannot be handled as a {rtype.kind}: "
                "metadata.name: Required value: name or generateName is required",
                group=rtype.group,
                kind=rtype.kind,
                causes=[
                    {
                        "reason": "FieldValueRequired",
                        "message": "Required value: name or generateName is required",
                        "field": "metadata.name",
                    }
                ],
            )
        if rtype.namespaced:
            namespace = meta.get("namespace") or "default"
            meta["namespace"] = namespace
            self._check_namespace_open(namespace)
        else:
            meta.pop("namespace", None)
        for managed in ("uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(managed, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        meta["generation"] = 1
        if self._hooks is not None:
            new = self._hooks.admit(rtype, None, new)
        state = self._state(rtype)
        key = (meta.get("namespace") or "", name)
        if key in state.objects:
            raise AlreadyExistsError(
                f'{resource_label(rtype)} "{name}" already exists',
                name=name,
                group=rtype.group,
                kind=rtype.plural,
            )
        if dry_run:
            new["metadata"]["resourceVersion"] = ""
            return self._answer(rtype, new, handover)
        self._commit(rtype, "ADDED", None, new)
        return self._answer(rtype, new, handover)

    def _check_namespace_open(self, namespace: str) -> None:
        namespaces = self._types.get(NAMESPACES_KEY)
        ns_obj = namespaces.objects.get(("", namespace)) if namespaces else None
        if ns_obj is None:
            raise NotFoundError(f'namespaces "{namespace}" not found', name=namespace, kind="namespaces")
        if ns_obj["metadata"].get("deletionTimestamp"):
            raise ForbiddenError(
                f"unable to create new content in namespace {namespace} because it is being terminated",
                name=namespace,
                kind="namespaces",
            )

    # ----- update --------------------------------------------------------------------------------

    def update_sync(
        self,
        rtype: ResourceType,
        obj: Object,
        subresource: str | None = None,
        *,
        dry_run: bool = False,
        handover: bool = False,
    ) -> Object:
        """Replace an object (or its status). With ``handover`` the caller gives ``obj`` away and gets
        the stored object back, shared: neither may be changed afterwards. The HTTP layer and the node
        controllers hand over what they built for the write, which saves two deep copies per write."""
        incoming_meta = obj.get("metadata") or {}
        name = incoming_meta.get("name", "")
        old = self._lookup(rtype, name, incoming_meta.get("namespace"))
        old_meta = old["metadata"]
        asked_rv = incoming_meta.get("resourceVersion")
        if asked_rv and asked_rv != old_meta["resourceVersion"]:
            raise _modified(rtype, name)
        has_status = self._hooks.has_status_subresource(rtype) if self._hooks is not None else False
        if subresource == "status":
            # Stored objects are never changed in place, so the new version may share everything but
            # the parts written below (metadata's own keys, the status) with the old one.
            new = {**old, "metadata": dict(old_meta)}
            if "status" in obj:
                new["status"] = clone(obj["status"])
            else:
                new.pop("status", None)
        else:
            new = obj if handover else clone(obj)
            if has_status:
                if "status" in old:
                    new["status"] = clone(old["status"])
                else:
                    new.pop("status", None)
        new["apiVersion"] = rtype.api_version
        new["kind"] = rtype.kind
        meta = metadata(new)
        for immutable in ("uid", "creationTimestamp", "namespace", "name", "deletionTimestamp"):
            if immutable in old_meta:
                meta[immutable] = old_meta[immutable]
            else:
                meta.pop(immutable, None)
        if "deletionGracePeriodSeconds" in old_meta:
            meta["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]
        meta["resourceVersion"] = old_meta["resourceVersion"]
        ignored = ("metadata", "status") if has_status else ("metadata",)
        generation = int(old_meta.get("generation", 1))
        if _without(new, *ignored) != _without(old, *ignored):
            generation += 1
        meta["generation"] = generation
        if self._hooks is not None:
            new = self._hooks.admit(rtype, old, new)
        if new == old:
            return self._answer(rtype, old, handover)
        if dry_run:
            return self._answer(rtype, new, handover)
        self._commit(rtype, "MODIFIED", old, new)
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self._remove(rtype, new)
        return self._answer(rtype, new, handover)

    # ----- delete --------------------------------------------------------------------------------

    def delete_sync(
        self,
        rtype: ResourceType,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        precondition_uid: str | None = None,
        precondition_resource_version: str | None = None,
        dry_run: bool = False,
    ) -> Object:
        old = self._lookup(rtype, name, namespace)
        old_meta = old["metadata"]
        if (precondition_uid and precondition_uid != old_meta["uid"]) or (
            precondition_resource_version and precondition_resource_version != old_meta["resourceVersion"]
        ):
            raise _modified(rtype, name)
        finalizers = list(old_meta.get("finalizers") or [])
        if propagation_policy == "Orphan" and FINALIZER_ORPHAN not in finalizers:
            finalizers.append(FINALIZER_ORPHAN)
        if propagation_policy == "Foreground" and FINALIZER_FOREGROUND not in finalizers:
            finalizers.append(FINALIZER_FOREGROUND)
        is_namespace = _type_key(rtype) == NAMESPACES_KEY
        if not finalizers and not is_namespace:
            if dry_run:
                return self._present(rtype, old)
            return self._present(rtype, self._remove(rtype, old))
        new = clone(old)
        meta = new["metadata"]
        meta["finalizers"] = finalizers
        if not finalizers:
            del meta["finalizers"]
        meta.setdefault("deletionTimestamp", now_rfc3339())
        meta.setdefault("deletionGracePeriodSeconds", 0)
        if is_namespace:
            new.setdefault("status", {})["phase"] = "Terminating"
        if dry_run:
            return self._present(rtype, new)
        if new != old:
            self._commit(rtype, "MODIFIED", old, new)
        if FINALIZER_ORPHAN in finalizers:
            self._orphan_dependents(meta["uid"])
            new = self._drop_finalizer(rtype, name, namespace, FINALIZER_ORPHAN) or new
        elif FINALIZER_FOREGROUND in finalizers:
            self._foreground_owners.add(meta["uid"])
            self._delete_dependents(meta["uid"], only_orphaned=True)
            self._finish_foreground(meta["uid"])
        if is_namespace:
            self._empty_namespace(name)
        return self._present(rtype, self._current_or(rtype, name, namespace, new))

    def _current_or(self, rtype: ResourceType, name: str, namespace: str | None, fallback: Object) -> Object:
        try:
            return self._lookup(rtype, name, namespace)
        except NotFoundError:
            return fallback

    def _remove(self, rtype: ResourceType, old: Object) -> Object:
        """Removes the object for good and lets the garbage collector and namespaces react."""
        gone = dict(old)
        gone["metadata"] = dict(old["metadata"])
        self._commit(rtype, "DELETED", old, gone)
        meta = old["metadata"]
        uid = meta["uid"]
        self._foreground_owners.discard(uid)
        self._delete_dependents(uid, only_orphaned=True)
        for owner_uid in _owner_uids(old):
            if owner_uid in self._foreground_owners:
                self._finish_foreground(owner_uid)
        namespace = meta.get("namespace")
        if rtype.namespaced and namespace:
            self._finish_namespace_if_empty(namespace)
        return gone

    def _object_at(self, ref: Ref) -> tuple[ResourceType, Object] | None:
        state = self._types.get(ref[0])
        if state is None:
            return None
        obj = state.objects.get((ref[1], ref[2]))
        return (state.rtype, obj) if obj is not None else None

    def _delete_dependents(self, owner_uid: str, *, only_orphaned: bool = False) -> None:
        """Background collection: a dependent goes once none of its owners is left (or now, in foreground)."""
        for ref in sorted(self._dependents.get(owner_uid, set())):
            found = self._object_at(ref)
            if found is None:
                continue
            rtype, dependent = found
            if dependent["metadata"].get("deletionTimestamp"):
                continue
            if only_orphaned and any(
                uid in self._by_uid for uid in _owner_uids(dependent) if uid != owner_uid
            ):
                continue
            self.delete_sync(rtype, ref[2], ref[1] or None)

    def _orphan_dependents(self, owner_uid: str) -> None:
        for ref in sorted(self._dependents.get(owner_uid, set())):
            found = self._object_at(ref)
            if found is None:
                continue
            rtype, dependent = found
            new = clone(dependent)
            refs = [r for r in new["metadata"].get("ownerReferences", []) if r.get("uid") != owner_uid]
            if refs:
                new["metadata"]["ownerReferences"] = refs
            else:
                new["metadata"].pop("ownerReferences", None)
            self._commit(rtype, "MODIFIED", dependent, new)

    def _drop_finalizer(
        self, rtype: ResourceType, name: str, namespace: str | None, finalizer: str
    ) -> Object | None:
        try:
            current = self._lookup(rtype, name, namespace)
        except NotFoundError:
            return None
        new: Object = clone(current)
        remaining = [f for f in new["metadata"].get("finalizers", []) if f != finalizer]
        if remaining:
            new["metadata"]["finalizers"] = remaining
        else:
            new["metadata"].pop("finalizers", None)
        self._commit(rtype, "MODIFIED", current, new)
        if not remaining and new["metadata"].get("deletionTimestamp"):
            self._remove(rtype, new)
        return new

    def _finish_foreground(self, owner_uid: str) -> None:
        if self._dependents.get(owner_uid):
            return
        ref = self._by_uid.get(owner_uid)
        if ref is None:
            self._foreground_owners.discard(owner_uid)
            return
        found = self._object_at(ref)
        if found is not None:
            self._foreground_owners.discard(owner_uid)
            self._drop_finalizer(found[0], ref[2], ref[1] or None, FINALIZER_FOREGROUND)

    def _empty_namespace(self, namespace: str) -> None:
        for state in list(self._types.values()):
            if not state.rtype.namespaced:
                continue
            for key in sorted(k for k in state.objects if k[0] == namespace):
                obj = state.objects.get(key)
                if obj is not None and not obj["metadata"].get("deletionTimestamp"):
                    self.delete_sync(state.rtype, key[1], namespace)
        self._finish_namespace_if_empty(namespace)

    def _finish_namespace_if_empty(self, namespace: str) -> None:
        if self._namespace_counts.get(namespace, 0) > 0:
            return
        namespaces = self._types.get(NAMESPACES_KEY)
        ns_obj = namespaces.objects.get(("", namespace)) if namespaces else None
        if ns_obj is None or not ns_obj["metadata"].get("deletionTimestamp"):
            return
        if ns_obj["metadata"].get("finalizers"):
            return
        assert namespaces is not None
        self._remove(namespaces.rtype, ns_obj)

    def drop_all(self, rtype: ResourceType) -> None:
        """Deletes every object of a resource, finalizers or not (its CRD is gone), and ends its watches."""
        state = self._types.get(_type_key(rtype))
        if state is None:
            return
        for key in sorted(state.objects):
            obj = state.objects.get(key)
            if obj is not None:
                self._remove(state.rtype, obj)
        state.epoch += 1
        state.signal.set()
        state.signal = asyncio.Event()

    # ----- read ----------------------------------------------------------------------------------

    def get_sync(self, rtype: ResourceType, name: str, namespace: str | None = None) -> Object:
        return self._present(rtype, self._lookup(rtype, name, namespace))

    def select(self, rtype: ResourceType, selection: Selection) -> tuple[list[Object], str]:
        """Matching stored objects, sorted by namespace and name; shared references, never mutate them."""
        state = self._types.get(_type_key(rtype))
        if state is None:
            return [], str(self._rv)
        pinned = selection.single_name()
        if pinned is not None:
            keys: Iterable[ObjectKey] = sorted(k for k in state.objects if k[1] == pinned)
        else:
            keys = sorted(state.objects)
        objects = state.objects
        return [objects[k] for k in keys if selection.matches(objects[k])], str(self._rv)

    def list_sync(
        self,
        rtype: ResourceType,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Object], str]:
        selection = make_selection(rtype.kind, namespace, label_selector, field_selector)
        objects, rv = self.select(rtype, selection)
        return [self._present(rtype, obj) for obj in objects], rv

    def count(self, rtype: ResourceType) -> int:
        state = self._types.get(_type_key(rtype))
        return len(state.objects) if state is not None else 0

    def changes(self, rtype: ResourceType) -> int:
        """How many changes the resource has had since the store started: a cache built from a few
        resources (the API server's RBAC index) compares these to know it is stale, without reading."""
        state = self._types.get(_type_key(rtype))
        return state.base + len(state.history) if state is not None else 0

    # ----- the Store protocol --------------------------------------------------------------------

    async def create(self, rtype: ResourceType, obj: Object) -> Object:
        return self.create_sync(rtype, obj)

    async def get(self, rtype: ResourceType, name: str, namespace: str | None = None) -> Object:
        return self.get_sync(rtype, name, namespace)

    async def list(
        self,
        rtype: ResourceType,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Object], str]:
        return self.list_sync(rtype, namespace, label_selector, field_selector)

    async def update(
        self, rtype: ResourceType, obj: Object, subresource: str | None = None, *, handover: bool = False
    ) -> Object:
        return self.update_sync(rtype, obj, subresource, handover=handover)

    async def delete(self, rtype: ResourceType, name: str, namespace: str | None = None) -> Object:
        return self.delete_sync(rtype, name, namespace)

    def watch(
        self,
        rtype: ResourceType,
        namespace: str | None = None,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        *,
        bookmark_interval: float | None = None,
        shared: bool = False,
    ) -> AsyncIterator[WatchEvent]:
        """Events after ``resource_version`` (``None``, ``""`` or ``"0"``: from now).

        The iterator raises GoneError when the resourceVersion is older than the retained history,
        or later if the consumer falls that far behind; list again and watch from the list's
        resourceVersion. With ``bookmark_interval`` an idle watch yields BOOKMARK events carrying
        the resourceVersion it has caught up to. ``shared`` skips copying the objects (read-only).
        The watch starts at the call, not at the first iteration.
        """
        selection = make_selection(rtype.kind, namespace, label_selector, field_selector)
        state = self._state(rtype)
        if resource_version in (None, "", "0"):
            position = state.base + len(state.history)
        else:
            try:
                asked = int(str(resource_version))
            except ValueError as err:
                raise InvalidError(f"invalid resource version: {resource_version!r}") from err
            if asked < state.compacted_rv:
                raise GoneError(f"too old resource version: {asked} ({state.compacted_rv})")
            position = state.base + bisect.bisect_right(state.history_rvs, asked)
        return _Watch(self, rtype, state, position, selection, bookmark_interval, shared)

    def export(self, rtype: ResourceType, obj: Object) -> Object:
        """A caller-owned copy of a shared object, stamped with the asked version's apiVersion."""
        return self._present(rtype, obj)


class _Watch:
    def __init__(
        self,
        store: ObjectStore,
        rtype: ResourceType,
        state: _TypeState,
        position: int,
        selection: Selection,
        bookmark_interval: float | None,
        shared: bool,
    ) -> None:
        self._store = store
        self._rtype = rtype
        self._state = state
        self._position = position
        self._selection = selection
        self._bookmark_interval = bookmark_interval
        self._shared = shared
        self._epoch = state.epoch

    def __aiter__(self) -> _Watch:
        return self

    def _event(self, change: _Change) -> WatchEvent | None:
        matches = self._selection.matches
        now_matches = matches(change.obj)
        if change.type == "MODIFIED":
            was = change.old is not None and matches(change.old)
            if was and not now_matches:
                return self._wrap("DELETED", change.obj)
            if now_matches and not was:
                return self._wrap("ADDED", change.obj)
        return self._wrap(change.type, change.obj) if now_matches else None

    def _wrap(self, event_type: WatchEventType, obj: Object) -> WatchEvent:
        if self._shared:
            return WatchEvent(event_type, obj)
        return WatchEvent(event_type, self._store.export(self._rtype, obj))

    async def __anext__(self) -> WatchEvent:
        state = self._state
        while True:
            if self._position < state.base:
                raise GoneError(
                    f"too old resource version: {self._store.resource_version} ({state.compacted_rv})"
                )
            index = self._position - state.base
            if index < len(state.history):
                self._position += 1
                event = self._event(state.history[index])
                if event is not None:
                    return event
                continue
            if state.epoch != self._epoch:
                raise StopAsyncIteration
            signal = state.signal
            if self._bookmark_interval is None:
                await signal.wait()
                continue
            try:
                async with asyncio.timeout(self._bookmark_interval):
                    await signal.wait()
            except TimeoutError:
                return WatchEvent(
                    "BOOKMARK",
                    {
                        "kind": self._rtype.kind,
                        "apiVersion": self._rtype.api_version,
                        "metadata": {"resourceVersion": self._store.resource_version},
                    },
                )
