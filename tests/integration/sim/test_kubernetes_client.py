"""The kubernetes Python client against a running sim: the semantics informers and operators rely on."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, watch

from tests.support.sim import SimHandle, running_sim

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def api(sim_module: SimHandle) -> Iterator[client.ApiClient]:
    with sim_module.api_client() as api_client:
        yield api_client


def configmap(name: str, **metadata: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, **metadata}, "data": {"k": "v"}}


def test_list_then_watch_from_the_lists_version_misses_and_repeats_nothing(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    v1.create_namespace({"metadata": {"name": "watched"}})
    for i in range(5):
        v1.create_namespaced_config_map("watched", configmap(f"before-{i}"))
    listed = v1.list_namespaced_config_map("watched")
    expected = [f"after-{i}" for i in range(20)]

    def writer() -> None:
        for name in expected:
            v1.create_namespaced_config_map("watched", configmap(name))

    thread = threading.Thread(target=writer)
    thread.start()
    seen: list[str] = []
    stream = watch.Watch()
    for event in stream.stream(
        v1.list_namespaced_config_map,
        "watched",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=30,
    ):
        assert event["type"] == "ADDED"
        seen.append(event["object"].metadata.name)
        if len(seen) == len(expected):
            stream.stop()
    thread.join()
    assert seen == expected


def test_concurrent_updates_conflict(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    v1.create_namespaced_config_map("default", configmap("contended"))
    mine = v1.read_namespaced_config_map("contended", "default")
    theirs = v1.read_namespaced_config_map("contended", "default")
    theirs.data = {"k": "theirs"}
    v1.replace_namespaced_config_map("contended", "default", theirs)
    mine.data = {"k": "mine"}
    with pytest.raises(client.ApiException) as caught:
        v1.replace_namespaced_config_map("contended", "default", mine)
    assert caught.value.status == 409
    assert "the object has been modified" in caught.value.body
    assert v1.read_namespaced_config_map("contended", "default").data == {"k": "theirs"}


def test_finalizers_hold_deletion(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    v1.create_namespaced_config_map("default", configmap("held", finalizers=["example.com/hold"]))
    v1.delete_namespaced_config_map("held", "default")
    held = v1.read_namespaced_config_map("held", "default")
    assert held.metadata.deletion_timestamp is not None
    v1.patch_namespaced_config_map("held", "default", {"metadata": {"finalizers": None}})
    with pytest.raises(client.ApiException) as caught:
        v1.read_namespaced_config_map("held", "default")
    assert caught.value.status == 404


@pytest.mark.parametrize("policy", ["Background", "Foreground"])
def test_owned_objects_are_collected(api: client.ApiClient, policy: str) -> None:
    v1 = client.CoreV1Api(api)
    owner = v1.create_namespaced_config_map("default", configmap(f"owner-{policy.lower()}"))
    ref = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": owner.metadata.name,
        "uid": owner.metadata.uid,
        "blockOwnerDeletion": True,
    }
    for i in range(3):
        v1.create_namespaced_config_map(
            "default", configmap(f"dep-{policy.lower()}-{i}", ownerReferences=[ref])
        )
    v1.delete_namespaced_config_map(owner.metadata.name, "default", propagation_policy=policy)
    remaining = [
        cm.metadata.name
        for cm in v1.list_namespaced_config_map("default").items
        if cm.metadata.name.startswith(f"dep-{policy.lower()}") or cm.metadata.name == owner.metadata.name
    ]
    assert remaining == []


def test_label_and_field_selectors_and_pagination(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    v1.create_namespace({"metadata": {"name": "paged"}})
    for i in range(7):
        pod = {
            "metadata": {"name": f"p{i}", "labels": {"parity": "even" if i % 2 == 0 else "odd"}},
            "spec": {
                "nodeName": "node-a" if i < 3 else "node-b",
                "containers": [{"name": "c", "image": "busybox"}],
            },
        }
        v1.create_namespaced_pod("paged", pod)
    names = [p.metadata.name for p in v1.list_namespaced_pod("paged", label_selector="parity=even").items]
    assert names == ["p0", "p2", "p4", "p6"]
    on_a = v1.list_pod_for_all_namespaces(field_selector="spec.nodeName=node-a").items
    assert [p.metadata.name for p in on_a] == ["p0", "p1", "p2"]
    pages, token = [], None
    while True:
        page = v1.list_namespaced_pod("paged", limit=3, _continue=token)
        pages.append([p.metadata.name for p in page.items])
        token = page.metadata._continue
        if not token:
            break
    assert pages == [["p0", "p1", "p2"], ["p3", "p4", "p5"], ["p6"]]


def test_deleting_a_namespace_removes_what_it_holds(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    v1.create_namespace({"metadata": {"name": "doomed"}})
    v1.create_namespaced_config_map("doomed", configmap("inside"))
    v1.delete_namespace("doomed")
    with pytest.raises(client.ApiException) as caught:
        v1.read_namespace("doomed")
    assert caught.value.status == 404
    assert v1.list_namespaced_config_map("doomed").items == []


def test_custom_resources_are_served_once_the_crd_exists_and_the_schema_is_enforced(
    api: client.ApiClient,
) -> None:
    extensions = client.ApiextensionsV1Api(api)
    for path in sorted((REPO / "crds").glob("*.yaml")):
        extensions.create_custom_resource_definition(yaml.safe_load(path.read_text()))
    custom = client.CustomObjectsApi(api)
    bad = {
        "apiVersion": "accelfleet.io/v1alpha1",
        "kind": "AIJob",
        "metadata": {"name": "bad"},
        "spec": {
            "replicas": 0,
            "cardsPerReplica": 1,
            "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}},
        },
    }
    with pytest.raises(client.ApiException) as caught:
        custom.create_namespaced_custom_object("accelfleet.io", "v1alpha1", "default", "aijobs", bad)
    assert caught.value.status == 422
    assert "spec.replicas" in caught.value.body
    good = {**bad, "metadata": {"name": "good"}, "spec": {**bad["spec"], "replicas": 2}}
    created = custom.create_namespaced_custom_object("accelfleet.io", "v1alpha1", "default", "aijobs", good)
    created["status"] = {"phase": "Pending"}
    patched = custom.patch_namespaced_custom_object_status(
        "accelfleet.io", "v1alpha1", "default", "aijobs", "good", {"status": {"phase": "Pending"}}
    )
    assert patched["status"]["phase"] == "Pending"
    assert patched["metadata"]["generation"] == 1


def test_watch_from_a_compacted_resource_version_gives_410() -> None:
    with running_sim(extra_args=["--watch-history", "5"]) as handle, handle.api_client() as api_client:
        v1 = client.CoreV1Api(api_client)
        old = v1.create_namespaced_config_map("default", configmap("old")).metadata.resource_version
        for i in range(15):
            v1.create_namespaced_config_map("default", configmap(f"new-{i}"))
        with pytest.raises(client.ApiException) as caught:
            for _ in watch.Watch().stream(
                v1.list_namespaced_config_map, "default", resource_version=old, timeout_seconds=20
            ):
                pass
        assert caught.value.status == 410
