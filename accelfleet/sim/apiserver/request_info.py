"""What a request asks to do, in RBAC's terms: apiserver's ``RequestInfoFactory`` over a path and query.

Pure, so every mapping is unit-tested: a wrong verb here would grant or refuse what a real server
would not, and a chart's roles would be judged against the wrong thing.
"""

from __future__ import annotations

from collections.abc import Mapping

from accelfleet.sim.rbac import Attributes

_VERBS = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}
# Paths below a namespace that belong to the Namespace object itself, not to a resource in it.
_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
# What the server itself takes for a watch (app.py ``_flag``), so RBAC checks what is served.
_TRUE = frozenset({"1", "true"})


def request_attributes(method: str, path: str, query: Mapping[str, str]) -> Attributes:
    """Resource requests are ``/api/v1/...`` and ``/apis/{group}/{version}/...`` naming a resource;
    everything else (discovery included) is a non-resource request whose verb is the HTTP method."""
    parts = [p for p in path.split("/") if p]
    non_resource = Attributes(verb=method.lower(), resource_request=False, path=path)
    if len(parts) < 3 or parts[0] not in ("api", "apis"):
        return non_resource
    rest = parts[1:]
    group = ""
    if parts[0] == "apis":
        if len(rest) < 3:
            return non_resource
        group, rest = rest[0], rest[1:]
    version, rest = rest[0], rest[1:]
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    verb = _VERBS.get(method.upper(), "")
    if not name and verb == "get":
        verb = "watch" if query.get("watch", "").lower() in _TRUE else "list"
        name = _exact_name(query.get("fieldSelector", ""))
    elif not name and verb == "delete":
        verb = "deletecollection"
    return Attributes(
        verb=verb,
        api_group=group,
        api_version=version,
        resource=resource,
        subresource=subresource,
        namespace=namespace,
        name=name,
    )


def _exact_name(field_selector: str) -> str:
    """A list or watch pinned to one name (``metadata.name=x``) is authorized as that name, so a
    rule with resourceNames can grant it."""
    for term in field_selector.split(","):
        key, sep, value = term.partition("==") if "==" in term else term.partition("=")
        if sep and not key.endswith("!") and key.strip() == "metadata.name":
            return value.strip()
    return ""
