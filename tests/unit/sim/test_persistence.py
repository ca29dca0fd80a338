from pathlib import Path

import pytest

from accelfleet.sim.cluster import bootstrap
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.persistence import SqlitePersistence
from accelfleet.sim.registry import Registry
from accelfleet.sim.store import GoneError, NotFoundError, ResourceType

CONFIGMAPS = ResourceType("", "v1", "configmaps", "ConfigMap", True)
CRDS = ResourceType(
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False
)
WIDGETS = ResourceType("example.com", "v1", "widgets", "Widget", False)
WIDGET_CRD = {
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Cluster",
        "names": {"plural": "widgets", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                },
            }
        ],
    },
}


def open_store(path: Path, registry: Registry | None = None) -> ObjectStore:
    store = ObjectStore(hooks=registry or Registry(), persistence=SqlitePersistence(path))
    bootstrap(store)
    return store


async def test_a_reopened_store_has_the_same_objects_and_a_rising_resource_version(tmp_path: Path) -> None:
    db = tmp_path / "objects.sqlite"
    store = open_store(db)
    kept = await store.create(
        CONFIGMAPS, {"metadata": {"name": "kept", "namespace": "default"}, "data": {"a": "1"}}
    )
    await store.create(CONFIGMAPS, {"metadata": {"name": "gone", "namespace": "default"}})
    await store.delete(CONFIGMAPS, "gone", "default")
    last_rv = int(store.resource_version)
    store.close()

    reopened = open_store(db)
    assert await reopened.get(CONFIGMAPS, "kept", "default") == kept
    with pytest.raises(NotFoundError):
        await reopened.get(CONFIGMAPS, "gone", "default")
    assert int(reopened.resource_version) == last_rv
    later = await reopened.create(CONFIGMAPS, {"metadata": {"name": "later", "namespace": "default"}})
    assert int(later["metadata"]["resourceVersion"]) > last_rv
    with pytest.raises(GoneError):
        reopened.watch(CONFIGMAPS, None, kept["metadata"]["resourceVersion"])
    reopened.close()


async def test_custom_resources_are_served_again_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "objects.sqlite"
    store = open_store(db)
    await store.create(CRDS, WIDGET_CRD)
    await store.create(WIDGETS, {"metadata": {"name": "w1"}, "spec": {"size": 3}})
    store.close()

    registry = Registry()
    reopened = open_store(db, registry)
    assert registry.resolve("example.com", "v1", "widgets") is not None
    assert (await reopened.get(WIDGETS, "w1"))["spec"] == {"size": 3}
    reopened.close()
