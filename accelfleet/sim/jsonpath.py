"""The JSONPath subset CRD printer columns use, evaluated like Kubernetes' ``util/jsonpath``.

Printer columns are written as ``.spec.replicas``, ``.status.conditions[?(@.type=="Ready")].status``,
``.spec.items[0].name``, ``.spec.items[*].name`` or ``.metadata.labels['app.kubernetes.io/name']``.
Evaluation yields every match in order; a printer column shows the first.

Public: ``parse(expression) -> list[Step]`` (raises ValueError), ``find(value, steps) -> list``,
``first(value, expression) -> value | None``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_FILTER = re.compile(r"^\?\(@((?:\.[\w.-]+)*)\s*(?:(==|!=)\s*(.+?))?\)$")


@dataclass(frozen=True)
class Step:
    """One path step: a field, an index, every element, or a filter over elements."""

    kind: str  # "field" | "index" | "all" | "filter"
    name: str = ""
    index: int = 0
    filter_path: tuple[str, ...] = ()
    operator: str = ""
    operand: Any = None


def _bracket(inner: str) -> Step:
    inner = inner.strip()
    if inner == "*":
        return Step("all")
    if re.fullmatch(r"-?\d+", inner):
        return Step("index", index=int(inner))
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
        return Step("field", name=inner[1:-1])
    match = _FILTER.match(inner)
    if match is None:
        raise ValueError(f"unsupported JSONPath element [{inner}]")
    path = tuple(p for p in match.group(1).split(".") if p)
    operand: Any = None
    if match.group(2):
        raw = match.group(3).strip()
        operand = raw[1:-1] if raw[:1] in "'\"" else json.loads(raw)
    return Step("filter", filter_path=path, operator=match.group(2) or "", operand=operand)


def parse(expression: str) -> list[Step]:
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    text = text.removeprefix("$")
    steps: list[Step] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == ".":
            match = re.match(r"\.([^.\[]*)", text[position:])
            assert match is not None
            if match.group(1):
                steps.append(Step("all") if match.group(1) == "*" else Step("field", name=match.group(1)))
            position += match.end()
        elif char == "[":
            depth, end = 0, position
            for end in range(position, len(text)):
                depth += {"[": 1, "]": -1}.get(text[end], 0)
                if depth == 0:
                    break
            if depth != 0:
                raise ValueError(f"unclosed [ in JSONPath {expression!r}")
            steps.append(_bracket(text[position + 1 : end]))
            position = end + 1
        else:
            raise ValueError(f"unexpected {char!r} in JSONPath {expression!r}")
    return steps


def _lookup(value: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    for name in path:
        if not isinstance(value, dict) or name not in value:
            return False, None
        value = value[name]
    return True, value


def _matches(item: Any, step: Step) -> bool:
    found, value = _lookup(item, step.filter_path)
    if not step.operator:
        return found
    if step.operator == "==":
        return found and value == step.operand
    return not found or value != step.operand


def find(value: Any, steps: list[Step]) -> list[Any]:
    current = [value]
    for step in steps:
        following: list[Any] = []
        for node in current:
            if step.kind == "field" and isinstance(node, dict) and step.name in node:
                following.append(node[step.name])
            elif step.kind == "index" and isinstance(node, list) and -len(node) <= step.index < len(node):
                following.append(node[step.index])
            elif step.kind == "all":
                following.extend(
                    node if isinstance(node, list) else node.values() if isinstance(node, dict) else []
                )
            elif step.kind == "filter" and isinstance(node, list):
                following.extend(item for item in node if _matches(item, step))
        current = following
    return current


def first(value: Any, expression: str) -> Any:
    results = find(value, parse(expression))
    return results[0] if results else None
