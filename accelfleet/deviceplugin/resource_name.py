"""The kubelet's rule for an extended resource name (``IsExtendedResourceName``).

A plugin registering a name the kubelet rejects gets an opaque error back; checking first lets the
plugin log a precise reason and avoid retrying a registration that can never succeed.
"""

from __future__ import annotations

import re

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_MAX_PREFIX = 253
_MAX_NAME_PART = 63


def resource_name_problem(name: str) -> str | None:
    """Why the kubelet would refuse ``name`` as a device-plugin resource, or None if it accepts it."""
    if "/" not in name:
        return f"resource name {name!r} has no domain prefix (expected e.g. 'vendor.com/card')"
    if "kubernetes.io/" in name:
        return f"resource name {name!r} is in the reserved kubernetes.io namespace"
    if name.startswith("requests."):
        return f"resource name {name!r} must not start with 'requests.'"
    prefix, _, part = ("requests." + name).partition("/")
    if "/" in part:
        return f"resource name {name!r} has more than one '/'"
    if len(prefix) > _MAX_PREFIX or not _DNS_SUBDOMAIN.match(prefix):
        return f"resource name {name!r} must have a lower-case DNS subdomain before '/'"
    if len(part) > _MAX_NAME_PART or not _QUALIFIED_NAME_PART.match(part):
        return (
            f"resource name {name!r} must end in at most 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return None
