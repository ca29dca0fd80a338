import pytest

from accelfleet.sim.apiserver.negotiation import wants_aggregated_discovery, wants_table
from accelfleet.sim.apiserver.paths import GroupPath, ResourcePath, parse_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1", ResourcePath("", "v1")),
        ("/api/v1/pods", ResourcePath("", "v1", "pods")),
        ("/api/v1/namespaces/ns1/pods/p/status", ResourcePath("", "v1", "pods", "ns1", "p", "status")),
        ("/api/v1/namespaces/ns1", ResourcePath("", "v1", "namespaces", None, "ns1")),
        ("/api/v1/namespaces/ns1/finalize", ResourcePath("", "v1", "namespaces", None, "ns1", "finalize")),
        ("/api/v1/namespaces/ns1/configmaps", ResourcePath("", "v1", "configmaps", "ns1")),
        ("/apis/accelfleet.io", GroupPath("accelfleet.io")),
        (
            "/apis/accelfleet.io/v1alpha1/namespaces/d/aijobs/j",
            ResourcePath("accelfleet.io", "v1alpha1", "aijobs", "d", "j"),
        ),
        ("/apis/apps/v1/deployments", ResourcePath("apps", "v1", "deployments")),
        ("/metrics", None),
        ("/api/v1/pods/a/b/c", None),
    ],
)
def test_rest_paths(path: str, expected: object) -> None:
    assert parse_path(path) == expected


def test_kubectl_accept_headers() -> None:
    kubectl_get = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
    assert wants_table(kubectl_get)
    assert not wants_table("application/json")
    assert not wants_table(None)
    discovery = (
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
    )
    assert wants_aggregated_discovery(discovery)
    assert not wants_aggregated_discovery("application/json, */*")
