"""The RBAC decision, against kube-apiserver's RBAC authorizer: a difference here would let a chart role
pass on the sim and fail on a real cluster, or the other way round."""

from __future__ import annotations

from typing import Any

import pytest

from accelfleet.sim.rbac import (
    Attributes,
    RbacIndex,
    UserInfo,
    authorize,
    forbidden_error,
    rules_for,
    service_account_username,
)
from accelfleet.sim.tokens import ADMIN

OPERATOR = UserInfo(
    service_account_username("af-system", "operator"),
    ("system:serviceaccounts", "system:serviceaccounts:af-system", "system:authenticated"),
)
ALICE = UserInfo("alice", ("team-a", "system:authenticated"))


def role(name: str, *rules: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"metadata": meta, "rules": list(rules)}


def binding(
    name: str,
    role_name: str,
    *subjects: dict[str, str],
    namespace: str | None = None,
    kind: str = "ClusterRole",
) -> dict[str, Any]:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role_name},
        "subjects": list(subjects),
    }


def sa(name: str, namespace: str | None = None) -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": name, **({"namespace": namespace} if namespace else {})}


def rule(groups: list[str], resources: list[str], verbs: list[str], **extra: list[str]) -> dict[str, Any]:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs, **extra}


def pods(verb: str, namespace: str = "default", name: str = "", subresource: str = "") -> Attributes:
    return Attributes(
        verb=verb, api_version="v1", resource="pods", subresource=subresource, namespace=namespace, name=name
    )


def aijobs(verb: str, subresource: str = "", name: str = "") -> Attributes:
    return Attributes(
        verb=verb,
        api_group="accelfleet.io",
        api_version="v1alpha1",
        resource="aijobs",
        subresource=subresource,
        namespace="default",
        name=name,
    )


POD_READER = role("pod-reader", rule([""], ["pods"], ["get", "list", "watch"]))


def test_a_cluster_role_binding_grants_in_every_namespace_and_at_cluster_scope() -> None:
    index = RbacIndex.build([POD_READER], [], [binding("read", "pod-reader", sa("operator", "af-system"))])
    for namespace in ("default", "team-a", ""):
        decision = authorize(OPERATOR, pods("list", namespace), index)
        assert decision.allowed
        assert decision.reason == (
            'RBAC: allowed by ClusterRoleBinding "read" of ClusterRole "pod-reader" '
            'to ServiceAccount "operator/af-system"'
        )
    assert not authorize(OPERATOR, pods("delete"), index).allowed


def test_a_role_binding_grants_only_in_its_own_namespace() -> None:
    index = RbacIndex.build(
        [POD_READER],
        [role("lease", rule(["coordination.k8s.io"], ["leases"], ["get"]), namespace="af-system")],
        [],
        [
            binding("read", "pod-reader", sa("operator", "af-system"), namespace="team-a"),
            # A subject without a namespace is in the binding's namespace.
            binding("lease", "lease", sa("operator"), namespace="af-system", kind="Role"),
        ],
    )
    assert authorize(OPERATOR, pods("list", "team-a"), index).allowed
    assert not authorize(OPERATOR, pods("list", "team-b"), index).allowed
    assert not authorize(OPERATOR, pods("list", ""), index).allowed, "all namespaces needs a cluster grant"
    lease = Attributes(verb="get", api_group="coordination.k8s.io", resource="leases", namespace="af-system")
    assert authorize(OPERATOR, lease, index).allowed
    assert not authorize(OPERATOR, Attributes(**{**lease.__dict__, "namespace": "default"}), index).allowed


def test_a_service_account_subject_without_namespace_means_the_binding_namespace() -> None:
    elsewhere = UserInfo(service_account_username("team-a", "operator"), ("system:authenticated",))
    index = RbacIndex.build(
        [POD_READER],
        [],
        [binding("cluster", "pod-reader", sa("operator"))],
        [binding("ns", "pod-reader", sa("operator"), namespace="team-a")],
    )
    assert not authorize(OPERATOR, pods("list", "team-a"), index).allowed, (
        "a cluster subject needs a namespace"
    )
    assert authorize(elsewhere, pods("list", "team-a"), index).allowed


