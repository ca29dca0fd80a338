"""How each list in an object merges: atomically, as a set, or as a map keyed by some fields.

Strategic merge patch and server-side apply both need this; the real server reads it from Go struct
tags (``patchStrategy``/``patchMergeKey``, ``listType``/``listMapKeys``) for built-in kinds and from
``x-kubernetes-list-type``/``x-kubernetes-list-map-keys`` for custom resources. Here the built-in
kinds' rules are a table of the lists clients actually patch; every other list is atomic, which
is also the real default for lists without tags.

Paths are tuples of field names with list positions left out, e.g.
``("spec", "template", "spec", "containers", "env")``.

Public: ``ListRule``, ``ListRules`` (path -> rule), ``builtin_list_rules(kind)``, ``builtin_list_paths(kind)``,
``metadata_list_rule(path)``, ``GRANULAR_MAP_FIELDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Path = tuple[str, ...]


@dataclass(frozen=True)
class ListRule:
    """``map`` lists merge items by ``keys`` (the first key is the strategic merge key)."""

    type: Literal["atomic", "set", "map"]
    keys: tuple[str, ...] = ()


ListRules = Callable[[Path], ListRule]

ATOMIC = ListRule("atomic")
SET = ListRule("set")


def _by(*keys: str) -> ListRule:
    return ListRule("map", keys)


_METADATA_RULES: dict[Path, ListRule] = {
    ("metadata", "finalizers"): SET,
    ("metadata", "ownerReferences"): _by("uid"),
}

_CONTAINER_RULES: dict[Path, ListRule] = {
    ("env",): _by("name"),
    ("ports",): _by("containerPort", "protocol"),
    ("volumeMounts",): _by("mountPath"),
    ("volumeDevices",): _by("devicePath"),
}

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")

_POD_SPEC_RULES: dict[Path, ListRule] = {
    ("volumes",): _by("name"),
    ("imagePullSecrets",): _by("name"),
    ("hostAliases",): _by("ip"),
    ("schedulingGates",): _by("name"),
    ("resourceClaims",): _by("name"),
    ("topologySpreadConstraints",): _by("topologyKey", "whenUnsatisfiable"),
    **{(containers,): _by("name") for containers in _CONTAINER_LISTS},
    **{
        (containers, *path): rule
        for containers in _CONTAINER_LISTS
        for path, rule in _CONTAINER_RULES.items()
    },
}

_CONDITIONS: dict[Path, ListRule] = {("status", "conditions"): _by("type")}

_POD_RULES: dict[Path, ListRule] = {
    **_CONDITIONS,
    ("status", "podIPs"): _by("ip"),
}

_WORKLOAD_TEMPLATE_PREFIX: dict[str, Path] = {
    "Pod": (),
    "PodTemplate": ("template",),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "ReplicationController": ("spec", "template"),
}

_KIND_RULES: dict[str, dict[Path, ListRule]] = {
    "Pod": _POD_RULES,
    "Node": {
        **_CONDITIONS,
        ("status", "addresses"): _by("type"),
        ("spec", "podCIDRs"): SET,
    },
    "Service": {("spec", "ports"): _by("port", "protocol")},
    "ServiceAccount": {("secrets",): _by("name")},
    "Namespace": _CONDITIONS,
    "Deployment": _CONDITIONS,
    "ReplicaSet": _CONDITIONS,
    "StatefulSet": _CONDITIONS,
    "DaemonSet": _CONDITIONS,
    "Job": _CONDITIONS,
    "CustomResourceDefinition": {
        **_CONDITIONS,
        ("spec", "versions"): _by("name"),
    },
}

# Maps whose keys are data, not a struct's fields: server-side apply owns the map itself too.
GRANULAR_MAP_FIELDS = frozenset(
    {
        "labels",
        "annotations",
        "nodeSelector",
        "matchLabels",
        "limits",
        "requests",
        "data",
        "stringData",
        "binaryData",
        "capacity",
        "allocatable",
    }
)


def metadata_list_rule(path: Path) -> ListRule | None:
    """ObjectMeta's lists merge the same way in every kind, custom resources included."""
    return _METADATA_RULES.get(path)


def builtin_list_paths(kind: str) -> dict[Path, ListRule]:
    """Every non-atomic list of a built-in kind (the OpenAPI documents publish them)."""
    table = dict(_KIND_RULES.get(kind, {}))
    prefix = _WORKLOAD_TEMPLATE_PREFIX.get(kind)
    if prefix is not None:
        table.update({(*prefix, "spec", *path): rule for path, rule in _POD_SPEC_RULES.items()})
    return table


def builtin_list_rules(kind: str) -> ListRules:
    table = builtin_list_paths(kind)

    def rule(path: Path) -> ListRule:
        return metadata_list_rule(path) or table.get(path, ATOMIC)

    return rule
