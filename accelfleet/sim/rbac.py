"""RBAC decisions as kube-apiserver's RBAC authorizer makes them, as pure functions.

A chart's Role is only proven sufficient (and least-privilege only meaningful) when a server refuses
what the Role does not grant, so the simulated API server enforces RBAC for every identity outside
``system:masters``. The rules follow ``plugin/pkg/auth/authorizer/rbac``: ClusterRoleBindings grant
everywhere, RoleBindings only in their own namespace; a rule matches on verb, API group, resource
(``resource/subresource`` and ``*/subresource``), resourceNames and, for other paths,
nonResourceURLs (a trailing ``*`` matches a prefix); ``*`` matches anything. A binding whose role is
missing grants nothing and is named in the denial's reason, as the real server does.

The bootstrap policy every real cluster has (discovery and health paths for authenticated users,
self-reviews, ``cluster-admin`` for ``system:masters``) is built in here rather than stored, so it
cannot be deleted or edited.

Public: ``UserInfo``, ``Attributes``, ``Decision``, ``RbacIndex.build(...)``, ``authorize``,
``rules_for``, ``forbidden_error``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from accelfleet.sim.store import ForbiddenError, Object

MASTERS_GROUP = "system:masters"
AUTHENTICATED_GROUP = "system:authenticated"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
ALL = "*"


def service_account_username(namespace: str, name: str) -> str:
    return f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"


@dataclass(frozen=True)
class UserInfo:
    """Who a request comes from, as the authenticator found it."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""


@dataclass(frozen=True)
class Attributes:
    """What a request asks to do (``authorizer.Attributes``); ``path`` only for non-resource requests."""

    verb: str
    resource_request: bool = True
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""


@dataclass(frozen=True)
class Decision:
    """``reason`` names the granting binding, or the broken bindings met on the way to a denial."""

    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class Rule:
    """A PolicyRule with its lists as sets, compiled once per index."""

    verbs: frozenset[str]
    api_groups: frozenset[str] = frozenset()
    resources: tuple[str, ...] = ()
    resource_names: frozenset[str] = frozenset()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def of(cls, rule: Object) -> Rule:
        return cls(
            verbs=frozenset(rule.get("verbs") or ()),
            api_groups=frozenset(rule.get("apiGroups") or ()),
            resources=tuple(rule.get("resources") or ()),
            resource_names=frozenset(rule.get("resourceNames") or ()),
            non_resource_urls=tuple(rule.get("nonResourceURLs") or ()),
        )

    def as_object(self) -> Object:
        body: Object = {"verbs": sorted(self.verbs)}
        if self.non_resource_urls:
            body["nonResourceURLs"] = list(self.non_resource_urls)
            return body
        body["apiGroups"] = sorted(self.api_groups)
        body["resources"] = list(self.resources)
        if self.resource_names:
            body["resourceNames"] = sorted(self.resource_names)
        return body

    def allows(self, attrs: Attributes) -> bool:
        if ALL not in self.verbs and attrs.verb not in self.verbs:
            return False
        if not attrs.resource_request:
            return any(_url_matches(url, attrs.path) for url in self.non_resource_urls)
        if ALL not in self.api_groups and attrs.api_group not in self.api_groups:
            return False
        combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
        if not any(_resource_matches(r, combined, attrs.subresource) for r in self.resources):
            return False
        return not self.resource_names or attrs.name in self.resource_names


def _url_matches(rule_url: str, path: str) -> bool:
    if rule_url in (ALL, path):
        return True
    return rule_url.endswith("*") and path.startswith(rule_url.rstrip("*"))


def _resource_matches(rule_resource: str, combined: str, subresource: str) -> bool:
    if rule_resource in (ALL, combined):
        return True
    return bool(subresource) and rule_resource == f"*/{subresource}"


