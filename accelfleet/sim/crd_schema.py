"""A CRD version's ``openAPIV3Schema`` applied to custom resources as the real API server does.

On every write the real server prunes fields the schema does not declare, applies ``default``
values (also inside objects that are present, and in place of a ``null`` the schema does not allow),
then validates and answers 422 with one cause per field. Validation uses the ``jsonschema`` library
(draft 4, the dialect OpenAPI v3.0 builds on) after translating the Kubernetes extensions
(``nullable``, ``x-kubernetes-int-or-string``, ``x-kubernetes-preserve-unknown-fields``,
``x-kubernetes-embedded-resource``, formats such as int32/int64/date-time); pruning, defaulting and
the translation of each library error into the real server's wording are written here.
``x-kubernetes-validations`` (CEL rules) are evaluated by ``crd_cel`` once the schema itself holds.

Public: ``compile_schema(openapi_v3_schema) -> CompiledSchema`` with ``prune(obj) -> (obj,
unknown_paths)``, ``default(obj) -> obj``, ``validate(obj) -> list[FieldError]``, ``list_rules``
(for server-side apply) and ``admit(obj, kind, group) -> (obj, unknown_paths)`` (all three steps,
raising the 422 ``FieldInvalidError``); ``version_schema(crd, version)``;
``strict_decoding_error(unknown_paths)`` (the 400 of ``fieldValidation=Strict``) and
``unknown_field_warnings(unknown_paths)`` (``fieldValidation=Warn``).
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from accelfleet.sim.api_errors import BadRequestError
from accelfleet.sim.crd_cel import CelRules, compile_rules
from accelfleet.sim.field_errors import FieldError, field_path, invalid_error, quoted_values
from accelfleet.sim.merge_rules import ATOMIC, SET, ListRule, Path, metadata_list_rule

Schema = dict[str, Any]

_EMBEDDED_KEYS = ("apiVersion", "kind", "metadata")
_PRESERVE = "x-kubernetes-preserve-unknown-fields"
_INT_OR_STRING = "x-kubernetes-int-or-string"
_COPIED_KEYWORDS = (
    "required",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "minProperties",
    "maxProperties",
    "format",
)
_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}

_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("int32")
def _is_int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@_FORMATS.checks("int64")
def _is_int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return "T" in value.upper()


@_FORMATS.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


@_FORMATS.checks("byte")
def _is_byte(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except ValueError:
        return False
    return True


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "object")


def _translate(node: Any) -> Any:
    """Kubernetes structural schema -> plain draft-4 JSON schema for the validator."""
    if not isinstance(node, dict):
        return node
    out: Schema = {key: node[key] for key in _COPIED_KEYWORDS if key in node}
    declared = node.get("type")
    types: list[str] = ["integer", "string"] if node.get(_INT_OR_STRING) else [declared] if declared else []
    if types and node.get("nullable"):
        types.append("null")
    if types:
        out["type"] = types if len(types) > 1 else types[0]
    if "enum" in node:
        out["enum"] = [*node["enum"], None] if node.get("nullable") else node["enum"]
    if "properties" in node:
        out["properties"] = {name: _translate(sub) for name, sub in node["properties"].items()}
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = _translate(node["additionalProperties"])
    if isinstance(node.get("items"), dict):
        out["items"] = _translate(node["items"])
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in node:
            out[combinator] = [_translate(sub) for sub in node[combinator]]
    if "not" in node:
        out["not"] = _translate(node["not"])
    return out


def _in_body(field: str) -> str:
    return f"{field} in body" if field else "body"


def _field_errors(error: ValidationError) -> list[FieldError]:
    path = list(error.absolute_path)
    field = field_path(path)
    keyword = str(error.validator)
    limit: Any = error.validator_value
    value: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "required":
        missing = [name for name in limit if isinstance(value, dict) and name not in value]
        return [FieldError("FieldValueRequired", field_path([*path, name])) for name in missing]
    if keyword == "type":
        wanted = limit[0] if isinstance(limit, list) else limit
        actual = _json_type(value)
        detail = f"{_in_body(field)} must be of type {wanted}: {quoted_values([actual])}"
        return [FieldError("FieldValueTypeInvalid", field, actual, detail)]
    if keyword == "enum":
        supported = [v for v in limit if v is not None]
        return [
            FieldError(
                "FieldValueNotSupported", field, value, f"supported values: {quoted_values(supported)}"
            )
        ]
    if keyword == "format":
        detail = f"{_in_body(field)} must be of type {limit}: {quoted_values([value])}"
        return [FieldError("FieldValueInvalid", field, value, detail)]
    detail, bad = _limit_detail(keyword, limit, value, schema)
    return [FieldError("FieldValueInvalid", field, bad, f"{_in_body(field)} {detail}")]


def _limit_detail(keyword: str, limit: Any, value: Any, schema: Schema) -> tuple[str, Any]:
    """The kube-openapi sentence for a failed limit, and the value the server reports with it."""
    if keyword == "minimum":
        strict = schema.get("exclusiveMinimum") is True
        return (f"should be greater than {'' if strict else 'or equal to '}{limit}", value)
    if keyword == "maximum":
        strict = schema.get("exclusiveMaximum") is True
        return (f"should be less than {'' if strict else 'or equal to '}{limit}", value)
    sentences = {
        "minLength": (f"should be at least {limit} chars long", value),
        "maxLength": (f"should be at most {limit} chars long", value),
        "pattern": (f"should match '{limit}'", value),
        "minItems": (f"should have at least {limit} items", len(value) if isinstance(value, list) else value),
        "maxItems": (f"should have at most {limit} items", len(value) if isinstance(value, list) else value),
        "uniqueItems": ("shouldn't contain duplicates", value),
        "multipleOf": (f"should be a multiple of {limit}", value),
        "minProperties": (f"should have at least {limit} properties", value),
        "maxProperties": (f"should have at most {limit} properties", value),
    }
    return sentences.get(keyword, (f"failed {keyword} validation", value))


@dataclass(frozen=True)
class CompiledSchema:
    schema: Schema
    validator: jsonschema.Draft4Validator
    rules: CelRules

    def prune(self, obj: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Drop undeclared fields (as the server stores them); return the object and the dropped paths."""
        pruned = copy.deepcopy(obj)
        unknown: list[str] = []
        _prune(pruned, self.schema, [], unknown, skip=_EMBEDDED_KEYS)
        return pruned, unknown

    def default(self, obj: dict[str, Any]) -> dict[str, Any]:
        defaulted = copy.deepcopy(obj)
        _default(defaulted, self.schema)
        return defaulted

    def validate(self, obj: dict[str, Any]) -> list[FieldError]:
        body = {k: v for k, v in obj.items() if k not in _EMBEDDED_KEYS}
        errors: list[FieldError] = []
        for error in self.validator.iter_errors(body):
            errors.extend(e for e in _field_errors(error) if e not in errors)
        if not errors:
            # Like the real server, rules relating fields only run on values of the declared shapes.
            errors = self.rules.validate(body)
        return sorted(errors, key=lambda e: e.field)

    def admit(self, obj: dict[str, Any], kind: str, group: str) -> tuple[dict[str, Any], list[str]]:
        pruned, unknown = self.prune(obj)
        defaulted = self.default(pruned)
        errors = self.validate(defaulted)
        if errors:
            name = str((obj.get("metadata") or {}).get("name", ""))
            raise invalid_error(kind, group, name, errors)
        return defaulted, unknown

    def list_rules(self, path: Path) -> ListRule:
        """How the list at ``path`` merges for server-side apply (``x-kubernetes-list-type``)."""
        rule = metadata_list_rule(path)
        if rule is not None:
            return rule
        node = _schema_at(self.schema, path)
        list_type = node.get("x-kubernetes-list-type") if node else None
        if list_type == "map":
            return ListRule("map", tuple(node.get("x-kubernetes-list-map-keys") or ())) if node else ATOMIC
        if list_type == "set":
            return SET
        return ATOMIC


