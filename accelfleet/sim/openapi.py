"""OpenAPI documents (``/openapi/v3``, its per group-version documents, and ``/openapi/v2``).

Clients read these to decide how to talk to the server, not just to document it:
- kubectl and helm check that the PATCH operation of a kind lists the ``fieldValidation`` query
  parameter before relying on server-side field validation (otherwise they validate client-side);
- ``kubectl apply`` (client-side) reads the PATCH ``requestBody`` content types: with
  ``application/strategic-merge-patch+json`` listed it computes the patch from this document's
  schema, which must then declare every field it meets. Built-in kinds are published here with
  permissive schemas, so that content type is left out and kubectl falls back to the strategic-merge
  metadata compiled into it, which is exact; custom resources get a JSON merge patch, as on a real
  server;
- ``kubectl explain`` finds a kind's schema by its ``x-kubernetes-group-version-kind``, so CRD
  schemas are published verbatim (plus apiVersion, kind and metadata, as the real server adds).
Built-in schemas carry the list extensions (``x-kubernetes-patch-merge-key``/``-strategy``,
``x-kubernetes-list-type``/``-map-keys``) of ``merge_rules``.

Public: ``ServedKind`` (what a served type must expose), ``v3_index(kinds)``,
``v3_document(kinds, group_version_path)`` (``"api/v1"`` or ``"apis/<group>/<version>"``; None when
nothing is served there), ``v2_document(kinds)``, ``document_hash(doc)``, and
``openapi_response(kinds, path) -> (status, body)`` answering every ``/openapi/...`` GET. The v2
document is JSON only: kubectl asks for protobuf first and, failing to parse it, falls back to its
compiled-in knowledge, which is what it needs from v2.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from typing import Any, Protocol

from accelfleet.sim.crd_schema import CompiledSchema
from accelfleet.sim.merge_rules import ListRule, builtin_list_paths
from accelfleet.sim.store import ResourceType

Schema = dict[str, Any]

KUBERNETES_VERSION = "v1.33.0"
_META = "io.k8s.apimachinery.pkg.apis.meta.v1"
_V3_REF = "#/components/schemas/"
_V2_REF = "#/definitions/"


class ServedKind(Protocol):
    @property
    def rtype(self) -> ResourceType: ...

    @property
    def builtin(self) -> bool: ...

    @property
    def subresources(self) -> frozenset[str]: ...

    @property
    def schema(self) -> CompiledSchema | None: ...


def _gv_path(rtype: ResourceType) -> str:
    return f"apis/{rtype.group}/{rtype.version}" if rtype.group else f"api/{rtype.version}"


def _schema_name(rtype: ResourceType, kind: str, builtin: bool) -> str:
    group = rtype.group
    if group == "apiextensions.k8s.io":
        return f"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.{rtype.version}.{kind}"
    if builtin:
        short = "core" if not group else group.removesuffix(".k8s.io").split(".")[0]
        return f"io.k8s.api.{short}.{rtype.version}.{kind}"
    return ".".join([*reversed(group.split(".")), rtype.version, kind])


def _gvk(rtype: ResourceType, kind: str) -> dict[str, str]:
    return {"group": rtype.group, "kind": kind, "version": rtype.version}


def _string(description: str) -> Schema:
    return {"type": "string", "description": description}


_API_VERSION = _string("APIVersion defines the versioned schema of this representation of an object.")
_KIND = _string("Kind is a string value representing the REST resource this object represents.")


def _meta_schemas() -> dict[str, Schema]:
    owner_reference = {
        "type": "object",
        "required": ["apiVersion", "kind", "name", "uid"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "name": {"type": "string"},
            "uid": {"type": "string"},
            "controller": {"type": "boolean"},
            "blockOwnerDeletion": {"type": "boolean"},
        },
        "x-kubernetes-map-type": "atomic",
    }
    string_map = {"type": "object", "additionalProperties": {"type": "string", "default": ""}}
    return {
        f"{_META}.ObjectMeta": {
            "type": "object",
            "description": "Standard object's metadata.",
            "properties": {
                "name": _string("Name must be unique within a namespace."),
                "generateName": _string("Prefix of a server-generated name."),
                "namespace": _string("Namespace defines the space within which each name must be unique."),
                "uid": _string("UID is the unique in time and space value for this object."),
                "resourceVersion": _string(
                    "An opaque value that represents the internal version of this object."
                ),
                "generation": {"type": "integer", "format": "int64"},
                "creationTimestamp": {"type": "string", "format": "date-time"},
                "deletionTimestamp": {"type": "string", "format": "date-time"},
                "deletionGracePeriodSeconds": {"type": "integer", "format": "int64"},
                "labels": {
                    **string_map,
                    "description": "Map of string keys and values for selecting objects.",
                },
                "annotations": {
                    **string_map,
                    "description": "Unstructured key value map stored with a resource.",
                },
                "finalizers": {
                    "type": "array",
                    "items": {"type": "string", "default": ""},
                    "x-kubernetes-list-type": "set",
                    "x-kubernetes-patch-strategy": "merge",
                },
                "ownerReferences": {
                    "type": "array",
                    "items": owner_reference,
                    "x-kubernetes-list-map-keys": ["uid"],
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-patch-merge-key": "uid",
                    "x-kubernetes-patch-strategy": "merge",
                },
                "managedFields": {
                    "type": "array",
                    "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                    "x-kubernetes-list-type": "atomic",
                },
            },
        },
        f"{_META}.ListMeta": {
            "type": "object",
            "properties": {
                "continue": {"type": "string"},
                "remainingItemCount": {"type": "integer", "format": "int64"},
                "resourceVersion": {"type": "string"},
            },
        },
        f"{_META}.Patch": {
            "type": "object",
            "description": "Patch is provided to give a concrete name and type.",
        },
        f"{_META}.DeleteOptions": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        f"{_META}.Status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    }


def _metadata_ref(ref_prefix: str) -> Schema:
    return {"allOf": [{"$ref": f"{ref_prefix}{_META}.ObjectMeta"}], "default": {}}


def _list_extensions(rule: ListRule) -> Schema:
    if rule.type == "set":
        return {"x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"}
    return {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": list(rule.keys),
        "x-kubernetes-patch-merge-key": rule.keys[0],
        "x-kubernetes-patch-strategy": "merge",
    }


def _open_object() -> Schema:
    return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def _builtin_schema(rtype: ResourceType) -> Schema:
    schema: Schema = _open_object()
    for path, rule in sorted(builtin_list_paths(rtype.kind).items()):
        node = schema
        for index, name in enumerate(path):
            properties = node.setdefault("properties", {})
            if index == len(path) - 1:
                properties[name] = {"type": "array", "items": _open_object(), **_list_extensions(rule)}
            else:
                child = properties.setdefault(name, _open_object())
                node = child["items"] if child.get("type") == "array" else child
    return schema


def _kind_schema(served: ServedKind, ref_prefix: str) -> Schema:
    rtype = served.rtype
    base = copy.deepcopy(served.schema.schema) if served.schema is not None else _builtin_schema(rtype)
    properties = base.setdefault("properties", {})
    properties["apiVersion"] = dict(_API_VERSION)
    properties["kind"] = dict(_KIND)
    properties["metadata"] = _metadata_ref(ref_prefix)
    base.setdefault("type", "object")
    base["x-kubernetes-group-version-kind"] = [_gvk(rtype, rtype.kind)]
    return base


def _list_schema(served: ServedKind, ref_prefix: str) -> Schema:
    rtype = served.rtype
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": dict(_API_VERSION),
            "kind": dict(_KIND),
            "items": {
                "type": "array",
                "items": {"$ref": ref_prefix + _schema_name(rtype, rtype.kind, served.builtin)},
            },
            "metadata": {"allOf": [{"$ref": f"{ref_prefix}{_META}.ListMeta"}], "default": {}},
        },
        "x-kubernetes-group-version-kind": [_gvk(rtype, f"{rtype.kind}List")],
    }


def _query(name: str, description: str, schema_type: str = "string") -> Schema:
    return {"name": name, "in": "query", "description": description, "schema": {"type": schema_type}}


_PRETTY = _query("pretty", "If 'true', then the output is pretty printed.")
_DRY_RUN = _query("dryRun", "When present, indicates that modifications should not be persisted.")
_FIELD_MANAGER = _query(
    "fieldManager", "A name associated with the actor or entity that is making these changes."
)
_FIELD_VALIDATION = _query(
    "fieldValidation", "How to handle unknown or duplicate fields in the request: Ignore, Warn or Strict."
)
_FORCE = _query("force", "Force is going to force Apply requests.", "boolean")
_LIST_PARAMS = [
    _query("allowWatchBookmarks", "Requests watch events with type BOOKMARK.", "boolean"),
    _query("continue", "The continue option returned by a previous paginated list call."),
    _query("fieldSelector", "A selector to restrict the list of returned objects by their fields."),
    _query("labelSelector", "A selector to restrict the list of returned objects by their labels."),
    _query("limit", "The maximum number of responses to return for a list call.", "integer"),
    _query("resourceVersion", "Constrains which resource versions a request may be served from."),
    _query("resourceVersionMatch", "How resourceVersion is applied to list calls."),
    _query("sendInitialEvents", "Stream synthetic ADDED events before the bookmark.", "boolean"),
    _query("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
    _query("watch", "Watch for changes to the described resources.", "boolean"),
]


def _path_param(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "uniqueItems": True}}


def _operation(
    action: str,
    operation_id: str,
    rtype: ResourceType,
    kind: str,
    response_ref: str,
    parameters: list[Schema],
    request: tuple[list[str], str] | None = None,
) -> Schema:
    operation: Schema = {
        "tags": [_gv_path(rtype).replace("/", "_")],
        "operationId": operation_id,
        "parameters": parameters,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": response_ref}}}},
            "401": {"description": "Unauthorized"},
        },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(rtype, kind),
    }
    if request is not None:
        content_types, body_ref = request
        operation["requestBody"] = {
            "content": {content: {"schema": {"$ref": body_ref}} for content in content_types},
            "required": True,
        }
    return operation


def _operation_prefix(rtype: ResourceType) -> str:
    group = rtype.group.removesuffix(".k8s.io").split(".") if rtype.group else ["core"]
    return "".join(part.capitalize() for part in group) + rtype.version.capitalize()


def _paths(served: ServedKind, ref_prefix: str) -> dict[str, Schema]:
    rtype = served.rtype
    kind_ref = ref_prefix + _schema_name(rtype, rtype.kind, served.builtin)
    list_ref = ref_prefix + _schema_name(rtype, f"{rtype.kind}List", served.builtin)
    patch_ref = f"{ref_prefix}{_META}.Patch"
    status_ref = f"{ref_prefix}{_META}.Status"
    base = f"/{_gv_path(rtype)}"
    scope = "Namespaced" if rtype.namespaced else ""
    collection = (
        f"{base}/namespaces/{{namespace}}/{rtype.plural}" if rtype.namespaced else f"{base}/{rtype.plural}"
    )
    scope_params = [_path_param("namespace")] if rtype.namespaced else []
    op = _operation_prefix(rtype)
    writes = [_DRY_RUN, _FIELD_MANAGER, _FIELD_VALIDATION]
    patch_types = [
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/apply-patch+yaml",
    ]

    def item_ops(name_suffix: str) -> Schema:
        return {
            "get": _operation(
                "get", f"read{op}{scope}{rtype.kind}{name_suffix}", rtype, rtype.kind, kind_ref, []
            ),
            "put": _operation(
                "put",
                f"replace{op}{scope}{rtype.kind}{name_suffix}",
                rtype,
                rtype.kind,
                kind_ref,
                writes,
                (["application/json", "application/yaml"], kind_ref),
            ),
            "patch": _operation(
                "patch",
                f"patch{op}{scope}{rtype.kind}{name_suffix}",
                rtype,
                rtype.kind,
                kind_ref,
                [*writes, _FORCE],
                (patch_types, patch_ref),
            ),
            "parameters": [_path_param("name"), *scope_params, _PRETTY],
        }

    item = item_ops("")
    item["delete"] = _operation(
        "delete", f"delete{op}{scope}{rtype.kind}", rtype, rtype.kind, status_ref, [_DRY_RUN]
    )
    paths: dict[str, Schema] = {
        collection: {
            "get": _operation(
                "list", f"list{op}{scope}{rtype.kind}", rtype, rtype.kind, list_ref, _LIST_PARAMS
            ),
            "post": _operation(
                "post",
                f"create{op}{scope}{rtype.kind}",
                rtype,
                rtype.kind,
                kind_ref,
                writes,
                (["application/json", "application/yaml"], kind_ref),
            ),
            "delete": _operation(
                "deletecollection",
                f"deletecollection{op}{scope}{rtype.kind}",
                rtype,
                rtype.kind,
                status_ref,
                _LIST_PARAMS,
            ),
            "parameters": [*scope_params, _PRETTY],
        },
        f"{collection}/{{name}}": item,
    }
    if "status" in served.subresources:
        paths[f"{collection}/{{name}}/status"] = item_ops("Status")
    if rtype.namespaced:
        paths[f"{base}/{rtype.plural}"] = {
            "get": _operation(
                "list", f"list{op}{rtype.kind}ForAllNamespaces", rtype, rtype.kind, list_ref, _LIST_PARAMS
            ),
            "parameters": [_PRETTY],
        }
    return paths


def _document_parts(
    kinds: Iterable[ServedKind], ref_prefix: str
) -> tuple[dict[str, Schema], dict[str, Schema]]:
    schemas = _meta_schemas()
    paths: dict[str, Schema] = {}
    for served in kinds:
        rtype = served.rtype
        schemas[_schema_name(rtype, rtype.kind, served.builtin)] = _kind_schema(served, ref_prefix)
        schemas[_schema_name(rtype, f"{rtype.kind}List", served.builtin)] = _list_schema(served, ref_prefix)
        paths.update(_paths(served, ref_prefix))
    return paths, schemas


def v3_document(kinds: Iterable[ServedKind], group_version_path: str) -> dict[str, Any] | None:
    selected = [k for k in kinds if _gv_path(k.rtype) == group_version_path.strip("/")]
    if not selected:
        return None
    paths, schemas = _document_parts(selected, _V3_REF)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def document_hash(doc: dict[str, Any]) -> str:
    """The content hash the real server puts in ``serverRelativeURL`` (clients cache by it)."""
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest().upper()


def v3_index(kinds: Iterable[ServedKind]) -> dict[str, Any]:
    served = list(kinds)
    index: dict[str, Any] = {}
    for gv_path in sorted({_gv_path(k.rtype) for k in served}):
        doc = v3_document(served, gv_path)
        if doc is not None:
            index[gv_path] = {"serverRelativeURL": f"/openapi/v3/{gv_path}?hash={document_hash(doc)}"}
    return {"paths": index}


def _v2_schema(node: Any) -> Any:
    """OpenAPI v2 has no ``nullable``; the real server drops it when publishing CRDs there."""
    if isinstance(node, list):
        return [_v2_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {k: _v2_schema(v) for k, v in node.items() if k != "nullable"}


def _v2_operation(operation: Schema) -> Schema:
    converted = {k: v for k, v in operation.items() if k not in ("requestBody", "responses", "parameters")}
    parameters = [
        {k: v for k, v in p.items() if k != "schema"} | {"type": p["schema"]["type"]}
        for p in operation.get("parameters", [])
    ]
    body = operation.get("requestBody")
    if body is not None:
        converted["consumes"] = list(body["content"])
        ref = next(iter(body["content"].values()))["schema"]["$ref"]
        parameters.append({"name": "body", "in": "body", "required": True, "schema": {"$ref": ref}})
    converted["parameters"] = parameters
    converted["produces"] = ["application/json", "application/yaml"]
    converted["responses"] = {
        code: {
            "description": r["description"],
            **({"schema": r["content"]["application/json"]["schema"]} if "content" in r else {}),
        }
        for code, r in operation["responses"].items()
    }
    return converted


def v2_document(kinds: Iterable[ServedKind]) -> dict[str, Any]:
    paths, schemas = _document_parts(list(kinds), _V2_REF)
    v2_paths: dict[str, Schema] = {}
    for path, item in paths.items():
        v2_item: Schema = {}
        for method, operation in item.items():
            if method == "parameters":
                v2_item[method] = [
                    {k: v for k, v in p.items() if k != "schema"} | {"type": p["schema"]["type"]}
                    for p in operation
                ]
            else:
                v2_item[method] = _v2_operation(operation)
        v2_paths[path] = v2_item
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": v2_paths,
        "definitions": _v2_schema(schemas),
        "securityDefinitions": {"BearerToken": {"type": "apiKey", "name": "authorization", "in": "header"}},
        "security": [{"BearerToken": []}],
    }


def openapi_response(kinds: Iterable[ServedKind], path: str) -> tuple[int, dict[str, Any]]:
    """The status and JSON body for ``GET <path>`` under ``/openapi`` (a 404 Status if nothing is there)."""
    served = list(kinds)
    path = path.rstrip("/")
    if path == "/openapi/v2":
        return 200, v2_document(served)
    if path == "/openapi/v3":
        return 200, v3_index(served)
    doc = v3_document(served, path.removeprefix("/openapi/v3/")) if path.startswith("/openapi/v3/") else None
    if doc is None:
        return 404, {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "the server could not find the requested resource",
            "reason": "NotFound",
            "details": {},
            "code": 404,
        }
    return 200, doc
