"""Which resources the simulated API server serves: the built-in kinds plus every established CRD.

The registry is also the store's ``StoreHooks``: it knows which types have a status subresource,
runs admission (built-in defaults, CRD schema checks) and starts or stops serving a custom resource
the moment its CustomResourceDefinition is written or deleted. The real server marks a CRD
``Established`` a moment after accepting it; here it is established on write, which is what clients
waiting for the condition observe anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from accelfleet.sim.builtin_admission import admit_builtin, check_name
from accelfleet.sim.crd_schema import CompiledSchema, compile_schema
from accelfleet.sim.crd_structural import check_crd, crd_invalid_error, crd_status, default_crd
from accelfleet.sim.objects import now_rfc3339
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.store import Object, ResourceType, WatchEventType

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
CRDS = ResourceType(
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False
)


@dataclass(frozen=True)
class ServedType:
    rtype: ResourceType
    singular: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: frozenset[str] = frozenset()
    verbs: tuple[str, ...] = ALL_VERBS
    builtin: bool = True
    printer_columns: tuple[dict[str, Any], ...] | None = None
    schema: CompiledSchema | None = field(default=None, compare=False, hash=False)

    @property
    def table_columns(self) -> list[dict[str, Any]] | None:
        """What ``tables.to_table`` expects: None for built-ins, the CRD's columns (maybe none) otherwise."""
        return None if self.builtin else list(self.printer_columns or ())

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources


def _builtin(
    group: str,
    version: str,
    plural: str,
    kind: str,
    namespaced: bool,
    short: tuple[str, ...] = (),
    subresources: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    verbs: tuple[str, ...] = ALL_VERBS,
) -> ServedType:
    return ServedType(
        ResourceType(group, version, plural, kind, namespaced),
        singular=kind.lower(),
        short_names=short,
        categories=categories,
        subresources=frozenset(subresources),
        verbs=verbs,
    )


