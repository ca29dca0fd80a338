"""The REST surface over real HTTP, with the API server in-process (fast, no TLS)."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from accelfleet.sim.apiserver.app import ApiServer
from accelfleet.sim.cluster import bootstrap
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.registry import Registry

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {"size": {"type": "integer", "default": 1}},
                            },
                            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
                        },
                    }
                },
            }
        ],
    },
}
WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"


@pytest.fixture
async def api() -> AsyncIterator[TestClient[Any, Any]]:
    registry = Registry()
    store = ObjectStore(hooks=registry)
    bootstrap(store)
    server = ApiServer(store, registry, TOKEN, bookmark_interval=0.2)
    async with TestClient(TestServer(server.make_app())) as client:
        yield client


async def call(
    api: TestClient[Any, Any], method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any]:
    data = json.dumps(body) if body is not None else None
    async with api.request(method, path, data=data, headers={**AUTH, **headers}) as response:
        text = await response.text()
        return response.status, json.loads(text) if text.startswith("{") else text


async def test_requests_without_the_token_are_unauthorized(api: TestClient[Any, Any]) -> None:
    async with api.get("/api/v1/namespaces") as response:
        assert response.status == 401
        assert (await response.json())["reason"] == "Unauthorized"


async def test_discovery_legacy_and_aggregated_list_crds_once_created(api: TestClient[Any, Any]) -> None:
    assert (await call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD))[0] == 201
    status, groups = await call(api, "GET", "/apis")
    assert status == 200 and "example.com" in [g["name"] for g in groups["groups"]]
    status, resources = await call(api, "GET", "/apis/example.com/v1")
    names = {r["name"]: r for r in resources["resources"]}
    assert names["widgets"]["shortNames"] == ["wd"] and "widgets/status" in names
    async with api.get("/apis", headers={**AUTH, "Accept": AGGREGATED}) as response:
        assert response.headers["Content-Type"].startswith("application/json;g=apidiscovery.k8s.io;v=v2")
        body = await response.json()
    assert body["kind"] == "APIGroupDiscoveryList"
    widget = next(i for i in body["items"] if i["metadata"]["name"] == "example.com")
    assert widget["versions"][0]["resources"][0]["resource"] == "widgets"
    _, core = await call(api, "GET", "/api", Accept=AGGREGATED)
    assert core["items"][0]["metadata"]["name"] == ""
    status, openapi = await call(api, "GET", "/openapi/v3")
    assert status == 200 and "apis/example.com/v1" in openapi["paths"]


async def test_custom_resources_default_validate_and_render_tables(api: TestClient[Any, Any]) -> None:
    await call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    status, created = await call(
        api,
        "POST",
        WIDGETS,
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}},
    )
    assert status == 201 and created["spec"]["size"] == 1
    status, error = await call(api, "POST", WIDGETS, {"metadata": {"name": "bad"}, "spec": {"size": "big"}})
    assert (
        status == 422
        and error["reason"] == "Invalid"
        and error["details"]["causes"][0]["field"] == "spec.size"
    )
    status, error = await call(
        api,
        "POST",
        WIDGETS + "?fieldValidation=Strict",
        {"metadata": {"name": "x"}, "spec": {"color": "red"}},
    )
    assert status == 400 and 'unknown field "spec.color"' in error["message"]
    status, table = await call(api, "GET", WIDGETS, Accept=TABLE)
    assert table["kind"] == "Table" and [c["name"] for c in table["columnDefinitions"]][:2] == [
        "Name",
        "Size",
    ]
    assert table["rows"][0]["cells"][:2] == ["w", 1]
    status, error = await call(
        api,
        "PATCH",
        WIDGETS + "/w",
        {"spec": {"size": 2}},
        **{"Content-Type": "application/strategic-merge-patch+json"},
    )
    assert status == 415


async def test_status_subresource_and_generation(api: TestClient[Any, Any]) -> None:
    await call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    await call(api, "POST", WIDGETS, {"metadata": {"name": "w"}, "spec": {"size": 1}})
    merge = {"Content-Type": "application/merge-patch+json"}
    _, patched = await call(
        api, "PATCH", WIDGETS + "/w/status", {"status": {"ready": True}, "spec": {"size": 9}}, **merge
    )
    assert patched["status"] == {"ready": True} and patched["spec"]["size"] == 1
    assert patched["metadata"]["generation"] == 1
    _, patched = await call(
        api, "PATCH", WIDGETS + "/w", {"status": {"ready": False}, "spec": {"size": 5}}, **merge
    )
    assert patched["status"] == {"ready": True} and patched["metadata"]["generation"] == 2


async def test_binding_refuses_gated_pods_and_binds_ungated_ones(api: TestClient[Any, Any]) -> None:
    pod = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "x"}], "schedulingGates": [{"name": "g"}]},
    }
    await call(api, "POST", "/api/v1/namespaces/default/pods", pod)
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "p"},
        "target": {"kind": "Node", "name": "n1"},
    }
    status, _ = await call(api, "POST", "/api/v1/namespaces/default/pods/p/binding", binding)
    assert status == 403
    json_patch = {"Content-Type": "application/json-patch+json"}
    await call(
        api,
        "PATCH",
        "/api/v1/namespaces/default/pods/p",
        [{"op": "remove", "path": "/spec/schedulingGates"}],
        **json_patch,
    )
    assert (await call(api, "POST", "/api/v1/namespaces/default/pods/p/binding", binding))[0] == 201
    _, bound = await call(api, "GET", "/api/v1/namespaces/default/pods/p")
    assert bound["spec"]["nodeName"] == "n1"
    assert {"type": "PodScheduled", "status": "True"}.items() <= bound["status"]["conditions"][-1].items()
    assert (await call(api, "POST", "/api/v1/namespaces/default/pods/p/binding", binding))[0] == 409


async def test_dry_run_and_delete_collection(api: TestClient[Any, Any]) -> None:
    status, _ = await call(
        api, "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", {"metadata": {"name": "dry"}}
    )
    assert status == 201
    assert (await call(api, "GET", "/api/v1/namespaces/default/configmaps/dry"))[0] == 404
    for name, team in (("a", "x"), ("b", "x"), ("c", "y")):
        await call(
            api,
            "POST",
            "/api/v1/namespaces/default/configmaps",
            {"metadata": {"name": name, "labels": {"team": team}}},
        )
    status, _ = await call(api, "DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=team%3Dx")
    assert status == 200
    _, left = await call(api, "GET", "/api/v1/namespaces/default/configmaps")
    assert [i["metadata"]["name"] for i in left["items"]] == ["c"]


async def test_watch_streams_initial_state_changes_and_bookmarks(api: TestClient[Any, Any]) -> None:
    await call(api, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "first"}})
    path = "/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=5"
    async with api.get(path, headers=AUTH) as response:
        first = json.loads(await response.content.readline())
        assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "first")
        await call(api, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "second"}})
        second = json.loads(await response.content.readline())
        assert (second["type"], second["object"]["metadata"]["name"]) == ("ADDED", "second")
        bookmark = json.loads(await response.content.readline())
        assert bookmark["type"] == "BOOKMARK"
        assert (
            bookmark["object"]["metadata"]["resourceVersion"]
            == second["object"]["metadata"]["resourceVersion"]
        )


async def test_unknown_resources_and_names_answer_like_the_real_server(api: TestClient[Any, Any]) -> None:
    status, error = await call(api, "GET", "/api/v1/namespaces/default/pods/missing")
    assert status == 404 and error["message"] == 'pods "missing" not found'
    assert error["details"] == {"name": "missing", "kind": "pods"}
    status, error = await call(api, "GET", "/apis/nope.io/v1/things")
    assert status == 404 and error["message"] == "the server could not find the requested resource"
    status, error = await call(api, "GET", "/api/v1/pods?fieldSelector=spec.bogus%3D1")
    assert status == 400 and error["reason"] == "BadRequest"


async def test_service_account_tokens_are_held_to_rbac_with_the_real_forbidden_status(
    api: TestClient[Any, Any],
) -> None:
    accounts = "/api/v1/namespaces/default/serviceaccounts"
    assert (await call(api, "POST", accounts, {"metadata": {"name": "bot"}}))[0] == 201
    status, missing = await call(api, "POST", f"{accounts}/ghost/token", {"spec": {}})
    assert (status, missing["message"]) == (404, 'serviceaccounts "ghost" not found')
    status, issued = await call(api, "POST", f"{accounts}/bot/token", {"spec": {}})
    assert status == 201 and issued["kind"] == "TokenRequest"
    bot = {"Authorization": f"Bearer {issued['status']['token']}"}
    async with api.patch("/api/v1/namespaces/default/pods/x", data="{}", headers=bot) as response:
        assert response.status == 403
        assert await response.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'pods "x" is forbidden: User "system:serviceaccount:default:bot" cannot patch resource '
            '"pods" in API group "" in the namespace "default"',
            "reason": "Forbidden",
            "details": {"name": "x", "kind": "pods"},
            "code": 403,
        }
    async with api.get("/apis", headers=bot) as response:
        assert response.status == 200, "discovery is open to every authenticated identity"
    rule = {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}
    await call(
        api,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        {"metadata": {"name": "r"}, "rules": [rule]},
    )
    binding = {
        "metadata": {"name": "b", "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
        "subjects": [{"kind": "ServiceAccount", "name": "bot"}],
    }
    await call(api, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding)
    async with api.get("/api/v1/namespaces/default/pods", headers=bot) as response:
        assert response.status == 200
    async with api.get("/api/v1/namespaces/kube-system/pods", headers=bot) as response:
        assert response.status == 403
    async with api.get("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", headers=AUTH) as response:
        assert response.status == 405, "reviews are create-only"
    async with api.get("/api/v1/pods", headers={**AUTH, "Impersonate-User": "someone"}) as response:
        assert response.status == 403, "impersonation is refused, never ignored"
