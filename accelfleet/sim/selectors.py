"""Label and field selectors in the syntax kubectl and client libraries send.

Parsing happens once per request; the parsed selector is a plain tuple of requirements that is then
matched against many objects, so a list of thousands of pods costs one parse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from accelfleet.sim.store import BadRequestError, Object

Operator = Literal["=", "!=", "in", "notin", "exists", "!exists"]

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_SET_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^)]*)\)\s*$")
_EQ_RE = re.compile(rf"^\s*(?P<key>{_KEY})\s*(?P<op>==|!=|=)\s*(?P<value>[^=!,\s]*)\s*$")
_EXISTS_RE = re.compile(rf"^\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*$")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: Operator
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!exists":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        return not present or labels[self.key] not in self.values


LabelSelector = tuple[Requirement, ...]


def _split_top_level(selector: str) -> list[str]:
    """Splits on commas that are not inside ``( )`` of a set-based requirement."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def parse_label_selector(selector: str | None) -> LabelSelector:
    """Raises BadRequestError with the server's wording for a malformed selector."""
    if not selector or not selector.strip():
        return ()
    requirements: list[Requirement] = []
    for part in _split_top_level(selector):
        if match := _SET_RE.match(part):
            values = frozenset(v.strip() for v in match["values"].split(",") if v.strip())
            op: Operator = "in" if match["op"] == "in" else "notin"
            requirements.append(Requirement(match["key"], op, values))
        elif match := _EQ_RE.match(part):
            eq_op: Operator = "!=" if match["op"] == "!=" else "="
            requirements.append(Requirement(match["key"], eq_op, frozenset([match["value"]])))
        elif match := _EXISTS_RE.match(part):
            exists_op: Operator = "!exists" if match["neg"] else "exists"
            requirements.append(Requirement(match["key"], exists_op, frozenset()))
        else:
            raise BadRequestError(f"unable to parse requirement: {part.strip()!r}")
    return tuple(requirements)


def labels_match(selector: LabelSelector, obj: Object) -> bool:
    labels: Mapping[str, str] = obj.get("metadata", {}).get("labels") or {}
    return all(requirement.matches(labels) for requirement in selector)


@dataclass(frozen=True)
class FieldRequirement:
    path: tuple[str, ...]
    equal: bool
    value: str


FieldSelector = tuple[FieldRequirement, ...]

_COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
_FIELDS_BY_KIND: dict[str, frozenset[str]] = {
    "Pod": frozenset(
        {
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        }
    ),
    "Event": frozenset(
        {
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "regarding.kind",
            "regarding.namespace",
            "regarding.name",
            "regarding.uid",
        }
    ),
    "Node": frozenset({"spec.unschedulable"}),
    "Namespace": frozenset({"status.phase"}),
    "Secret": frozenset({"type"}),
    "ReplicaSet": frozenset({"status.replicas"}),
    "Job": frozenset({"status.successful"}),
}


def parse_field_selector(selector: str | None, kind: str) -> FieldSelector:
    """Only the fields the real server indexes for ``kind`` are accepted, as it does (400 otherwise)."""
    if not selector or not selector.strip():
        return ()
    allowed = _COMMON_FIELDS | _FIELDS_BY_KIND.get(kind, frozenset())
    requirements: list[FieldRequirement] = []
    for part in selector.split(","):
        if not part.strip():
            continue
        if "!=" in part:
            field, value = part.split("!=", 1)
            equal = False
        elif "==" in part:
            field, value = part.split("==", 1)
            equal = True
        elif "=" in part:
            field, value = part.split("=", 1)
            equal = True
        else:
            raise BadRequestError(f"invalid selector: '{selector}'; can't understand '{part}'")
        field = field.strip()
        if field not in allowed:
            raise BadRequestError(f'field label not supported: "{field}"')
        requirements.append(FieldRequirement(tuple(field.split(".")), equal, value.strip()))
    return tuple(requirements)


def field_value(obj: Object, path: tuple[str, ...]) -> str:
    """The string form the real server compares against; a missing field reads as ``""``."""
    current: Any = obj
    for key in path:
        if not isinstance(current, dict):
            return ""
        current = current.get(key)
    if current is None:
        return ""
    if isinstance(current, bool):
        return "true" if current else "false"
    if isinstance(current, dict):
        return str(current.get("component", ""))
    return str(current)


def fields_match(selector: FieldSelector, obj: Object) -> bool:
    return all((field_value(obj, req.path) == req.value) == req.equal for req in selector)


@dataclass(frozen=True)
class Selection:
    """A parsed namespace + label + field filter, applied to every candidate object."""

    namespace: str | None = None
    labels: LabelSelector = ()
    fields: FieldSelector = ()

    def matches(self, obj: Object) -> bool:
        metadata = obj.get("metadata", {})
        if self.namespace is not None and metadata.get("namespace") != self.namespace:
            return False
        return labels_match(self.labels, obj) and fields_match(self.fields, obj)

    def single_name(self) -> str | None:
        """The name pinned by ``metadata.name=X``, which lets a list skip scanning every object."""
        for req in self.fields:
            if req.equal and req.path == ("metadata", "name"):
                return req.value
        return None


def make_selection(
    kind: str, namespace: str | None, label_selector: str | None, field_selector: str | None
) -> Selection:
    return Selection(
        namespace=namespace or None,
        labels=parse_label_selector(label_selector),
        fields=parse_field_selector(field_selector, kind),
    )
