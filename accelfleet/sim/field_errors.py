"""Field errors rendered exactly as the real API server words them.

kubectl prints the server's message verbatim, and users (and our tests) read it: the wording
``spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1`` and
the aggregation ``Kind.group "name" is invalid: [a, b]`` follow apimachinery's ``field.Error`` and
``errors.NewInvalid``, including Go's way of printing the offending value.

Public: ``FieldError`` (``str()`` is the full line), ``invalid_error(kind, group, name, errors)``,
``field_path(steps)`` (``["spec", "items", 0, "name"]`` -> ``spec.items[0].name``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from accelfleet.sim.api_errors import FieldInvalidError

_LABELS = {
    "FieldValueInvalid": "Invalid value",
    "FieldValueTypeInvalid": "Invalid value",
    "FieldValueRequired": "Required value",
    "FieldValueNotSupported": "Unsupported value",
    "FieldValueForbidden": "Forbidden",
    "FieldValueDuplicate": "Duplicate value",
    "FieldValueTooLong": "Too long",
    "FieldValueTooMany": "Too many",
}
_VALUELESS = {"FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong"}


def go_value(value: Any) -> str:
    """How Go's ``%v``/``%q``/``%#v`` print a decoded JSON value inside a field error."""
    if value is None:
        return '"null"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(k)}:{go_value(v)}" for k, v in value.items())
        return f"map[string]interface {{}}{{{items}}}"
    if isinstance(value, list):
        return f"[]interface {{}}{{{', '.join(go_value(v) for v in value)}}}"
    return str(value)


def field_path(steps: list[str | int]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def quoted_values(values: list[Any]) -> str:
    return ", ".join(json.dumps(v) if isinstance(v, str) else go_value(v) for v in values)


@dataclass(frozen=True)
class FieldError:
    type: str
    field: str
    bad_value: Any = None
    detail: str = ""

    def body(self) -> str:
        label = _LABELS.get(self.type, "Invalid value")
        text = label if self.type in _VALUELESS else f"{label}: {go_value(self.bad_value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}" if self.field else self.body()


def invalid_error(kind: str, group: str, name: str, errors: list[FieldError]) -> FieldInvalidError:
    """The 422 ``Invalid`` Status of ``errors.NewInvalid`` (``details.causes`` one per field)."""
    qualified = f"{kind}.{group}" if group else kind
    if not errors:
        message = f"{qualified} {json.dumps(name)} is invalid"
    elif len(errors) == 1:
        message = f"{qualified} {json.dumps(name)} is invalid: {errors[0]}"
    else:
        message = f"{qualified} {json.dumps(name)} is invalid: [{', '.join(str(e) for e in errors)}]"
    details: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "causes": [{"reason": e.type, "message": e.body(), "field": e.field} for e in errors],
    }
    if group:
        details["group"] = group
    return FieldInvalidError(message, details)
