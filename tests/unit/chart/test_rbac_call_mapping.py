"""The recording proxy names each API request as the RBAC rule that must grant it; a wrong mapping
would let the role tests pass against calls nobody checked."""

from __future__ import annotations

import pytest

from tests.support.recording_proxy import rbac_call


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/pods", {"watch": "true"}, ("", "pods", "watch")),
        ("GET", "/api/v1/namespaces/default/pods", {}, ("", "pods", "list")),
        ("GET", "/api/v1/namespaces/default/pods/p-0", {}, ("", "pods", "get")),
        ("PATCH", "/api/v1/namespaces/default/pods/p-0", {}, ("", "pods", "patch")),
        ("DELETE", "/api/v1/namespaces/default/pods/p-0", {}, ("", "pods", "delete")),
        ("DELETE", "/api/v1/namespaces/default/pods", {}, ("", "pods", "deletecollection")),
        ("GET", "/api/v1/nodes", {"fieldSelector": "metadata.name=n"}, ("", "nodes", "list")),
        ("GET", "/api/v1/namespaces", {}, ("", "namespaces", "list")),
        ("GET", "/api/v1/namespaces/default", {}, ("", "namespaces", "get")),
        (
            "POST",
            "/apis/coordination.k8s.io/v1/namespaces/ns/leases",
            {},
            ("coordination.k8s.io", "leases", "create"),
        ),
        (
            "PUT",
            "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l",
            {},
            ("coordination.k8s.io", "leases", "update"),
        ),
        (
            "PATCH",
            "/apis/accelfleet.io/v1alpha1/namespaces/d/aijobs/j/status",
            {},
            ("accelfleet.io", "aijobs/status", "patch"),
        ),
        (
            "PATCH",
            "/apis/accelfleet.io/v1alpha1/accelcards/c/status",
            {},
            ("accelfleet.io", "accelcards/status", "patch"),
        ),
        (
            "GET",
            "/apis/accelfleet.io/v1alpha1/accelcards",
            {"watch": "1"},
            ("accelfleet.io", "accelcards", "watch"),
        ),
    ],
)
def test_requests_map_to_the_rule_that_grants_them(
    method: str, path: str, query: dict[str, str], expected: tuple[str, str, str]
) -> None:
    assert rbac_call(method, path, query) == expected


@pytest.mark.parametrize(
    "path", ["/api", "/apis", "/apis/accelfleet.io/v1alpha1", "/api/v1", "/version", "/openapi/v3"]
)
def test_discovery_is_not_a_resource_call(path: str) -> None:
    assert rbac_call("GET", path, {}) is None