@dataclass(frozen=True)
class Binding:
    """A RoleBinding (``namespace`` set) or ClusterRoleBinding, reduced to what the decision reads."""

    name: str
    namespace: str
    role_kind: str
    role_name: str
    subjects: tuple[Object, ...]

    @classmethod
    def of(cls, obj: Object) -> Binding:
        meta = obj.get("metadata") or {}
        ref = obj.get("roleRef") or {}
        return cls(
            name=meta.get("name", ""),
            namespace=meta.get("namespace") or "",
            role_kind=ref.get("kind", ""),
            role_name=ref.get("name", ""),
            subjects=tuple(s for s in obj.get("subjects") or () if isinstance(s, dict)),
        )

    def subject_for(self, user: UserInfo) -> Object | None:
        """The first subject naming this user, one of its groups or its ServiceAccount."""
        for subject in self.subjects:
            kind, name = subject.get("kind"), subject.get("name", "")
            if kind == "User" and name == user.name:
                return subject
            if kind == "Group" and name in user.groups:
                return subject
            if kind == "ServiceAccount":
                namespace = subject.get("namespace") or self.namespace
                if namespace and service_account_username(namespace, name) == user.name:
                    return subject
        return None

    def describe(self, subject: Object) -> str:
        """How the real authorizer names the grant in an allowed decision's reason."""
        kind, name = subject.get("kind", ""), subject.get("name", "")
        who = f"{name}/{subject.get('namespace') or self.namespace}" if kind == "ServiceAccount" else name
        if self.namespace:
            label = f"RoleBinding {json.dumps(f'{self.name}/{self.namespace}')}"
        else:
            label = f"ClusterRoleBinding {json.dumps(self.name)}"
        return f"{label} of {self.role_kind} {json.dumps(self.role_name)} to {kind} {json.dumps(who)}"


def _cluster_role(name: str, *rules: Object) -> Object:
    return {"metadata": {"name": name}, "rules": list(rules)}


def _group_binding(name: str, *groups: str) -> Object:
    return {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g} for g in groups],
    }


# The subset of kube-apiserver's bootstrap policy that matters to clients of this server.
BOOTSTRAP_CLUSTER_ROLES: tuple[Object, ...] = (
    _cluster_role(
        "cluster-admin",
        {"apiGroups": [ALL], "resources": [ALL], "verbs": [ALL]},
        {"nonResourceURLs": [ALL], "verbs": [ALL]},
    ),
    _cluster_role(
        "system:discovery",
        {
            "nonResourceURLs": [
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/healthz",
                "/livez",
                "/openapi",
                "/openapi/*",
                "/readyz",
                "/version",
                "/version/",
            ],
            "verbs": ["get"],
        },
    ),
    _cluster_role(
        "system:public-info-viewer",
        {"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]},
    ),
    _cluster_role(
        "system:basic-user",
        {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]},
        {
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            "verbs": ["create"],
        },
    ),
)
BOOTSTRAP_CLUSTER_ROLE_BINDINGS: tuple[Object, ...] = (
    _group_binding("cluster-admin", MASTERS_GROUP),
    _group_binding("system:discovery", AUTHENTICATED_GROUP),
    _group_binding("system:public-info-viewer", AUTHENTICATED_GROUP, "system:unauthenticated"),
    _group_binding("system:basic-user", AUTHENTICATED_GROUP),
)


