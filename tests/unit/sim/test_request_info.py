"""Requests become RBAC attributes as apiserver's RequestInfoFactory makes them."""

from __future__ import annotations

import pytest

from accelfleet.sim.apiserver.request_info import request_attributes
from accelfleet.sim.rbac import Attributes


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces/d/pods", {}, Attributes("list", True, "", "v1", "pods", "", "d")),
        ("GET", "/api/v1/pods", {"watch": "1"}, Attributes("watch", True, "", "v1", "pods")),
        ("GET", "/api/v1/pods", {"watch": "false"}, Attributes("list", True, "", "v1", "pods")),
        ("GET", "/api/v1/namespaces/d/pods/p", {}, Attributes("get", True, "", "v1", "pods", "", "d", "p")),
        ("HEAD", "/api/v1/namespaces/d/pods/p", {}, Attributes("get", True, "", "v1", "pods", "", "d", "p")),
        ("PUT", "/api/v1/namespaces/d/pods/p/status", {}, Attributes("update", True, "", "v1", "pods", "status", "d", "p")),
        ("PATCH", "/api/v1/namespaces/d/pods/p", {}, Attributes("patch", True, "", "v1", "pods", "", "d", "p")),
        ("POST", "/api/v1/namespaces/d/pods", {}, Attributes("create", True, "", "v1", "pods", "", "d")),
        ("POST", "/api/v1/namespaces/d/pods/p/binding", {}, Attributes("create", True, "", "v1", "pods", "binding", "d", "p")),
        ("DELETE", "/api/v1/namespaces/d/pods/p", {}, Attributes("delete", True, "", "v1", "pods", "", "d", "p")),
        ("DELETE", "/api/v1/namespaces/d/pods", {}, Attributes("deletecollection", True, "", "v1", "pods", "", "d")),
        (
            "POST", "/api/v1/namespaces/d/serviceaccounts/sa/token", {},
            Attributes("create", True, "", "v1", "serviceaccounts", "token", "d", "sa"),
        ),
        (
            "PATCH", "/apis/accelfleet.io/v1alpha1/namespaces/d/aijobs/j/status", {},
            Attributes("patch", True, "accelfleet.io", "v1alpha1", "aijobs", "status", "d", "j"),
        ),
        (
            "GET", "/apis/accelfleet.io/v1alpha1/accelcards", {"watch": "true"},
            Attributes("watch", True, "accelfleet.io", "v1alpha1", "accelcards"),
        ),
        # A namespace is its own namespace; its status and finalize are its subresources.
        ("GET", "/api/v1/namespaces/d", {}, Attributes("get", True, "", "v1", "namespaces", "", "d", "d")),
        ("PUT", "/api/v1/namespaces/d/finalize", {}, Attributes("update", True, "", "v1", "namespaces", "finalize", "d", "d")),
        ("GET", "/api/v1/namespaces", {}, Attributes("list", True, "", "v1", "namespaces")),
        # A list or watch of one name is authorized as that name.
        (
            "GET", "/api/v1/nodes", {"fieldSelector": "metadata.name=n1", "watch": "1"},
            Attributes("watch", True, "", "v1", "nodes", "", "", "n1"),
        ),
        ("GET", "/api/v1/nodes", {"fieldSelector": "metadata.name!=n1"}, Attributes("list", True, "", "v1", "nodes")),
        (
            "GET", "/api/v1/namespaces/d/pods", {"fieldSelector": "spec.nodeName=n,metadata.name==p"},
            Attributes("list", True, "", "v1", "pods", "", "d", "p"),
        ),
    ],
)  # fmt: skip
def test_resource_requests(method: str, path: str, query: dict[str, str], expected: Attributes) -> None:
    assert request_attributes(method, path, query) == expected


@pytest.mark.parametrize(
    "path", ["/api", "/api/v1", "/apis", "/apis/accelfleet.io", "/apis/accelfleet.io/v1alpha1", "/version",
             "/openapi/v3/apis/accelfleet.io/v1alpha1", "/healthz", "/metrics"],
)  # fmt: skip
def test_everything_else_is_a_non_resource_request_with_the_http_verb(path: str) -> None:
    assert request_attributes("GET", path, {}) == Attributes("get", resource_request=False, path=path)
    assert request_attributes("POST", path, {}).verb == "post"
