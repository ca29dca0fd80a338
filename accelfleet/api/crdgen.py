"""CustomResourceDefinitions generated from the pydantic models, the single source of the schema.

Pydantic emits JSON Schema with ``$ref``/``$defs`` and ``anyOf: [X, null]`` for optional fields; the
API server wants a *structural* OpenAPI v3 schema: every node typed, no references, ``nullable``
instead of a null branch, no ``additionalProperties: false``. This module does that translation,
and adds what only a CRD has: names, scope, printer columns and the status subresource.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel

from accelfleet.api.accelcard import AccelCard
from accelfleet.api.aijob import AIJob
from accelfleet.api.names import CATEGORY, GROUP, VERSION
from accelfleet.api.platform import ScaleXPlatform

Schema = dict[str, Any]


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    json_path: str
    type: str = "string"
    priority: int = 0
    description: str = ""

    def to_wire(self) -> dict[str, Any]:
        column: dict[str, Any] = {"name": self.name, "type": self.type, "jsonPath": self.json_path}
        if self.priority:
            column["priority"] = self.priority
        if self.description:
            column["description"] = self.description
        return column


AGE = PrinterColumn("Age", ".metadata.creationTimestamp", "date")


@dataclass(frozen=True)
class Kind:
    model: type[BaseModel]
    kind: str
    plural: str
    short_name: str
    namespaced: bool
    columns: tuple[PrinterColumn, ...]

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{GROUP}"

    @property
    def file_name(self) -> str:
        return f"{GROUP}_{self.plural}.yaml"


KINDS: tuple[Kind, ...] = (
    Kind(
        AccelCard,
        "AccelCard",
        "accelcards",
        "ac",
        namespaced=False,
        columns=(
            PrinterColumn("Vendor", ".spec.vendor"),
            PrinterColumn("Model", ".spec.model"),
            PrinterColumn("Resource", ".spec.resourceName"),
            PrinterColumn("Total", ".status.total", "integer"),
            PrinterColumn("Healthy", ".status.healthy", "integer"),
            PrinterColumn("Allocated", ".status.allocated", "integer"),
            PrinterColumn("Memory-GiB", ".spec.memoryGiB", "integer", priority=1),
            PrinterColumn("BF16-TFLOPS", ".spec.peakTFLOPS.bf16", "number", priority=1),
            AGE,
        ),
    ),
    Kind(
        ScaleXPlatform,
        "ScaleXPlatform",
        "scalexplatforms",
        "sxp",
        namespaced=False,
        columns=(
            PrinterColumn("Site", ".spec.site"),
            PrinterColumn("SuperNodes", ".status.superNodes", "integer"),
            PrinterColumn("Nodes", ".status.nodes", "integer"),
            PrinterColumn("Cards", ".status.totalCards", "integer"),
            PrinterColumn("Allocated", ".status.allocatedCards", "integer"),
            PrinterColumn("BF16-PFLOPS", ".status.peakPFLOPS.bf16.total", "number"),
            PrinterColumn("Ready-Nodes", ".status.readyNodes", "integer", priority=1),
            AGE,
        ),
    ),
    Kind(
        AIJob,
        "AIJob",
        "aijobs",
        "aij",
        namespaced=True,
        columns=(
            PrinterColumn("Phase", ".status.phase"),
            PrinterColumn("Model", ".status.cardModel"),
            PrinterColumn("Cards", ".status.cards", description="replicas placed x cardsPerReplica"),
            PrinterColumn("Platform", ".status.placement.platform"),
            PrinterColumn("Ready", ".status.readyReplicas", "integer"),
            PrinterColumn("Restarts", ".status.restarts", "integer", priority=1),
            PrinterColumn("Scope", ".spec.topology.scope", priority=1),
            PrinterColumn("Message", ".status.message", priority=1),
            AGE,
        ),
    ),
)


def _resolve(node: Any, defs: dict[str, Schema]) -> Any:
    """Inline references and rewrite pydantic idioms into structural OpenAPI v3."""
    if isinstance(node, list):
        return [_resolve(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = dict(defs[node["$ref"].rsplit("/", 1)[-1]])
        extra = {k: v for k, v in node.items() if k != "$ref"}
        return _resolve({**target, **extra}, defs)
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b != {"type": "null"}]
        nullable = len(branches) < len(node["anyOf"])
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        if len(branches) != 1:
            raise ValueError(f"cannot express a union as a structural schema: {node}")
        merged = _resolve({**branches[0], **rest}, defs)
        if nullable:
            merged["nullable"] = True
        if merged.get("default", 0) is None:
            del merged["default"]
        return merged
    out: Schema = {}
    for key, value in node.items():
        if key in ("title", "$defs"):
            continue
        if key == "additionalProperties" and value is False:
            continue
        if key == "const":
            out["enum"] = [value]
            continue
        if key == "properties":
            out[key] = {name: _resolve(sub, defs) for name, sub in value.items()}
        else:
            out[key] = _resolve(value, defs)
    return out


_KEY_ORDER = ("type", "description", "nullable", "default", "enum", "format", "minimum", "maximum")


def _tidy(node: Any) -> Any:
    """Put ``type`` and ``description`` first so the generated YAML reads like a hand-written CRD."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    ordered = {key: node[key] for key in _KEY_ORDER if key in node}
    ordered.update({key: value for key, value in node.items() if key not in ordered})
    return {key: _tidy(value) for key, value in ordered.items()}