@dataclass(frozen=True)
class RbacIndex:
    """Roles and bindings of one moment, compiled for decisions; rebuilt whenever any of them changes."""

    cluster_roles: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    roles: Mapping[tuple[str, str], tuple[Rule, ...]] = field(default_factory=dict)
    cluster_role_bindings: tuple[Binding, ...] = ()
    role_bindings: Mapping[str, tuple[Binding, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        cluster_roles: Iterable[Object] = (),
        roles: Iterable[Object] = (),
        cluster_role_bindings: Iterable[Object] = (),
        role_bindings: Iterable[Object] = (),
    ) -> RbacIndex:
        """The stored objects plus the bootstrap policy (a stored object of the same name wins)."""
        compiled_cluster_roles = {
            obj["metadata"]["name"]: _rules(obj) for obj in (*BOOTSTRAP_CLUSTER_ROLES, *cluster_roles)
        }
        compiled_roles = {
            (obj["metadata"].get("namespace") or "", obj["metadata"]["name"]): _rules(obj) for obj in roles
        }
        stored_names = set()
        cluster_bindings: list[Binding] = []
        for obj in cluster_role_bindings:
            stored_names.add(obj["metadata"]["name"])
            cluster_bindings.append(Binding.of(obj))
        bootstrap = [
            Binding.of(obj)
            for obj in BOOTSTRAP_CLUSTER_ROLE_BINDINGS
            if obj["metadata"]["name"] not in stored_names
        ]
        by_namespace: dict[str, list[Binding]] = {}
        for obj in role_bindings:
            binding = Binding.of(obj)
            by_namespace.setdefault(binding.namespace, []).append(binding)
        return cls(
            cluster_roles=compiled_cluster_roles,
            roles=compiled_roles,
            cluster_role_bindings=(*bootstrap, *sorted(cluster_bindings, key=lambda b: b.name)),
            role_bindings={
                ns: tuple(sorted(bindings, key=lambda b: b.name)) for ns, bindings in by_namespace.items()
            },
        )

    def role_rules(self, binding: Binding) -> tuple[Rule, ...] | str:
        """The rules a binding refers to, or the error the real server reports for a broken reference."""
        if binding.role_kind == "ClusterRole":
            rules = self.cluster_roles.get(binding.role_name)
            missing = f"clusterrole.rbac.authorization.k8s.io {json.dumps(binding.role_name)} not found"
        elif binding.role_kind == "Role" and binding.namespace:
            rules = self.roles.get((binding.namespace, binding.role_name))
            missing = f"role.rbac.authorization.k8s.io {json.dumps(binding.role_name)} not found"
        else:
            return f"unsupported role reference kind: {json.dumps(binding.role_kind)}"
        return missing if rules is None else rules

    def bindings_for(self, user: UserInfo, namespace: str) -> Iterable[tuple[Binding, Object]]:
        """Cluster-wide bindings first, then the namespace's RoleBindings, as the real visitor walks."""
        for bindings in (
            self.cluster_role_bindings,
            self.role_bindings.get(namespace, ()) if namespace else (),
        ):
            for binding in bindings:
                subject = binding.subject_for(user)
                if subject is not None:
                    yield binding, subject


def _rules(obj: Object) -> tuple[Rule, ...]:
    return tuple(Rule.of(rule) for rule in obj.get("rules") or () if isinstance(rule, dict))


def authorize(user: UserInfo, attrs: Attributes, index: RbacIndex) -> Decision:
    """Allowed when a rule of a role bound to the user (directly, by group or as a ServiceAccount)
    matches; otherwise denied, with the reference errors met on the way as the reason."""
    errors: list[str] = []
    for binding, subject in index.bindings_for(user, attrs.namespace):
        rules = index.role_rules(binding)
        if isinstance(rules, str):
            errors.append(rules)
            continue
        if any(rule.allows(attrs) for rule in rules):
            return Decision(True, f"RBAC: allowed by {binding.describe(subject)}")
    return Decision(False, _errors_reason(errors))


def _errors_reason(errors: Sequence[str]) -> str:
    """``utilerrors.NewAggregate`` wording: one error as it is, several in brackets."""
    if not errors:
        return ""
    return f"RBAC: {errors[0]}" if len(errors) == 1 else f"RBAC: [{', '.join(errors)}]"


def rules_for(user: UserInfo, namespace: str, index: RbacIndex) -> tuple[list[Rule], list[str]]:
    """Every rule the user holds in ``namespace`` (SelfSubjectRulesReview), and the reference errors."""
    rules: list[Rule] = []
    errors: list[str] = []
    for binding, _ in index.bindings_for(user, namespace):
        found = index.role_rules(binding)
        if isinstance(found, str):
            errors.append(found)
        else:
            rules.extend(found)
    return rules, errors


def forbidden_error(user: UserInfo, attrs: Attributes, reason: str = "") -> ForbiddenError:
    """The 403 of ``responsewriters.Forbidden``: kubectl prints its message verbatim."""
    if not attrs.resource_request:
        message = f"User {json.dumps(user.name)} cannot {attrs.verb} path {json.dumps(attrs.path)}"
        return ForbiddenError(f"forbidden: {message}" + (f": {reason}" if reason else ""))
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    where = f"in the namespace {json.dumps(attrs.namespace)}" if attrs.namespace else "at the cluster scope"
    message = (
        f"User {json.dumps(user.name)} cannot {attrs.verb} resource {json.dumps(resource)} "
        f"in API group {json.dumps(attrs.api_group)} {where}"
    )
    if reason:
        message += f": {reason}"
    qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
    subject = f"{qualified} {json.dumps(attrs.name)}" if attrs.name else qualified
    return ForbiddenError(
        f"{subject} is forbidden: {message}",
        name=attrs.name or None,
        group=attrs.api_group or None,
        kind=attrs.resource or None,
    )
