"""CRD validation rules (``x-kubernetes-validations``, CEL) evaluated as the real server does.

Schemas say what a field may hold; CEL rules say how fields relate (``gang.minAvailable <=
replicas``). The real server evaluates each rule with ``self`` bound to the value of the schema node
that carries it and refuses the write with 422 when a rule yields false, naming ``fieldPath`` (or the
node) and the rule's ``message`` (default ``failed rule: <rule>``), with the rule's ``reason`` as the
cause type. Expressions are evaluated by the ``common-expression-language`` library. Transition rules
(those reading ``oldSelf``) need the previous object and are not evaluated here.

Public: ``CelRules`` (``validate(obj) -> list[FieldError]``), ``compile_rules(schema) -> CelRules``,
``rule_compile_errors(schema, path) -> list[FieldError]`` (for checking a CRD when it is created).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cel

from accelfleet.sim.field_errors import FieldError, field_path

Schema = dict[str, Any]
_RULES = "x-kubernetes-validations"


def _rule_paths(node: Any, path: str) -> list[tuple[str, Schema]]:
    """Every node carrying rules, with its path in the schema (for error messages)."""
    if not isinstance(node, dict):
        return []
    found = [(path, node)] if node.get(_RULES) else []
    for name, sub in (node.get("properties") or {}).items():
        found += _rule_paths(sub, f"{path}.properties[{name}]")
    for key in ("items", "additionalProperties"):
        found += _rule_paths(node.get(key), f"{path}.{key}")
    return found


def rule_compile_errors(schema: Schema, path: str) -> list[FieldError]:
    errors = []
    for node_path, node in _rule_paths(schema, path):
        for index, rule in enumerate(node[_RULES]):
            try:
                cel.compile(str(rule.get("rule", "")))
            except ValueError as err:
                detail = f"compilation failed: {str(err).splitlines()[0]}"
                errors.append(
                    FieldError("FieldValueInvalid", f"{node_path}.{_RULES}[{index}].rule", rule, detail)
                )
    return errors


def _steps(relative: str) -> list[str | int]:
    """``.gang.minAvailable`` or ``.items[0]`` -> path steps."""
    steps: list[str | int] = []
    for part in relative.replace("[", ".[").split("."):
        if not part:
            continue
        inner = part.strip("[]'\"")
        steps.append(int(inner) if part.startswith("[") and inner.isdigit() else inner)
    return steps


@dataclass
class CelRules:
    schema: Schema
    programs: dict[str, Any]

    def validate(self, obj: dict[str, Any]) -> list[FieldError]:
        errors: list[FieldError] = []
        self._walk(obj, self.schema, [], errors)
        return errors

    def _walk(self, value: Any, schema: Schema, path: list[str | int], errors: list[FieldError]) -> None:
        if value is None or not isinstance(schema, dict):
            return
        for rule in schema.get(_RULES) or []:
            program = self.programs.get(str(rule.get("rule", "")))
            if program is not None:
                errors.extend(_evaluate(program, rule, value, schema, path))
        if isinstance(value, dict):
            properties = schema.get("properties") or {}
            extra = schema.get("additionalProperties")
            for key, child in value.items():
                sub = properties.get(key) or (extra if isinstance(extra, dict) else None)
                if sub is not None:
                    self._walk(child, sub, [*path, key], errors)
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                self._walk(item, schema["items"], [*path, index], errors)


def _evaluate(
    program: Any, rule: Schema, value: Any, schema: Schema, path: list[str | int]
) -> list[FieldError]:
    text = str(rule.get("rule", ""))
    target = field_path([*path, *_steps(str(rule.get("fieldPath") or ""))])
    node_type = str(schema.get("type", ""))
    try:
        result = program.execute({"self": value})
    except KeyError as err:
        return [
            FieldError(
                "FieldValueInvalid", target, node_type, f"no such key: {err.args[0]} evaluating rule: {text}"
            )
        ]
    except (ValueError, TypeError, RuntimeError) as err:
        return [FieldError("FieldValueInvalid", target, node_type, f"{err} evaluating rule: {text}")]
    if result is True:
        return []
    message = str(rule.get("message") or "").strip() or f"failed rule: {text}"
    reason = str(rule.get("reason") or "FieldValueInvalid")
    if reason in ("FieldValueForbidden", "FieldValueRequired"):
        return [FieldError(reason, target, detail=message)]
    return [FieldError(reason, target, node_type, message)]


def compile_rules(schema: Schema) -> CelRules:
    """Compile every rule once; rules reading ``oldSelf`` or failing to compile are left out."""
    programs: dict[str, Any] = {}
    for _, node in _rule_paths(schema, ""):
        for rule in node[_RULES]:
            text = str(rule.get("rule", ""))
            if "oldSelf" in text or text in programs:
                continue
            try:
                programs[text] = cel.compile(text)
            except ValueError:
                continue
    return CelRules(schema, programs)
