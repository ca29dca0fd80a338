"""The PATCH verb's four body formats, as the API server applies them.

Content types map to ``patch_type`` as follows: ``application/json-patch+json`` -> "json" (RFC 6902,
by the ``jsonpatch`` library), ``application/merge-patch+json`` -> "merge" (RFC 7386, written here:
it is a few lines), ``application/strategic-merge-patch+json`` -> "strategic" (``strategic_merge``;
refused with 415 for custom resources, exactly like the real server, so kubectl users are told to
pick ``--type merge``), and ``application/apply-patch+yaml`` -> server-side apply
(``server_side_apply``, which also needs the field manager and ``force``).

Public: ``apply_patch(current, patch, patch_type, kind, *, custom=False, rules=None)``,
``server_side_apply(...)`` and ``record_update(...)`` (re-exported from ``server_side_apply``),
``PATCH_CONTENT_TYPES`` (content type -> patch type, "apply" for server-side apply).
Errors raised: ``BadRequestError`` (400), ``FieldInvalidError`` (422: a JSON patch that cannot be
applied), ``UnsupportedMediaTypeError`` (415), ``ApplyConflictError`` (409).
"""

from __future__ import annotations

import copy
from typing import Any, Literal

import jsonpatch

from accelfleet.sim.api_errors import BadRequestError, FieldInvalidError, UnsupportedMediaTypeError
from accelfleet.sim.merge_rules import ListRules, builtin_list_rules
from accelfleet.sim.server_side_apply import record_update, server_side_apply
from accelfleet.sim.strategic_merge import strategic_merge

__all__ = ["PATCH_CONTENT_TYPES", "apply_patch", "record_update", "server_side_apply"]

PatchType = Literal["json", "merge", "strategic"]

PATCH_CONTENT_TYPES: dict[str, str] = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply",
}

_CUSTOM_RESOURCE_PATCH_TYPES = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces. ``target`` is
    merged into in place (callers pass their own copy), so a patch costs its size, not the object's."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _json_patch(current: dict[str, Any], patch: object) -> dict[str, Any]:
    if not isinstance(patch, list):
        raise BadRequestError("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    try:
        patched = jsonpatch.JsonPatch(patch).apply(current, in_place=True)
    except jsonpatch.InvalidJsonPatch as err:
        raise BadRequestError(str(err)) from err
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as err:
        raise FieldInvalidError(str(err)) from err
    if not isinstance(patched, dict):
        raise FieldInvalidError("the patched document is not an object")
    return patched


def apply_patch(
    current: dict[str, Any],
    patch: object,
    patch_type: PatchType,
    kind: str,
    *,
    custom: bool = False,
    rules: ListRules | None = None,
) -> dict[str, Any]:
    """Return ``current`` patched; ``custom`` marks a custom resource (no strategic merge).

    ``current`` is consumed (JSON and merge patches change it in place): pass a copy you own.
    """
    if patch_type == "json":
        return _json_patch(current, patch)
    if patch_type == "merge":
        if not isinstance(patch, dict):
            raise BadRequestError("json: cannot unmarshal a non-object into a merge patch")
        patched: dict[str, Any] = merge_patch(current, patch)
        return patched
    if custom:
        raise UnsupportedMediaTypeError(_CUSTOM_RESOURCE_PATCH_TYPES)
    return strategic_merge(current, patch, rules or builtin_list_rules(kind))