_ALL = ("all",)
_STATUS = ("status",)
_CREATE = ("create",)
BUILTINS: tuple[ServedType, ...] = (
    _builtin("", "v1", "namespaces", "Namespace", False, ("ns",), ("status", "finalize")),
    _builtin("", "v1", "nodes", "Node", False, ("no",), _STATUS),
    _builtin("", "v1", "pods", "Pod", True, ("po",), ("status", "binding", "eviction"), _ALL),
    _builtin("", "v1", "services", "Service", True, ("svc",), _STATUS, _ALL),
    _builtin("", "v1", "endpoints", "Endpoints", True, ("ep",)),
    _builtin("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    _builtin("", "v1", "secrets", "Secret", True),
    _builtin("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",), ("token",)),
    _builtin("", "v1", "events", "Event", True, ("ev",)),
    _builtin("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",), _STATUS),
    _builtin("", "v1", "persistentvolumes", "PersistentVolume", False, ("pv",), _STATUS),
    _builtin("", "v1", "limitranges", "LimitRange", True, ("limits",)),
    _builtin("", "v1", "resourcequotas", "ResourceQuota", True, ("quota",), _STATUS),
    _builtin("", "v1", "replicationcontrollers", "ReplicationController", True, ("rc",), _STATUS, _ALL),
    _builtin("apps", "v1", "deployments", "Deployment", True, ("deploy",), _STATUS, _ALL),
    _builtin("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), _STATUS, _ALL),
    _builtin("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), _STATUS, _ALL),
    _builtin("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), _STATUS, _ALL),
    _builtin("apps", "v1", "controllerrevisions", "ControllerRevision", True),
    _builtin("batch", "v1", "jobs", "Job", True, (), _STATUS, _ALL),
    _builtin("batch", "v1", "cronjobs", "CronJob", True, ("cj",), _STATUS, _ALL),
    _builtin("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",), _STATUS),
    _builtin("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    _builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    _builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    _builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    # Answered for the requesting identity and never stored (apiserver/access.py).
    _builtin("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=_CREATE),
    _builtin(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        False,
        verbs=_CREATE,
    ),
    _builtin(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        False,
        verbs=_CREATE,
    ),
    _builtin("coordination.k8s.io", "v1", "leases", "Lease", True),
    _builtin("events.k8s.io", "v1", "events", "Event", True, ("ev",)),
    _builtin(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        _STATUS,
    ),
    _builtin("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",), _STATUS),
    _builtin("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",)),
    _builtin("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, ("pc",)),
    _builtin("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ("sc",)),
    _builtin("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
)


def served_types_of_crd(crd: Object) -> list[ServedType]:
    """The served versions of a CRD as ServedTypes (pure; the registry swaps them in)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group", "")
    kind = names.get("kind", "")
    result = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        columns = version.get("additionalPrinterColumns")
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        result.append(
            ServedType(
                ResourceType(
                    group, version["name"], names.get("plural", ""), kind, spec.get("scope") == "Namespaced"
                ),
                singular=names.get("singular") or kind.lower(),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=frozenset(name for name in ("status", "scale") if name in subresources),
                builtin=False,
                printer_columns=tuple(columns) if columns is not None else None,
                schema=compile_schema(schema) if isinstance(schema, dict) else None,
            )
        )
    return result


def admit_crd(old: Object | None, crd: Object) -> Object:
    """Checks the CRD (structural schema, names) and writes the status a real server converges to.

    Condition transition times and stored versions carry over from ``old`` so that re-applying an
    unchanged CRD is a no-op, as on the real server.
    """
    errors = check_crd(crd)
    if errors:
        raise crd_invalid_error(crd, errors)
    crd = default_crd(crd)
    status = crd_status(crd, now_rfc3339())
    old_status = (old or {}).get("status") or {}
    previous = {c.get("type"): c for c in old_status.get("conditions") or []}
    for condition in status["conditions"]:
        before = previous.get(condition["type"])
        if before and before.get("status") == condition["status"] and before.get("lastTransitionTime"):
            condition["lastTransitionTime"] = before["lastTransitionTime"]
    stored = list(old_status.get("storedVersions") or [])
    stored += [v for v in status["storedVersions"] if v not in stored]
    status["storedVersions"] = stored
    crd["status"] = status
    return crd


class Registry:
    """Served types by group/version/plural, kept in step with the CRDs in the store."""

    def __init__(self) -> None:
        self._served: dict[tuple[str, str, str], ServedType] = {}
        self._crd_types: dict[str, list[ServedType]] = {}
        for served in BUILTINS:
            self._add(served)

    def _add(self, served: ServedType) -> None:
        rtype = served.rtype
        self._served[(rtype.group, rtype.version, rtype.plural)] = served

    def resolve(self, group: str, version: str, plural: str) -> ServedType | None:
        return self._served.get((group, version, plural))

    def by_rtype(self, rtype: ResourceType) -> ServedType | None:
        return self._served.get((rtype.group, rtype.version, rtype.plural)) or next(
            (
                s
                for s in self._served.values()
                if (s.rtype.group, s.rtype.plural) == (rtype.group, rtype.plural)
            ),
            None,
        )

    def all(self) -> Iterable[ServedType]:
        return list(self._served.values())

    def groups(self) -> list[tuple[str, list[str]]]:
        """Groups in serving order (core first, built-ins, then CRD groups) with versions, preferred first."""
        order: dict[str, list[str]] = {}
        for served in self._served.values():
            versions = order.setdefault(served.rtype.group, [])
            if served.rtype.version not in versions:
                versions.append(served.rtype.version)
        return [(group, _sort_versions(versions)) for group, versions in order.items()]

    def in_group_version(self, group: str, version: str) -> list[ServedType]:
        return [s for s in self._served.values() if (s.rtype.group, s.rtype.version) == (group, version)]

    # ----- StoreHooks ----------------------------------------------------------------------------

    def has_status_subresource(self, rtype: ResourceType) -> bool:
        served = self.by_rtype(rtype)
        return served is not None and served.has_status

    def admit(self, rtype: ResourceType, old: Object | None, new: Object) -> Object:
        served = self.by_rtype(rtype)
        if served is None or served.builtin:
            new = admit_builtin(rtype, old, new)
            if (rtype.group, rtype.plural) == (CRDS.group, CRDS.plural):
                new = admit_crd(old, new)
            return new
        if old is None:
            check_name(rtype, new["metadata"].get("name", ""))
        if served.schema is not None:
            new, _ = served.schema.admit(new, rtype.kind, rtype.group)
        return new

    def after_change(
        self, store: ObjectStore, rtype: ResourceType, change: WatchEventType, obj: Object
    ) -> None:
        if (rtype.group, rtype.plural) != (CRDS.group, CRDS.plural):
            return
        name = obj["metadata"]["name"]
        for served in self._crd_types.pop(name, []):
            self._served.pop((served.rtype.group, served.rtype.version, served.rtype.plural), None)
        if change == "DELETED":
            gone = served_types_of_crd(obj)
            if gone:
                store.drop_all(gone[0].rtype)
            return
        served_types = served_types_of_crd(obj)
        self._crd_types[name] = served_types
        for served in served_types:
            self._add(served)


def _version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version ordering: GA before beta before alpha, higher numbers first."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, 0, 0)
    major = int(match[1])
    stage = {"": 0, "beta": 1, "alpha": 2}[match[2] or ""]
    minor = int(match[3] or 0)
    return (stage, -major, -minor)


def _sort_versions(versions: list[str]) -> list[str]:
    return sorted(versions, key=_version_priority)
