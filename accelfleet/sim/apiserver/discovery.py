"""Discovery documents: the legacy per-group documents and the aggregated v2 list kubectl 1.33 asks for.

Pure functions of the registry's served types, rebuilt per request (a few dozen types: cheap), so a
CRD is discoverable the moment it is established.
"""

from __future__ import annotations

from typing import Any

from accelfleet.sim.registry import Registry, ServedType

_SUBRESOURCE_VERBS = ("get", "patch", "update")


def _group_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_entry(group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": _group_version(group, v), "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(registry: Registry) -> dict[str, Any]:
    groups = [_group_entry(g, versions) for g, versions in registry.groups() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    for name, versions in registry.groups():
        if name == group and group:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, versions)}
    return None


def _subresource_entries(served: ServedType) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(name, group, kind, verbs) of each subresource, as the real server lists them."""
    result: list[tuple[str, str, str, tuple[str, ...]]] = []
    for sub in sorted(served.subresources):
        if sub == "binding":
            result.append((sub, "", "Binding", ("create",)))
        elif sub == "eviction":
            result.append((sub, "policy", "Eviction", ("create",)))
        elif sub == "token":
            result.append((sub, "authentication.k8s.io", "TokenRequest", ("create",)))
        elif sub == "finalize":
            result.append((sub, "", served.rtype.kind, ("update",)))
        elif sub == "scale":
            result.append((sub, "autoscaling", "Scale", _SUBRESOURCE_VERBS))
        else:
            result.append((sub, served.rtype.group, served.rtype.kind, _SUBRESOURCE_VERBS))
    return result


def api_resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    served_types = registry.in_group_version(group, version)
    if not served_types:
        return None
    resources: list[dict[str, Any]] = []
    for served in sorted(served_types, key=lambda s: s.rtype.plural):
        rtype = served.rtype
        entry: dict[str, Any] = {
            "name": rtype.plural,
            "singularName": served.singular,
            "namespaced": rtype.namespaced,
            "kind": rtype.kind,
            "verbs": list(served.verbs),
        }
        if served.short_names:
            entry["shortNames"] = list(served.short_names)
        if served.categories:
            entry["categories"] = list(served.categories)
        resources.append(entry)
        for sub, sub_group, sub_kind, verbs in _subresource_entries(served):
            sub_entry: dict[str, Any] = {
                "name": f"{rtype.plural}/{sub}",
                "singularName": "",
                "namespaced": rtype.namespaced,
                "kind": sub_kind,
                "verbs": list(verbs),
            }
            if sub_group != rtype.group:
                sub_entry["group"] = sub_group
                sub_entry["version"] = "v1"
            resources.append(sub_entry)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": _group_version(group, version),
        "resources": resources,
    }


def _aggregated_resource(served: ServedType) -> dict[str, Any]:
    rtype = served.rtype
    entry: dict[str, Any] = {
        "resource": rtype.plural,
        "responseKind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
        "scope": "Namespaced" if rtype.namespaced else "Cluster",
        "singularResource": served.singular,
        "verbs": list(served.verbs),
    }
    if served.short_names:
        entry["shortNames"] = list(served.short_names)
    if served.categories:
        entry["categories"] = list(served.categories)
    subresources = [
        {
            "subresource": sub,
            "responseKind": {
                "group": sub_group,
                "version": "v1" if sub_group != rtype.group else rtype.version,
                "kind": sub_kind,
            },
            "verbs": list(verbs),
        }
        for sub, sub_group, sub_kind, verbs in _subresource_entries(served)
    ]
    if subresources:
        entry["subresources"] = subresources
    return entry


def aggregated_discovery(registry: Registry, *, core: bool) -> dict[str, Any]:
    """``/api`` (core=True) or ``/apis`` as an apidiscovery.k8s.io/v2 APIGroupDiscoveryList."""
    items = []
    for group, versions in registry.groups():
        if bool(group) == core:
            continue
        version_entries = []
        for version in versions:
            served_types = sorted(registry.in_group_version(group, version), key=lambda s: s.rtype.plural)
            version_entries.append(
                {
                    "version": version,
                    "resources": [_aggregated_resource(s) for s in served_types],
                    "freshness": "Current",
                }
            )
        items.append({"metadata": {"name": group, "creationTimestamp": None}, "versions": version_entries})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }
