"""meta.k8s.io/v1 Tables: what ``kubectl get`` prints, rendered by the server as the real one does.

kubectl asks for ``application/json;as=Table;v=v1;g=meta.k8s.io`` and prints the columns it gets
back. For custom resources the columns are NAME, then the CRD version's
``additionalPrinterColumns`` (or just AGE when it declares none); cells follow the column type the
way the real CRD table convertor does: ``string`` cells print the JSONPath result, ``integer``,
``number`` and ``boolean`` cells are typed, and ``date`` cells are already turned into ages
(``5m``) on the server. Built-in kinds use ``table_printers``. Each row carries ``object``: by
default a PartialObjectMetadata (kubectl needs it for ``--show-labels``, ``-A`` and ``-L``), the
whole object with ``includeObject=Object``, nothing with ``includeObject=None``.

Public: ``to_table(rtype, objects, printer_columns, *, now, include_object="Metadata",
resource_version="", continue_token=None, remaining_item_count=None) -> dict``.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from accelfleet.sim import jsonpath
from accelfleet.sim.store import ResourceType
from accelfleet.sim.table_printers import AGE, Column, age, printer_for

Object = dict[str, Any]

_CRD_NAME = Column(
    "Name",
    format="name",
    description="Name must be unique within a namespace. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
)
_CRD_AGE = Column("Age", type="date", description=AGE.description)


def _crd_cell(obj: Object, column: dict[str, Any], now: datetime) -> Any:
    try:
        value = jsonpath.first(obj, str(column.get("jsonPath", "")))
    except ValueError:
        return None
    if value is None:
        return None
    kind = column.get("type", "string")
    if kind == "string":
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if kind == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        return age(value, now) if value else "<unknown>"
    return None


def _crd_columns(printer_columns: list[dict[str, Any]]) -> list[Column]:
    if not printer_columns:
        return [_CRD_NAME, _CRD_AGE]
    return [_CRD_NAME] + [
        Column(
            str(c.get("name", "")),
            type=str(c.get("type", "string")),
            priority=int(c.get("priority", 0)),
            format=str(c.get("format", "")),
            description=str(c.get("description", "")),
        )
        for c in printer_columns
    ]


def _row_object(obj: Object, include_object: str) -> Object | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return copy.deepcopy(obj)
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": copy.deepcopy(obj.get("metadata") or {}),
    }


def to_table(
    rtype: ResourceType,
    objects: list[Object],
    printer_columns: list[dict[str, Any]] | None,
    *,
    now: datetime,
    include_object: str = "Metadata",
    resource_version: str = "",
    continue_token: str | None = None,
    remaining_item_count: int | None = None,
) -> dict[str, Any]:
    """``printer_columns`` is a CRD version's additionalPrinterColumns (a list, possibly empty) or None."""
    if printer_columns is not None:
        columns = _crd_columns(printer_columns)
        custom = printer_columns or [{"type": "date", "jsonPath": ".metadata.creationTimestamp"}]

        def cells(obj: Object) -> list[Any]:
            return [(obj.get("metadata") or {}).get("name", "")] + [_crd_cell(obj, c, now) for c in custom]

    else:
        builtin_columns, builtin_cells = printer_for(rtype.group, rtype.kind)
        columns = list(builtin_columns)

        def cells(obj: Object) -> list[Any]:
            return builtin_cells(obj, now)

    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": cells(obj)}
        embedded = _row_object(obj, include_object)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    metadata: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        metadata["continue"] = continue_token
    if remaining_item_count is not None:
        metadata["remainingItemCount"] = remaining_item_count
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": [c.definition() for c in columns],
        "rows": rows,
    }