def test_subresources_are_granted_apart_from_their_resource() -> None:
    index = RbacIndex.build(
        [role("status", rule(["accelfleet.io"], ["aijobs/status"], ["patch"]))],
        [],
        [binding("status", "status", sa("operator", "af-system"))],
    )
    assert authorize(OPERATOR, aijobs("patch", "status", "j"), index).allowed
    assert not authorize(OPERATOR, aijobs("patch", "", "j"), index).allowed
    assert not authorize(OPERATOR, aijobs("patch", "scale", "j"), index).allowed


def test_resource_names_restrict_a_rule_to_those_objects() -> None:
    index = RbacIndex.build(
        [role("one", rule(["accelfleet.io"], ["aijobs"], ["get"], resourceNames=["mine"]))],
        [],
        [binding("one", "one", sa("operator", "af-system"))],
    )
    assert authorize(OPERATOR, aijobs("get", name="mine"), index).allowed
    assert not authorize(OPERATOR, aijobs("get", name="theirs"), index).allowed
    assert not authorize(OPERATOR, aijobs("get"), index).allowed, "no name is not a listed name"


@pytest.mark.parametrize(
    ("rule_fields", "attrs", "allowed"),
    [
        (rule(["*"], ["pods"], ["list"]), pods("list"), True),
        (rule([""], ["*"], ["list"]), pods("list"), True),
        (rule([""], ["*"], ["patch"]), pods("patch", subresource="status"), True),
        (rule([""], ["pods"], ["*"]), pods("deletecollection"), True),
        (rule(["accelfleet.io"], ["*/status"], ["patch"]), aijobs("patch", "status"), True),
        (rule(["accelfleet.io"], ["*/status"], ["patch"]), aijobs("patch"), False),
        (rule(["accelfleet.io"], ["aijobs/*"], ["patch"]), aijobs("patch", "status"), False),
        (rule(["apps"], ["*"], ["*"]), pods("get"), False),
    ],
)
def test_wildcards_match_as_on_the_real_server(
    rule_fields: dict[str, Any], attrs: Attributes, allowed: bool
) -> None:
    index = RbacIndex.build([role("r", rule_fields)], [], [binding("b", "r", sa("operator", "af-system"))])
    assert authorize(OPERATOR, attrs, index).allowed is allowed


def test_groups_and_users_are_subjects_too() -> None:
    index = RbacIndex.build(
        [POD_READER],
        [],
        [binding("team", "pod-reader", {"kind": "Group", "name": "team-a"})],
        [
            binding(
                "all-sas", "pod-reader", {"kind": "Group", "name": "system:serviceaccounts"}, namespace="ci"
            )
        ],
    )
    assert authorize(ALICE, pods("watch"), index).allowed
    assert authorize(OPERATOR, pods("get", "ci"), index).allowed
    assert not authorize(OPERATOR, pods("get", "default"), index).allowed
    user_index = RbacIndex.build(
        [POD_READER], [], [binding("alice", "pod-reader", {"kind": "User", "name": "alice"})]
    )
    assert authorize(ALICE, pods("get"), user_index).allowed
    assert not authorize(UserInfo("bob"), pods("get"), user_index).allowed


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api", True), ("/apis/accelfleet.io/v1alpha1", True), ("/openapi/v3", True), ("/version", True),
     ("/readyz", True), ("/metrics", False), ("/logs", False)],
)  # fmt: skip
def test_discovery_and_health_paths_are_open_to_every_authenticated_identity(
    path: str, allowed: bool
) -> None:
    attrs = Attributes(verb="get", resource_request=False, path=path)
    assert authorize(OPERATOR, attrs, RbacIndex.build()).allowed is allowed
    anonymous = UserInfo("system:anonymous", ("system:unauthenticated",))
    assert authorize(anonymous, attrs, RbacIndex.build()).allowed is (path in ("/version", "/readyz"))


