"""Decoding of the protobuf request bodies client-go's typed clients send.

kubectl's imperative commands (``kubectl create namespace|configmap|secret|serviceaccount|role|
rolebinding|clusterrole|clusterrolebinding|token``, ``kubectl auth can-i|whoami``) and
helm (which stores every release as a Secret) write through client-go's typed clients, and those
send ``application/vnd.kubernetes.protobuf`` bodies. Answering them in JSON is fine (client-go
decodes whatever content type comes back); only the request bodies need decoding. The wire format
is the ``k8s\\x00`` magic, then a ``runtime.Unknown`` envelope (``typeMeta``, ``raw``) whose ``raw``
is the kind's message from ``k8s.io/api``'s ``generated.proto``. The field numbers below are those
files'; only the kinds typed clients write in practice are known, others are refused with 415 as
before.

Public: ``PROTOBUF_CONTENT_TYPE``, ``decode_protobuf(raw) -> dict`` (raises
``UnsupportedMediaTypeError`` for an unknown kind, ``BadRequestError`` for a malformed body).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from accelfleet.sim.api_errors import BadRequestError, UnsupportedMediaTypeError

PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
_MAGIC = b"k8s\x00"

# message name -> field number -> (json name, type, repeated). Types: string, bytes, int, bool,
# time, fields (FieldsV1 raw JSON), map:string, map:bytes, or another message's name.
Field = tuple[str, str, bool]
_MESSAGES: dict[str, dict[int, Field]] = {
    "Unknown": {1: ("typeMeta", "TypeMeta", False), 2: ("raw", "bytes", False)},
    "TypeMeta": {1: ("apiVersion", "string", False), 2: ("kind", "string", False)},
    "ObjectMeta": {
        1: ("name", "string", False),
        2: ("generateName", "string", False),
        3: ("namespace", "string", False),
        4: ("selfLink", "string", False),
        5: ("uid", "string", False),
        6: ("resourceVersion", "string", False),
        7: ("generation", "int", False),
        8: ("creationTimestamp", "time", False),
        9: ("deletionTimestamp", "time", False),
        10: ("deletionGracePeriodSeconds", "int", False),
        11: ("labels", "map:string", False),
        12: ("annotations", "map:string", False),
        13: ("ownerReferences", "OwnerReference", True),
        14: ("finalizers", "string", True),
        17: ("managedFields", "ManagedFieldsEntry", True),
    },
    "OwnerReference": {
        1: ("kind", "string", False),
        3: ("name", "string", False),
        4: ("uid", "string", False),
        5: ("apiVersion", "string", False),
        6: ("controller", "bool", False),
        7: ("blockOwnerDeletion", "bool", False),
    },
    "ManagedFieldsEntry": {
        1: ("manager", "string", False),
        2: ("operation", "string", False),
        3: ("apiVersion", "string", False),
        4: ("time", "time", False),
        6: ("fieldsType", "string", False),
        7: ("fieldsV1", "fields", False),
        8: ("subresource", "string", False),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta", False),
        2: ("data", "map:bytes", False),
        3: ("type", "string", False),
        4: ("stringData", "map:string", False),
        5: ("immutable", "bool", False),
    },
    "ConfigMap": {
        1: ("metadata", "ObjectMeta", False),
        2: ("data", "map:string", False),
        3: ("binaryData", "map:bytes", False),
        4: ("immutable", "bool", False),
    },
    "Namespace": {
        1: ("metadata", "ObjectMeta", False),
        2: ("spec", "NamespaceSpec", False),
        3: ("status", "NamespaceStatus", False),
    },
    "NamespaceSpec": {1: ("finalizers", "string", True)},
    "NamespaceStatus": {1: ("phase", "string", False)},
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta", False),
        2: ("secrets", "ObjectReference", True),
        3: ("imagePullSecrets", "LocalObjectReference", True),
        4: ("automountServiceAccountToken", "bool", False),
    },
    "ObjectReference": {
        1: ("kind", "string", False),
        2: ("namespace", "string", False),
        3: ("name", "string", False),
        4: ("uid", "string", False),
        5: ("apiVersion", "string", False),
        6: ("resourceVersion", "string", False),
        7: ("fieldPath", "string", False),
    },
    "LocalObjectReference": {1: ("name", "string", False)},
    "DeleteOptions": {
        1: ("gracePeriodSeconds", "int", False),
        2: ("preconditions", "Preconditions", False),
        3: ("orphanDependents", "bool", False),
        4: ("propagationPolicy", "string", False),
        5: ("dryRun", "string", True),
    },
    "Preconditions": {1: ("uid", "string", False), 2: ("resourceVersion", "string", False)},
    # authentication.k8s.io/v1: ``kubectl create token`` and ``kubectl auth whoami``.
    "TokenRequest": {1: ("metadata", "ObjectMeta", False), 2: ("spec", "TokenRequestSpec", False)},
    "TokenRequestSpec": {
        1: ("audiences", "string", True),
        3: ("boundObjectRef", "BoundObjectReference", False),
        4: ("expirationSeconds", "int", False),
    },
    "BoundObjectReference": {
        1: ("kind", "string", False),
        2: ("apiVersion", "string", False),
        3: ("name", "string", False),
        4: ("uid", "string", False),
    },
    "SelfSubjectReview": {1: ("metadata", "ObjectMeta", False)},
    # authorization.k8s.io/v1: ``kubectl auth can-i [--list]``.
    "SelfSubjectAccessReview": {
        1: ("metadata", "ObjectMeta", False),
        2: ("spec", "SelfSubjectAccessReviewSpec", False),
    },
    "SelfSubjectAccessReviewSpec": {
        1: ("resourceAttributes", "ResourceAttributes", False),
        2: ("nonResourceAttributes", "NonResourceAttributes", False),
    },
    "ResourceAttributes": {
        1: ("namespace", "string", False),
        2: ("verb", "string", False),
        3: ("group", "string", False),
        4: ("version", "string", False),
        5: ("resource", "string", False),
        6: ("subresource", "string", False),
        7: ("name", "string", False),
    },
    "NonResourceAttributes": {1: ("path", "string", False), 2: ("verb", "string", False)},
    "SelfSubjectRulesReview": {
        1: ("metadata", "ObjectMeta", False),
        2: ("spec", "SelfSubjectRulesReviewSpec", False),
    },
    "SelfSubjectRulesReviewSpec": {1: ("namespace", "string", False)},
    # rbac.authorization.k8s.io/v1: ``kubectl create role|rolebinding|clusterrole|clusterrolebinding``.
    "Role": {1: ("metadata", "ObjectMeta", False), 2: ("rules", "PolicyRule", True)},
    "ClusterRole": {
        1: ("metadata", "ObjectMeta", False),
        2: ("rules", "PolicyRule", True),
        3: ("aggregationRule", "AggregationRule", False),
    },
    "PolicyRule": {
        1: ("verbs", "string", True),
        2: ("apiGroups", "string", True),
        3: ("resources", "string", True),
        4: ("resourceNames", "string", True),
        5: ("nonResourceURLs", "string", True),
    },
    "AggregationRule": {1: ("clusterRoleSelectors", "LabelSelector", True)},
    "LabelSelector": {
        1: ("matchLabels", "map:string", False),
        2: ("matchExpressions", "LabelSelectorRequirement", True),
    },
    "LabelSelectorRequirement": {
        1: ("key", "string", False),
        2: ("operator", "string", False),
        3: ("values", "string", True),
    },
    "RoleBinding": {
        1: ("metadata", "ObjectMeta", False),
        2: ("subjects", "Subject", True),
        3: ("roleRef", "RoleRef", False),
    },
    "ClusterRoleBinding": {
        1: ("metadata", "ObjectMeta", False),
        2: ("subjects", "Subject", True),
        3: ("roleRef", "RoleRef", False),
    },
    "Subject": {
        1: ("kind", "string", False),
        2: ("apiGroup", "string", False),
        3: ("name", "string", False),
        4: ("namespace", "string", False),
    },
    "RoleRef": {1: ("apiGroup", "string", False), 2: ("kind", "string", False), 3: ("name", "string", False)},
    "Time": {1: ("seconds", "int", False), 2: ("nanos", "int", False)},
    "FieldsV1": {1: ("raw", "string", False)},
    "MapEntry": {1: ("key", "bytes", False), 2: ("value", "bytes", False)},
}
_KINDS = frozenset(
    {
        "Secret",
        "ConfigMap",
        "Namespace",
        "ServiceAccount",
        "DeleteOptions",
        "TokenRequest",
        "SelfSubjectReview",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
    }
)


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise BadRequestError("protobuf: truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise BadRequestError("protobuf: varint too long")


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """Split a message into (field number, varint value or length-delimited bytes)."""
    fields: list[tuple[int, int | bytes]] = []
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(data, position)
            fields.append((number, value))
        elif wire_type == 2:
            length, position = _varint(data, position)
            if position + length > len(data):
                raise BadRequestError("protobuf: truncated field")
            fields.append((number, data[position : position + length]))
            position += length
        elif wire_type in (1, 5):
            position += 8 if wire_type == 1 else 4
        else:
            raise BadRequestError(f"protobuf: unsupported wire type {wire_type}")
    return fields


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise BadRequestError("protobuf: expected a length-delimited field")
    return value.decode("utf-8")


def _time(value: int | bytes) -> str | None:
    """A zero Time is how Go encodes "unset"; its JSON form is null."""
    seconds = int(_message(value, "Time").get("seconds", 0))
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if seconds else None


def _convert(value: int | bytes, kind: str) -> Any:
    if kind == "string":
        return _text(value)
    if kind == "bytes":
        return value
    if kind == "int":
        return _signed(value) if isinstance(value, int) else 0
    if kind == "bool":
        return bool(value)
    if kind == "time":
        return _time(value)
    if kind == "fields":
        raw = _message(value, "FieldsV1").get("raw", "")
        return json.loads(raw) if raw else {}
    return _message(value, kind)


def _message(data: int | bytes, name: str) -> dict[str, Any]:
    if not isinstance(data, bytes):
        raise BadRequestError(f"protobuf: expected a {name} message")
    schema = _MESSAGES[name]
    result: dict[str, Any] = {}
    for number, value in _fields(data):
        if number not in schema:
            continue
        key, kind, repeated = schema[number]
        if kind.startswith("map:"):
            entry = _message(value, "MapEntry")
            text_key = bytes(entry.get("key", b"")).decode("utf-8")
            raw = bytes(entry.get("value", b""))
            mapped = base64.b64encode(raw).decode() if kind == "map:bytes" else raw.decode("utf-8")
            result.setdefault(key, {})[text_key] = mapped
        elif repeated:
            result.setdefault(key, []).append(_convert(value, kind))
        else:
            converted = _convert(value, kind)
            # Go's JSON encoding omits empty strings, zero numbers and unset times (omitempty).
            if converted is not None and converted != "" and not (kind == "int" and converted == 0):
                result[key] = converted
    return result


def decode_protobuf(raw: bytes) -> dict[str, Any]:
    if not raw.startswith(_MAGIC):
        raise BadRequestError("protobuf: the body does not start with the Kubernetes magic number")
    envelope = _message(raw[len(_MAGIC) :], "Unknown")
    type_meta = envelope.get("typeMeta") or {}
    kind = str(type_meta.get("kind", ""))
    if kind not in _KINDS:
        raise UnsupportedMediaTypeError(
            f"the body of the request was in an unknown format - accepted media types include: "
            f"application/json, application/yaml (protobuf is decoded for {', '.join(sorted(_KINDS))}, "
            f"not {kind or 'an unnamed kind'})"
        )
    body = _message(bytes(envelope.get("raw", b"")), kind)
    return {"apiVersion": type_meta.get("apiVersion", "v1"), "kind": kind, **body}
