"""Checks and defaults the real server applies to a CustomResourceDefinition object itself.

A CRD the real server would refuse must be refused here too, or manifests that only work against
the simulator would ship: its schema must be structural (every specified node typed, unless it
preserves unknown fields or is int-or-string; no ``$ref``; an object at the root; ``properties``
and ``additionalProperties`` not both), it needs names and exactly one storage version, and its
``metadata.name`` must be ``<plural>.<group>``, and its CEL rules must compile. After creation the real server fills in defaulted
names and ``status`` (``acceptedNames``, ``Established``/``NamesAccepted`` conditions), which
``kubectl wait --for condition=established`` and helm rely on.

Public: ``check_crd(crd) -> list[FieldError]``, ``crd_invalid_error(crd, errors)``,
``default_crd(crd) -> crd``, ``crd_status(crd, now) -> status``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from accelfleet.sim.api_errors import FieldInvalidError
from accelfleet.sim.crd_cel import rule_compile_errors
from accelfleet.sim.field_errors import FieldError, invalid_error

_SCOPES = ["Cluster", "Namespaced"]
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _structural(node: Any, path: str, errors: list[FieldError], root: bool = False) -> None:
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        errors.append(FieldError("FieldValueForbidden", f"{path}.$ref", detail="$ref is not supported"))
    declared = node.get("type")
    exempt = node.get("x-kubernetes-preserve-unknown-fields") or node.get("x-kubernetes-int-or-string")
    if root and declared != "object":
        errors.append(
            FieldError("FieldValueInvalid", f"{path}.type", declared or "", "must be object at the root")
        )
    elif not declared and not exempt:
        errors.append(
            FieldError(
                "FieldValueRequired", f"{path}.type", detail="must not be empty for specified object fields"
            )
        )
    properties = node.get("properties")
    extra = node.get("additionalProperties")
    if properties and extra not in (None, False):
        errors.append(
            FieldError(
                "FieldValueForbidden",
                f"{path}.additionalProperties",
                detail="additionalProperties and properties are mutual exclusive",
            )
        )
    for name, sub in (properties or {}).items():
        _structural(sub, f"{path}.properties[{name}]", errors)
    if isinstance(extra, dict):
        _structural(extra, f"{path}.additionalProperties", errors)
    if isinstance(node.get("items"), dict):
        _structural(node["items"], f"{path}.items", errors)


def check_crd(crd: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group") or ""
    if not group:
        errors.append(FieldError("FieldValueRequired", "spec.group"))
    for key in ("plural", "kind"):
        if not names.get(key):
            errors.append(FieldError("FieldValueRequired", f"spec.names.{key}"))
    plural = names.get("plural") or ""
    if plural and not _DNS_LABEL.match(plural):
        errors.append(
            FieldError("FieldValueInvalid", "spec.names.plural", plural, "must be a DNS-1035 label")
        )
    name = (crd.get("metadata") or {}).get("name", "")
    if plural and group and name != f"{plural}.{group}":
        errors.append(
            FieldError("FieldValueInvalid", "metadata.name", name, 'must be spec.names.plural+"."+spec.group')
        )
    if spec.get("scope") not in _SCOPES:
        supported = ", ".join(f'"{s}"' for s in _SCOPES)
        errors.append(
            FieldError(
                "FieldValueNotSupported",
                "spec.scope",
                spec.get("scope", ""),
                f"supported values: {supported}",
            )
        )
    versions = spec.get("versions") or []
    if not versions:
        errors.append(
            FieldError("FieldValueInvalid", "spec.versions", versions, "must have exactly one version")
        )
    elif sum(1 for v in versions if v.get("storage")) != 1:
        errors.append(
            FieldError(
                "FieldValueInvalid",
                "spec.versions",
                [v.get("name") for v in versions],
                "must have exactly one version marked as storage version",
            )
        )
    for index, version in enumerate(versions):
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        path = f"spec.versions[{index}].schema.openAPIV3Schema"
        if not isinstance(schema, dict):
            errors.append(FieldError("FieldValueRequired", path, detail="schemas are required"))
        else:
            _structural(schema, path, errors, root=True)
            errors.extend(rule_compile_errors(schema, path))
    return errors


def crd_invalid_error(crd: dict[str, Any], errors: list[FieldError]) -> FieldInvalidError:
    name = str((crd.get("metadata") or {}).get("name", ""))
    return invalid_error("CustomResourceDefinition", "apiextensions.k8s.io", name, errors)


def default_crd(crd: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(crd)
    spec = result.setdefault("spec", {})
    names = spec.setdefault("names", {})
    kind = str(names.get("kind", ""))
    names.setdefault("singular", kind.lower())
    names.setdefault("listKind", f"{kind}List")
    spec.setdefault("conversion", {"strategy": "None"})
    return result


def crd_status(crd: dict[str, Any], now: str) -> dict[str, Any]:
    """What the real CRD controllers write once the names are free and the resource is served."""
    spec = crd.get("spec") or {}
    conditions = [
        {
            "type": "NamesAccepted",
            "status": "True",
            "reason": "NoConflicts",
            "message": "no conflicts found",
            "lastTransitionTime": now,
        },
        {
            "type": "Established",
            "status": "True",
            "reason": "InitialNamesAccepted",
            "message": "the initial names have been accepted",
            "lastTransitionTime": now,
        },
    ]
    return {
        "acceptedNames": copy.deepcopy(spec.get("names") or {}),
        "conditions": conditions,
        "storedVersions": [v["name"] for v in spec.get("versions") or [] if v.get("storage")],
    }
