"""Least privilege: every ClusterRole grants exactly the calls its component makes, and no wildcard.

The tables below are the contract: each entry names the call that needs it. A new API call in the
operator or the device plugin needs a line here and a rule in the chart; a rule nobody calls fails.
"""

from __future__ import annotations

from typing import Any

from tests.support.chart import NAMESPACE, of_kind, one, render

Grant = tuple[str, str, str]  # (apiGroup, resource, verb)

OPERATOR_NEEDS: dict[Grant, str] = {
    **{
        ("accelfleet.io", r, v): "kopf watches it into the mirror (handlers.py); runtime.py re-lists it"
        for r in ("aijobs", "accelcards", "scalexplatforms")
        for v in ("list", "watch")
    },
    ("accelfleet.io", "aijobs/status", "patch"): "phase, placement, conditions (executor.py)",
    ("accelfleet.io", "accelcards/status", "patch"): "card totals (executor.py)",
    ("accelfleet.io", "scalexplatforms/status", "patch"): "platform totals (executor.py)",
    ("", "pods", "list"): "kopf watch, runtime.py re-list",
    ("", "pods", "watch"): "kopf watch",
    ("", "pods", "create"): "the gang's gated pods (executor.py)",
    ("", "pods", "get"): "reads a pod back after a conflicting create (executor.py)",
    ("", "pods", "patch"): "removes the scheduling gate (executor.py)",
    ("", "pods", "delete"): "releases a gang (executor.py)",
    ("", "services", "create"): "the gang's headless rendezvous Service (executor.py)",
    ("", "nodes", "list"): "kopf watch, runtime.py re-list",
    ("", "nodes", "watch"): "kopf watch",
    ("", "events", "create"): "why a job waits, was refused or failed (executor.py)",
    ("apiextensions.k8s.io", "customresourcedefinitions", "list"): "kopf resource scanning",
    ("apiextensions.k8s.io", "customresourcedefinitions", "watch"): "kopf resource scanning",
}
# Only with operator.namespaces: kopf lists and watches namespaces when it serves a list of them.
OPERATOR_NAMESPACED_NEEDS: dict[Grant, str] = {
    ("", "namespaces", "list"): "kopf namespace observer",
    ("", "namespaces", "watch"): "kopf namespace observer",
}
# In the release namespace only (a Role): leader election (leadership.py).
OPERATOR_LEASE_NEEDS: dict[Grant, str] = {
    ("coordination.k8s.io", "leases", "get"): "reads the Lease",
    ("coordination.k8s.io", "leases", "create"): "the first replica creates it",
    ("coordination.k8s.io", "leases", "update"): "claims and renews with its resourceVersion",
}

DEVICE_PLUGIN_NEEDS: dict[Grant, str] = {
    ("", "nodes", "list"): "its own Node by field selector: card labels, unhealthy-cards annotation",
    ("", "nodes", "watch"): "follows label and annotation changes",
    ("", "pods", "list"): "its node's pods by field selector, to compare their allocated-cards annotation",
    ("", "pods", "patch"): "sets allocated-cards from the kubelet's PodResources API (pod_annotations.py)",
    ("accelfleet.io", "accelcards", "list"): "resource name and visible-devices variable of its card",
    ("accelfleet.io", "accelcards", "watch"): "follows catalog changes",
}


def _grants(role: dict[str, Any]) -> list[Grant]:
    return [
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    ]


def test_no_role_uses_a_wildcard_or_raw_urls() -> None:
    objects = render("operator.namespaces={team-a}")
    roles = [*of_kind(objects, "ClusterRole"), *of_kind(objects, "Role")]
    assert len(roles) == 3
    for role in roles:
        for rule in role["rules"]:
            assert "nonResourceURLs" not in rule
            for field in ("apiGroups", "resources", "verbs", "resourceNames"):
                assert not any("*" in item for item in rule.get(field, [])), (role["metadata"]["name"], rule)


def test_operator_role_grants_exactly_what_the_operator_calls() -> None:
    grants = _grants(one(render(), "ClusterRole", "operator"))
    assert len(grants) == len(set(grants)), "a grant appears twice"
    assert set(grants) == set(OPERATOR_NEEDS)


def test_operator_serving_listed_namespaces_may_also_follow_namespaces() -> None:
    grants = _grants(one(render("operator.namespaces={team-a,team-b}"), "ClusterRole", "operator"))
    assert set(grants) == set(OPERATOR_NEEDS) | set(OPERATOR_NAMESPACED_NEEDS)


def test_operator_lease_access_is_confined_to_the_release_namespace() -> None:
    objects = render()
    role = one(objects, "Role", "operator")
    assert role["metadata"]["namespace"] == NAMESPACE
    assert set(_grants(role)) == set(OPERATOR_LEASE_NEEDS)
    binding = one(objects, "RoleBinding", "operator")
    assert binding["metadata"]["namespace"] == NAMESPACE
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"][0]["name"] == one(objects, "ServiceAccount", "operator")["metadata"]["name"]
    (container,) = one(objects, "Deployment", "operator")["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("valueFrom") for e in container["env"]}
    assert env["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}


def test_device_plugin_role_only_reads_nodes_and_cards() -> None:
    grants = _grants(one(render(), "ClusterRole", "device-plugin"))
    assert len(grants) == len(set(grants))
    assert set(grants) == set(DEVICE_PLUGIN_NEEDS)


def test_each_role_is_bound_to_its_own_service_account() -> None:
    objects = render()
    for component in ("operator", "device-plugin"):
        role = one(objects, "ClusterRole", component)
        binding = one(objects, "ClusterRoleBinding", component)
        account = one(objects, "ServiceAccount", component)
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": role["metadata"]["name"],
        }
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": NAMESPACE}
        ]
        workload = one(objects, "Deployment" if component == "operator" else "DaemonSet", component)
        assert workload["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]
