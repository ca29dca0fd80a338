"""The API server's access layer over a real store: tokens bound to their ServiceAccount, and an RBAC
index that follows every change of a Role or binding without being rebuilt for anything else."""

from __future__ import annotations

from typing import Any

import pytest

from accelfleet.sim.apiserver.access import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, SERVICE_ACCOUNTS, Access
from accelfleet.sim.builtin_types import PODS
from accelfleet.sim.cluster import bootstrap
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.rbac import Attributes
from accelfleet.sim.registry import Registry
from accelfleet.sim.store import InvalidError, NotFoundError
from accelfleet.sim.tokens import Tokens

LIST_PODS = Attributes(verb="list", api_version="v1", resource="pods", namespace="default")


@pytest.fixture
def store() -> ObjectStore:
    store = ObjectStore(hooks=Registry())
    bootstrap(store)
    store.create_sync(SERVICE_ACCOUNTS, {"metadata": {"name": "bot", "namespace": "default"}})
    return store


def bearer(access: Access, **spec: Any) -> str:
    answer = access.token_request("default", "bot", {"spec": spec})
    token: str = answer["status"]["token"]
    return f"Bearer {token}"


def test_tokens_authenticate_as_their_service_account_until_it_is_deleted(store: ObjectStore) -> None:
    access = Access(store, Tokens("admin"))
    header = bearer(access)
    user = access.authenticate(header)
    assert user is not None and user.name == "system:serviceaccount:default:bot"
    assert access.authenticate("Bearer admin") is not None
    assert access.authenticate("Bearer nope") is None and access.authenticate("Basic admin") is None
    store.delete_sync(SERVICE_ACCOUNTS, "bot", "default")
    assert access.authenticate(header) is None
    store.create_sync(SERVICE_ACCOUNTS, {"metadata": {"name": "bot", "namespace": "default"}})
    assert access.authenticate(header) is None, "a token is bound to the uid, not the name"


def test_token_requests_answer_like_the_real_server(store: ObjectStore) -> None:
    access = Access(store, Tokens("admin"))
    answer = access.token_request("default", "bot", {"spec": {"expirationSeconds": 1200}})
    assert answer["kind"] == "TokenRequest" and answer["apiVersion"] == "authentication.k8s.io/v1"
    assert answer["spec"]["expirationSeconds"] == 1200
    assert answer["spec"]["audiences"] == ["https://kubernetes.default.svc.cluster.local"]
    assert answer["status"]["expirationTimestamp"].endswith("Z")
    with pytest.raises(NotFoundError, match='serviceaccounts "ghost" not found'):
        access.token_request("default", "ghost", {"spec": {}})
    with pytest.raises(InvalidError, match="may not specify a duration less than 10 minutes"):
        access.token_request("default", "bot", {"spec": {"expirationSeconds": 60}})


def test_the_index_follows_rbac_changes_only(store: ObjectStore) -> None:
    access = Access(store, Tokens("admin"))
    user = access.authenticate(bearer(access))
    assert user is not None
    assert not access.authorize(user, LIST_PODS).allowed
    first = access.index()
    store.create_sync(PODS, {"metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": []}})
    assert access.index() is first, "a pod is no reason to rebuild"
    store.create_sync(
        CLUSTER_ROLES,
        {"metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]},
    )
    store.create_sync(
        CLUSTER_ROLE_BINDINGS,
        {
            "metadata": {"name": "b"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "bot", "namespace": "default"}],
        },
    )
    assert access.authorize(user, LIST_PODS).allowed
    store.delete_sync(CLUSTER_ROLES, "r")
    decision = access.authorize(user, LIST_PODS)
    assert not decision.allowed
    assert decision.reason == 'RBAC: clusterrole.rbac.authorization.k8s.io "r" not found'


def test_reviews_report_the_requesting_identity(store: ObjectStore) -> None:
    access = Access(store, Tokens("admin"))
    user = access.authenticate(bearer(access))
    assert user is not None
    can_i = {"spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "default"}}}
    assert access.access_review(user, can_i)["status"] == {"allowed": False}
    admin = access.authenticate("Bearer admin")
    assert admin is not None
    assert access.access_review(admin, can_i)["status"] == {"allowed": True}
    with pytest.raises(InvalidError, match="exactly one of nonResourceAttributes or resourceAttributes"):
        access.access_review(user, {"spec": {}})
    health = {"spec": {"nonResourceAttributes": {"verb": "get", "path": "/healthz"}}}
    assert access.access_review(user, health)["status"]["allowed"] is True
    assert access.self_review(user)["status"]["userInfo"]["username"] == "system:serviceaccount:default:bot"
    rules = access.rules_review(user, {"spec": {"namespace": "default"}})["status"]
    assert {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"]}.items() <= rules["resourceRules"][
        -1
    ].items()
