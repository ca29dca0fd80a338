import asyncio
from typing import Any

import pytest

from accelfleet.sim.builtin_types import NAMESPACES, PODS
from accelfleet.sim.cluster import bootstrap
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.registry import Registry
from accelfleet.sim.store import (
    AlreadyExistsError,
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidError,
    NotFoundError,
    ResourceType,
    WatchEvent,
)

CONFIGMAPS = ResourceType("", "v1", "configmaps", "ConfigMap", True)
DEPLOYMENTS = ResourceType("apps", "v1", "deployments", "Deployment", True)


def make_store(history: int = 10_000) -> ObjectStore:
    store = ObjectStore(hooks=Registry(), history_size=history)
    bootstrap(store)
    return store


def cm(name: str, **extra: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default", **extra}, "data": {"k": "v"}}


def owned_by(owner: dict[str, Any], name: str) -> dict[str, Any]:
    ref = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    return cm(name, ownerReferences=[ref])


async def test_create_assigns_identity_and_refuses_duplicates() -> None:
    store = make_store()
    created = await store.create(CONFIGMAPS, cm("a"))
    meta = created["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["resourceVersion"] and meta["generation"] == 1
    assert created["apiVersion"] == "v1" and created["kind"] == "ConfigMap"
    with pytest.raises(AlreadyExistsError, match='configmaps "a" already exists'):
        await store.create(CONFIGMAPS, cm("a"))
    generated = await store.create(CONFIGMAPS, {"metadata": {"generateName": "x-", "namespace": "default"}})
    assert generated["metadata"]["name"].startswith("x-") and len(generated["metadata"]["name"]) == 7


async def test_create_needs_an_existing_namespace_and_a_valid_name() -> None:
    store = make_store()
    with pytest.raises(NotFoundError, match='namespaces "nope" not found'):
        await store.create(CONFIGMAPS, {"metadata": {"name": "a", "namespace": "nope"}})
    with pytest.raises(InvalidError):
        await store.create(CONFIGMAPS, cm("Not_Valid"))


async def test_stale_update_conflicts_and_empty_resource_version_is_unconditional() -> None:
    store = make_store()
    first = await store.create(CONFIGMAPS, cm("a"))
    first["data"] = {"k": "1"}
    second = await store.update(CONFIGMAPS, first)
    assert int(second["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
    with pytest.raises(ConflictError, match="the object has been modified"):
        await store.update(CONFIGMAPS, first)
    first["metadata"]["resourceVersion"] = ""
    first["data"] = {"k": "2"}
    assert (await store.update(CONFIGMAPS, first))["data"] == {"k": "2"}


async def test_noop_update_keeps_resource_version() -> None:
    store = make_store()
    created = await store.create(CONFIGMAPS, cm("a"))
    again = await store.update(CONFIGMAPS, created)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


async def test_status_subresource_separates_spec_and_status_writes_and_generation() -> None:
    store = make_store()
    pod = await store.create(
        PODS,
        {
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        },
    )
    assert pod["status"]["phase"] == "Pending" and pod["spec"]["restartPolicy"] == "Always"
    pod["status"]["phase"] = "Running"
    pod["metadata"]["labels"] = {"a": "b"}
    pod = await store.update(PODS, pod)
    assert pod["status"]["phase"] == "Pending" and pod["metadata"]["labels"] == {"a": "b"}
    assert pod["metadata"]["generation"] == 1
    pod["status"]["phase"] = "Running"
    pod["metadata"]["labels"] = {}
    pod = await store.update(PODS, pod, subresource="status")
    assert pod["status"]["phase"] == "Running" and pod["metadata"]["labels"] == {"a": "b"}
    deployment = await store.create(
        DEPLOYMENTS, {"metadata": {"name": "d", "namespace": "default"}, "spec": {"replicas": 1}}
    )
    deployment["spec"]["replicas"] = 3
    assert (await store.update(DEPLOYMENTS, deployment))["metadata"]["generation"] == 2


async def test_scheduling_gates_can_only_be_removed_and_block_binding() -> None:
    store = make_store()
    gated = {
        "metadata": {"name": "g", "namespace": "default"},
        "spec": {
            "containers": [{"name": "c", "image": "x"}],
            "schedulingGates": [{"name": "accelfleet.io/gang"}],
        },
    }
    pod = await store.create(PODS, gated)
    pod["spec"]["nodeName"] = "n1"
    with pytest.raises(ForbiddenError, match=r"non-empty \.spec\.schedulingGates"):
        await store.update(PODS, pod)
    pod = await store.get(PODS, "g", "default")
    pod["spec"]["schedulingGates"].append({"name": "other"})
    with pytest.raises(InvalidError, match="only deletion is allowed"):
        await store.update(PODS, pod)
    pod["spec"]["schedulingGates"] = []
    pod = await store.update(PODS, pod)
    pod["spec"]["nodeName"] = "n1"
    assert (await store.update(PODS, pod))["spec"]["nodeName"] == "n1"


async def next_event(events: Any) -> WatchEvent:
    event: WatchEvent = await asyncio.wait_for(events.__anext__(), 5)
    return event


async def test_watch_resumes_after_a_list_without_gaps_or_repeats() -> None:
    store = make_store()
    await store.create(CONFIGMAPS, cm("before"))
    _, rv = await store.list(CONFIGMAPS, "default")
    await store.create(CONFIGMAPS, cm("after-1"))
    events = store.watch(CONFIGMAPS, "default", rv)
    await store.create(CONFIGMAPS, cm("after-2"))
    await store.delete(CONFIGMAPS, "after-1", "default")
    seen = [(e.type, e.object["metadata"]["name"]) for e in [await next_event(events) for _ in range(3)]]
    assert seen == [("ADDED", "after-1"), ("ADDED", "after-2"), ("DELETED", "after-1")]


async def test_watch_from_a_compacted_resource_version_is_gone() -> None:
    store = make_store(history=3)
    first = await store.create(CONFIGMAPS, cm("a"))
    for i in range(10):
        await store.create(CONFIGMAPS, cm(f"b{i}"))
    with pytest.raises(GoneError, match="too old resource version"):
        store.watch(CONFIGMAPS, None, first["metadata"]["resourceVersion"])


async def test_slow_watcher_falls_off_the_history_instead_of_growing_memory() -> None:
    store = make_store(history=3)
    events = store.watch(CONFIGMAPS, "default")
    for i in range(10):
        await store.create(CONFIGMAPS, cm(f"c{i}"))
    with pytest.raises(GoneError):
        await next_event(events)


async def test_label_selector_watch_sees_objects_leave_and_enter_the_selection() -> None:
    store = make_store()
    events = store.watch(CONFIGMAPS, "default", label_selector="team=a")
    obj = await store.create(CONFIGMAPS, cm("x", labels={"team": "a"}))
    obj["metadata"]["labels"] = {"team": "b"}
    await store.update(CONFIGMAPS, obj)
    assert [(await next_event(events)).type for _ in range(2)] == ["ADDED", "DELETED"]


async def test_idle_watch_sends_bookmarks() -> None:
    store = make_store()
    events = store.watch(CONFIGMAPS, "default", bookmark_interval=0.05)
    event = await next_event(events)
    assert event.type == "BOOKMARK" and event.object["metadata"]["resourceVersion"] == store.resource_version


async def test_finalizers_hold_deletion_until_removed() -> None:
    store = make_store()
    await store.create(CONFIGMAPS, cm("f", finalizers=["example.com/hold"]))
    held = await store.delete(CONFIGMAPS, "f", "default")
    assert held["metadata"]["deletionTimestamp"]
    assert (await store.get(CONFIGMAPS, "f", "default"))["metadata"]["deletionTimestamp"]
    held["metadata"]["finalizers"] = []
    held["metadata"]["resourceVersion"] = ""
    await store.update(CONFIGMAPS, held)
    with pytest.raises(NotFoundError):
        await store.get(CONFIGMAPS, "f", "default")


async def test_background_garbage_collection_deletes_dependents() -> None:
    store = make_store()
    owner = await store.create(CONFIGMAPS, cm("owner"))
    await store.create(CONFIGMAPS, owned_by(owner, "child"))
    await store.delete(CONFIGMAPS, "owner", "default")
    with pytest.raises(NotFoundError):
        await store.get(CONFIGMAPS, "child", "default")


async def test_foreground_deletion_waits_for_dependents() -> None:
    store = make_store()
    owner = await store.create(CONFIGMAPS, cm("owner"))
    await store.create(
        CONFIGMAPS,
        {
            **owned_by(owner, "child"),
            "metadata": {**owned_by(owner, "child")["metadata"], "finalizers": ["x/y"]},
        },
    )
    pending = store.delete_sync(CONFIGMAPS, "owner", "default", propagation_policy="Foreground")
    assert "foregroundDeletion" in pending["metadata"]["finalizers"]
    child = await store.get(CONFIGMAPS, "child", "default")
    assert child["metadata"]["deletionTimestamp"]
    child["metadata"]["finalizers"] = []
    await store.update(CONFIGMAPS, child)
    with pytest.raises(NotFoundError):
        await store.get(CONFIGMAPS, "owner", "default")


async def test_orphan_deletion_keeps_dependents_without_the_owner_reference() -> None:
    store = make_store()
    owner = await store.create(CONFIGMAPS, cm("owner"))
    await store.create(CONFIGMAPS, owned_by(owner, "child"))
    store.delete_sync(CONFIGMAPS, "owner", "default", propagation_policy="Orphan")
    with pytest.raises(NotFoundError):
        await store.get(CONFIGMAPS, "owner", "default")
    assert "ownerReferences" not in (await store.get(CONFIGMAPS, "child", "default"))["metadata"]


async def test_deleting_a_namespace_removes_its_contents_then_itself() -> None:
    store = make_store()
    await store.create(NAMESPACES, {"metadata": {"name": "team"}})
    await store.create(CONFIGMAPS, {"metadata": {"name": "a", "namespace": "team"}})
    await store.create(CONFIGMAPS, {"metadata": {"name": "held", "namespace": "team", "finalizers": ["x/y"]}})
    terminating = await store.delete(NAMESPACES, "team")
    assert terminating["status"]["phase"] == "Terminating"
    with pytest.raises(ForbiddenError, match="being terminated"):
        await store.create(CONFIGMAPS, {"metadata": {"name": "b", "namespace": "team"}})
    held = await store.get(CONFIGMAPS, "held", "team")
    held["metadata"]["finalizers"] = []
    await store.update(CONFIGMAPS, held)
    with pytest.raises(NotFoundError):
        await store.get(NAMESPACES, "team")


async def test_crd_creation_serves_the_custom_resource_and_deletion_removes_its_objects() -> None:
    registry = Registry()
    store = ObjectStore(hooks=registry)
    bootstrap(store)
    crds = ResourceType(
        "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False
    )
    widgets = ResourceType("example.com", "v1", "widgets", "Widget", True)
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer", "minimum": 1}}}},
    }
    crd = {
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}
            ],
        },
    }
    created = await store.create(crds, crd)
    assert {c["type"]: c["status"] for c in created["status"]["conditions"]}["Established"] == "True"
    assert registry.resolve("example.com", "v1", "widgets") is not None
    with pytest.raises(InvalidError, match=r"spec\.size"):
        await store.create(widgets, {"metadata": {"name": "w", "namespace": "default"}, "spec": {"size": 0}})
    await store.create(widgets, {"metadata": {"name": "w", "namespace": "default"}, "spec": {"size": 2}})
    events = store.watch(widgets)
    await store.delete(crds, "widgets.example.com")
    assert registry.resolve("example.com", "v1", "widgets") is None
    assert store.count(widgets) == 0
    assert [e.type async for e in events] == ["DELETED"]
