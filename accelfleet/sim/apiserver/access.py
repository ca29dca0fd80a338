"""Who is asking and may they: the HTTP layer's side of authentication and RBAC.

The decision itself is ``accelfleet.sim.rbac``'s pure function; this module feeds it. It keeps the
RBAC objects compiled into an index that is rebuilt only when one of the four RBAC resources has
changed since (the store counts changes per resource), so a request costs a few dictionary lookups,
not a read of every Role. It also answers the endpoints that exist for identities: the TokenRequest
subresource, SelfSubjectAccessReview, SelfSubjectRulesReview and SelfSubjectReview.
"""

from __future__ import annotations

import datetime
from typing import Any

from accelfleet.sim.api_errors import BadRequestError
from accelfleet.sim.field_errors import FieldError, invalid_error
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.rbac import (
    MASTERS_GROUP,
    Attributes,
    Decision,
    RbacIndex,
    UserInfo,
    authorize,
    rules_for,
)
from accelfleet.sim.selectors import make_selection
from accelfleet.sim.store import NotFoundError, Object, ResourceType
from accelfleet.sim.tokens import (
    ADMIN,
    API_AUDIENCE,
    DEFAULT_EXPIRATION_SECONDS,
    MAX_EXPIRATION_SECONDS,
    MIN_EXPIRATION_SECONDS,
    Tokens,
)

SERVICE_ACCOUNTS = ResourceType("", "v1", "serviceaccounts", "ServiceAccount", namespaced=True)
_RBAC = "rbac.authorization.k8s.io"
CLUSTER_ROLES = ResourceType(_RBAC, "v1", "clusterroles", "ClusterRole", namespaced=False)
ROLES = ResourceType(_RBAC, "v1", "roles", "Role", namespaced=True)
CLUSTER_ROLE_BINDINGS = ResourceType(
    _RBAC, "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced=False
)
ROLE_BINDINGS = ResourceType(_RBAC, "v1", "rolebindings", "RoleBinding", namespaced=True)
_RBAC_TYPES = (CLUSTER_ROLES, ROLES, CLUSTER_ROLE_BINDINGS, ROLE_BINDINGS)
AUTHENTICATION_V1 = "authentication.k8s.io/v1"
AUTHORIZATION_V1 = "authorization.k8s.io/v1"