def _object_defaults(schema: Schema) -> None:
    """Give optional sub-objects ``default: {}`` so their own defaults apply when they are omitted."""
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "object" and "properties" in prop:
            _object_defaults(prop)
            has_inner_defaults = any("default" in sub for sub in prop["properties"].values())
            if name not in required and has_inner_defaults and "default" not in prop:
                prop["default"] = {}
        elif prop.get("type") == "array" and isinstance(prop.get("items"), dict):
            _object_defaults(prop["items"])


def _strip_defaults(schema: Any) -> None:
    """Status is written by the operator alone; the server must not invent any of it."""
    if isinstance(schema, dict):
        schema.pop("default", None)
        for value in schema.values():
            _strip_defaults(value)
    elif isinstance(schema, list):
        for value in schema:
            _strip_defaults(value)


def _part_schema(model: type[BaseModel], part: str) -> Schema:
    full = model.model_json_schema(by_alias=True, mode="validation")
    defs: dict[str, Schema] = full.get("$defs", {})
    resolved: Schema = _resolve(full["properties"][part], defs)
    if part == "status":
        _strip_defaults(resolved)
    else:
        _object_defaults(resolved)
    tidy: Schema = _tidy(resolved)
    return tidy


def openapi_schema(kind: Kind) -> Schema:
    return {
        "type": "object",
        "description": " ".join((kind.model.__doc__ or kind.kind).split()),
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": _part_schema(kind.model, "spec"),
            "status": _part_schema(kind.model, "status"),
        },
    }


def crd(kind: Kind) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": kind.crd_name,
            "labels": {"app.kubernetes.io/part-of": "accelfleet"},
        },
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind.kind,
                "listKind": f"{kind.kind}List",
                "plural": kind.plural,
                "singular": kind.kind.lower(),
                "shortNames": [kind.short_name],
                "categories": [CATEGORY],
            },
            "scope": "Namespaced" if kind.namespaced else "Cluster",
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [column.to_wire() for column in kind.columns],
                    "schema": {"openAPIV3Schema": openapi_schema(kind)},
                }
            ],
        },
    }


HEADER = "# Generated from the accelfleet.api models by `accelfleet crds`; do not edit by hand.\n"


def render(kind: Kind) -> str:
    return HEADER + yaml.safe_dump(crd(kind), sort_keys=False, width=120)


def rendered_files() -> dict[str, str]:
    """File name -> content, for every CRD the project ships."""
    return {kind.file_name: render(kind) for kind in KINDS}
