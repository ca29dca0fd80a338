"""docs/reference.md, generated from the same models the CRDs are generated from.

The reference walks each CRD's OpenAPI schema, so a field's type, default, bounds and description in
the docs are exactly what the API server enforces. ``python -m accelfleet.cli.views.reference_doc
docs/reference.md`` rewrites the file; a test fails when it is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accelfleet.api import names
from accelfleet.api.crdgen import KINDS, Kind, crd

HEADER = (
    "# API reference\n\n"
    "<!-- Generated from the accelfleet.api models by "
    "`python -m accelfleet.cli.views.reference_doc docs/reference.md`; do not edit by hand. -->\n"
)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _type(schema: dict[str, Any]) -> str:
    kind = str(
        schema.get("type") or ("object" if schema.get("x-kubernetes-preserve-unknown-fields") else "any")
    )
    if kind == "array":
        return f"array of {_type(schema.get('items') or {})}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {_type(schema['additionalProperties'])}"
    return kind


def _constraints(schema: dict[str, Any]) -> str:
    found = []
    for key, label in (
        ("minimum", ">="),
        ("maximum", "<="),
        ("minLength", "length >="),
        ("maxLength", "length <="),
        ("minItems", "items >="),
    ):
        if key in schema:
            found.append(f"{label} {schema[key]}")
    if "enum" in schema:
        found.append("one of " + ", ".join(f"`{value}`" for value in schema["enum"]))
    if "pattern" in schema:
        found.append(f"pattern `{schema['pattern']}`")
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        found.append("unknown fields kept")
    for rule in schema.get("x-kubernetes-validations") or []:
        found.append(str(rule.get("message") or rule.get("rule")))
    return "; ".join(found)


def _default(schema: dict[str, Any]) -> str:
    if "default" not in schema:
        return ""
    value = schema["default"]
    return "`{}`" if value == {} else f"`{value}`"


def _rows(schema: dict[str, Any], prefix: str) -> Iterator[str]:
    required = set(schema.get("required") or ())
    for name, child in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}"
        yield (
            f"| `{path}` | {_cell(_type(child))} | {'yes' if name in required else ''} | "
            f"{_cell(_default(child))} | {_cell(_constraints(child))} | {_cell(' '.join(str(child.get('description') or '').split()))} |"
        )
        if child.get("type") == "array" and isinstance(child.get("items"), dict):
            yield from _rows(child["items"], f"{path}[]")
        else:
            yield from _rows(child, path)


def _kind_section(kind: Kind) -> list[str]:
    definition = crd(kind)
    version = definition["spec"]["versions"][0]
    schema = version["schema"]["openAPIV3Schema"]
    scope = "namespaced" if kind.namespaced else "cluster-scoped"
    lines = [
        f"## {kind.kind}",
        "",
        f"`{names.API_VERSION}`, {scope}, plural `{kind.plural}`, short name `{kind.short_name}`, "
        f"category `{names.CATEGORY}`.",
        "",
        " ".join((kind.model.__doc__ or "").split()),
        "",
        "Columns of `kubectl get` (`-o wide` adds those of priority 1):",
        "",
        "| Column | JSONPath | Type | Priority |",
        "| --- | --- | --- | --- |",
    ]
    for column in version["additionalPrinterColumns"]:
        lines.append(
            f"| {column['name']} | `{column['jsonPath']}` | {column['type']} | {column.get('priority', 0)} |"
        )
    for part in ("spec", "status"):
        rules = _constraints(schema["properties"][part])
        lines += ["", f"### {kind.kind} `{part}`", ""]
        if rules:
            lines += [f"Rules on the whole `{part}`: {rules}.", ""]
        lines += [
            "| Field | Type | Required | Default | Constraints | Description |",
            "| --- | --- | --- | --- | --- | --- |",
            *_rows(schema["properties"][part], part),
        ]
    lines.append("")
    return lines


def _names_section() -> list[str]:
    lines = [
        "## Labels, annotations and other shared names",
        "",
        "Defined once in `accelfleet/api/names.py`; every component reads them from there.",
        "",
        "| Constant | Value |",
        "| --- | --- |",
    ]
    for constant in sorted(vars(names)):
        value = getattr(names, constant)
        if constant.isupper() and isinstance(value, str):
            lines.append(f"| `{constant}` | `{value}` |")
    lines.append("")
    return lines


def reference_markdown() -> str:
    lines = [HEADER]
    for kind in KINDS:
        lines += _kind_section(kind)
    lines += _names_section()
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = reference_markdown()
    if argv:
        Path(argv[0]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
