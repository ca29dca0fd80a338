"""Splitting a REST path into what it addresses; pure, so every path shape is unit-tested."""

from __future__ import annotations

from dataclasses import dataclass

_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


@dataclass(frozen=True)
class ResourcePath:
    """``/apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]`` (group "" = core)."""

    group: str
    version: str
    plural: str | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None


@dataclass(frozen=True)
class GroupPath:
    """``/apis/{group}``: the APIGroup document."""

    group: str


def parse_path(path: str) -> ResourcePath | GroupPath | None:
    """None when the path is not under ``/api`` or ``/apis`` or has too many segments."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) == 2 and parts[0] == "apis":
        return GroupPath(parts[1])
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return ResourcePath(group, version)
    if (
        rest[0] == "namespaces"
        and len(rest) >= 3
        and not (len(rest) == 3 and rest[2] in _NAMESPACE_SUBRESOURCES)
    ):
        namespace, rest = rest[1], rest[2:]
        if len(rest) > 3:
            return None
        return ResourcePath(group, version, rest[0], namespace, *rest[1:])
    if len(rest) > 3:
        return None
    return ResourcePath(group, version, rest[0], None, *rest[1:])