def _schema_at(schema: Schema, path: Path) -> Schema | None:
    node: Schema | None = schema
    for name in path:
        while node is not None and node.get("type") == "array" and isinstance(node.get("items"), dict):
            node = node["items"]
        if node is None:
            return None
        properties = node.get("properties") or {}
        extra = node.get("additionalProperties")
        node = properties.get(name) or (extra if isinstance(extra, dict) else None)
    return node


def _prune(
    value: Any, schema: Schema, path: list[str | int], unknown: list[str], skip: tuple[str, ...]
) -> None:
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        preserve = bool(schema.get(_PRESERVE)) or extra is True
        embedded = _EMBEDDED_KEYS if schema.get("x-kubernetes-embedded-resource") else ()
        for key in list(value):
            if key in skip or key in embedded:
                continue
            sub = properties.get(key) or (extra if isinstance(extra, dict) else None)
            if sub is not None:
                _prune(value[key], sub, [*path, key], unknown, ())
            elif not preserve:
                del value[key]
                unknown.append(field_path([*path, key]))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _prune(item, schema["items"], [*path, index], unknown, ())


def _default(value: Any, schema: Schema) -> None:
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for name, sub in properties.items():
            if "default" not in sub:
                continue
            if name not in value or (value[name] is None and not sub.get("nullable")):
                value[name] = copy.deepcopy(sub["default"])
        extra = schema.get("additionalProperties")
        for key, child in value.items():
            sub = properties.get(key) or (extra if isinstance(extra, dict) else None)
            if sub is not None:
                _default(child, sub)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(item, schema["items"])


def compile_schema(openapi_v3_schema: Schema) -> CompiledSchema:
    return CompiledSchema(
        openapi_v3_schema,
        jsonschema.Draft4Validator(_translate(openapi_v3_schema), format_checker=_FORMATS),
        compile_rules(openapi_v3_schema),
    )


def version_schema(crd: dict[str, Any], version: str) -> Schema | None:
    for entry in (crd.get("spec") or {}).get("versions") or []:
        if entry.get("name") == version:
            schema = (entry.get("schema") or {}).get("openAPIV3Schema")
            return schema if isinstance(schema, dict) else None
    return None


def strict_decoding_error(unknown_paths: list[str]) -> BadRequestError:
    """What ``fieldValidation=Strict`` (kubectl's default) answers for undeclared fields."""
    fields = ", ".join(f'unknown field "{path}"' for path in unknown_paths)
    return BadRequestError(f"strict decoding error: {fields}")


def unknown_field_warnings(unknown_paths: list[str]) -> list[str]:
    """The ``Warning`` headers of ``fieldValidation=Warn``."""
    return [f'unknown field "{path}"' for path in unknown_paths]