def _rfc3339(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spec(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequestError("the body of the request is not a JSON object")
    spec = body.get("spec") or {}
    if not isinstance(spec, dict):
        raise BadRequestError("spec must be an object")
    return spec


def _user_info(user: UserInfo) -> dict[str, Any]:
    info: dict[str, Any] = {"username": user.name, "groups": list(user.groups)}
    if user.uid:
        info["uid"] = user.uid
    return info


class Access:
    """Authentication and authorization over one store and one set of tokens."""

    def __init__(self, store: ObjectStore, tokens: Tokens) -> None:
        self._store = store
        self._tokens = tokens
        self._stamp: tuple[int, ...] | None = None
        self._index = RbacIndex()

    # ----- authentication -----------------------------------------------------------------------

    def authenticate(self, authorization_header: str) -> UserInfo | None:
        """The identity behind a ``Bearer`` header, or None (401): an unknown or expired token, or one
        whose ServiceAccount is gone or was re-created under the same name."""
        scheme, _, token = authorization_header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        if self._tokens.is_admin(token):
            return ADMIN
        issued = self._tokens.service_account(token)
        if issued is None:
            return None
        try:
            account = self._store.get_sync(SERVICE_ACCOUNTS, issued.name, issued.namespace)
        except NotFoundError:
            return None
        return issued.user if account["metadata"].get("uid") == issued.uid else None

    # ----- authorization ------------------------------------------------------------------------

    def index(self) -> RbacIndex:
        stamp = tuple(self._store.changes(rtype) for rtype in _RBAC_TYPES)
        if stamp != self._stamp:
            cluster_roles, roles, cluster_bindings, bindings = (
                self._store.select(rtype, make_selection(rtype.kind, None, None, None))[0]
                for rtype in _RBAC_TYPES
            )
            self._index = RbacIndex.build(cluster_roles, roles, cluster_bindings, bindings)
            self._stamp = stamp
        return self._index

    def authorize(self, user: UserInfo, attrs: Attributes) -> Decision:
        """``system:masters`` may do anything without consulting RBAC, as on the real server."""
        if MASTERS_GROUP in user.groups:
            return Decision(True)
        return authorize(user, attrs, self.index())

    # ----- identity endpoints -------------------------------------------------------------------

    def token_request(self, namespace: str, name: str, body: Any) -> Object:
        """``POST .../serviceaccounts/{name}/token``: a token for an existing ServiceAccount (else 404)."""
        spec = _spec(body)
        account = self._store.get_sync(SERVICE_ACCOUNTS, name, namespace)
        expiration = int(spec.get("expirationSeconds") or DEFAULT_EXPIRATION_SECONDS)
        errors = []
        if expiration < MIN_EXPIRATION_SECONDS:
            errors.append("may not specify a duration less than 10 minutes")
        elif expiration > MAX_EXPIRATION_SECONDS:
            errors.append("may not specify a duration larger than 2^32 seconds")
        if errors:
            field = FieldError("FieldValueInvalid", "spec.expirationSeconds", expiration, errors[0])
            raise invalid_error("TokenRequest", "authentication.k8s.io", name, [field])
        audiences = tuple(spec.get("audiences") or (API_AUDIENCE,))
        token, issued = self._tokens.issue(
            namespace, name, account["metadata"].get("uid", ""), expiration, audiences
        )
        return {
            "kind": "TokenRequest",
            "apiVersion": AUTHENTICATION_V1,
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
            "spec": {
                "audiences": list(audiences),
                "expirationSeconds": expiration,
                "boundObjectRef": spec.get("boundObjectRef"),
            },
            "status": {"token": token, "expirationTimestamp": _rfc3339(issued.expires)},
        }

    def access_review(self, user: UserInfo, body: Any) -> Object:
        """SelfSubjectAccessReview (``kubectl auth can-i``): the decision this user's request would get."""
        spec = _spec(body)
        resource = spec.get("resourceAttributes") or {}
        non_resource = spec.get("nonResourceAttributes") or {}
        if not isinstance(resource, dict) or not isinstance(non_resource, dict):
            raise BadRequestError("resourceAttributes and nonResourceAttributes must be objects")
        if bool(resource) == bool(non_resource):
            field = FieldError(
                "FieldValueInvalid",
                "spec.resourceAttributes",
                resource or None,
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )
            raise invalid_error("SelfSubjectAccessReview", "authorization.k8s.io", "", [field])
        if resource:
            attrs = Attributes(
                verb=resource.get("verb", ""),
                api_group=resource.get("group", ""),
                api_version=resource.get("version", ""),
                resource=resource.get("resource", ""),
                subresource=resource.get("subresource", ""),
                namespace=resource.get("namespace", ""),
                name=resource.get("name", ""),
            )
        else:
            attrs = Attributes(
                verb=non_resource.get("verb", ""), resource_request=False, path=non_resource.get("path", "")
            )
        decision = self.authorize(user, attrs)
        status: dict[str, Any] = {"allowed": decision.allowed}
        if decision.reason:
            status["reason"] = decision.reason
        return {
            "kind": "SelfSubjectAccessReview",
            "apiVersion": AUTHORIZATION_V1,
            "metadata": {"creationTimestamp": None},
            "spec": spec,
            "status": status,
        }

    def rules_review(self, user: UserInfo, body: Any) -> Object:
        """SelfSubjectRulesReview (``kubectl auth can-i --list``): every rule the user holds in a namespace."""
        spec = _spec(body)
        namespace = spec.get("namespace") or ""
        rules, errors = rules_for(user, namespace, self.index())
        status: dict[str, Any] = {
            "resourceRules": [r.as_object() for r in rules if not r.non_resource_urls],
            "nonResourceRules": [r.as_object() for r in rules if r.non_resource_urls],
            "incomplete": False,
        }
        if errors:
            status["evaluationError"] = ", ".join(errors)
        return {
            "kind": "SelfSubjectRulesReview",
            "apiVersion": AUTHORIZATION_V1,
            "metadata": {"creationTimestamp": None},
            "spec": spec,
            "status": status,
        }

    def self_review(self, user: UserInfo) -> Object:
        """SelfSubjectReview (``kubectl auth whoami``): the identity the server sees."""
        return {
            "kind": "SelfSubjectReview",
            "apiVersion": AUTHENTICATION_V1,
            "metadata": {"creationTimestamp": None},
            "status": {"userInfo": _user_info(user)},
        }