def test_non_resource_urls_match_exactly_or_by_a_trailing_star() -> None:
    index = RbacIndex.build(
        [role("metrics", {"nonResourceURLs": ["/metrics", "/logs/*"], "verbs": ["get"]})],
        [],
        [binding("metrics", "metrics", sa("operator", "af-system"))],
    )
    non_resource = [
        Attributes(verb="get", resource_request=False, path=p) for p in ("/metrics", "/logs/kubelet")
    ]
    assert all(authorize(OPERATOR, attrs, index).allowed for attrs in non_resource)
    assert not authorize(
        OPERATOR, Attributes(verb="post", resource_request=False, path="/metrics"), index
    ).allowed
    assert not authorize(
        OPERATOR, Attributes(verb="get", resource_request=False, path="/metricsz"), index
    ).allowed


def test_system_masters_hold_cluster_admin() -> None:
    assert authorize(ADMIN, pods("delete", name="p"), RbacIndex.build()).allowed
    assert authorize(
        ADMIN, Attributes(verb="post", resource_request=False, path="/x"), RbacIndex.build()
    ).allowed


def test_a_missing_role_grants_nothing_and_is_named_in_the_reason() -> None:
    index = RbacIndex.build(
        [],
        [],
        [binding("gone", "nothing-here", sa("operator", "af-system"))],
        [binding("gone", "missing", sa("operator", "af-system"), namespace="default", kind="Role")],
    )
    decision = authorize(OPERATOR, pods("list"), index)
    assert not decision.allowed
    assert decision.reason == (
        'RBAC: [clusterrole.rbac.authorization.k8s.io "nothing-here" not found, '
        'role.rbac.authorization.k8s.io "missing" not found]'
    )


def test_denials_are_worded_like_the_real_server() -> None:
    error = forbidden_error(OPERATOR, pods("patch", name="x"))
    assert error.status_code == 403 and error.reason == "Forbidden"
    assert error.message == (
        'pods "x" is forbidden: User "system:serviceaccount:af-system:operator" cannot patch resource "pods" '
        'in API group "" in the namespace "default"'
    )
    assert (error.name, error.group, error.kind) == ("x", None, "pods")
    status = forbidden_error(OPERATOR, aijobs("patch", "status", "j"), "RBAC: role.rbac.authorization.k8s.io")
    assert status.message == (
        'aijobs.accelfleet.io "j" is forbidden: User "system:serviceaccount:af-system:operator" cannot patch '
        'resource "aijobs/status" in API group "accelfleet.io" in the namespace "default": '
        "RBAC: role.rbac.authorization.k8s.io"
    )
    assert (status.name, status.group, status.kind) == ("j", "accelfleet.io", "aijobs")
    nodes = forbidden_error(OPERATOR, Attributes(verb="list", resource="nodes"))
    assert nodes.message.startswith("nodes is forbidden: ")
    assert nodes.message.endswith('cannot list resource "nodes" in API group "" at the cluster scope')
    path = forbidden_error(OPERATOR, Attributes(verb="get", resource_request=False, path="/metrics"))
    assert (
        path.message
        == 'forbidden: User "system:serviceaccount:af-system:operator" cannot get path "/metrics"'
    )
    assert (path.name, path.group, path.kind) == (None, None, None)


def test_rules_for_lists_cluster_and_namespace_rules() -> None:
    index = RbacIndex.build(
        [POD_READER],
        [role("lease", rule(["coordination.k8s.io"], ["leases"], ["get"]), namespace="af-system")],
        [binding("read", "pod-reader", sa("operator", "af-system"))],
        [binding("lease", "lease", sa("operator"), namespace="af-system", kind="Role")],
    )
    rules, errors = rules_for(OPERATOR, "af-system", index)
    resources = [r.as_object() for r in rules if not r.non_resource_urls]
    assert {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]} in resources
    assert {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get"]} in resources
    assert errors == []
    assert len(rules_for(OPERATOR, "default", index)[0]) == len(rules) - 1
