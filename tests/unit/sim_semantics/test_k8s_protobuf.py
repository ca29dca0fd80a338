"""Protobuf bodies of client-go's typed clients decode into the objects kubectl and helm meant."""

from __future__ import annotations

import pytest

from accelfleet.sim.api_errors import BadRequestError, UnsupportedMediaTypeError
from accelfleet.sim.k8s_protobuf import decode_protobuf

# Recorded from kubectl v1.33: create namespace pb / configmap cfg --from-literal=k=v /
# secret generic sec --from-literal=token=abc / serviceaccount robot (all in namespace pb).
NAMESPACE = "6b3873000a0f0a02763112094e616d657370616365121a0a120a02706212001a0022002a0032003800420012001a020a001a002200"
CONFIG_MAP = "6b3873000a0f0a0276311209436f6e6669674d6170121f0a150a0363666712001a02706222002a0032003800420012060a016b1201761a002200"
SECRET = (
    "6b3873000a0c0a027631120653656372657412270a150a0373656312001a02706222002a00320038004200120c0a05746f6b656e12036162"
    "631a001a002200"
)
SERVICE_ACCOUNT = "6b3873000a140a027631120e536572766963654163636f756e7412190a170a05726f626f7412001a02706222002a003200380042001a002200"


def test_kubectl_imperative_create_bodies() -> None:
    assert decode_protobuf(bytes.fromhex(NAMESPACE)) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "pb"},
        "spec": {},
        "status": {},
    }
    assert decode_protobuf(bytes.fromhex(CONFIG_MAP)) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "pb"},
        "data": {"k": "v"},
    }
    assert decode_protobuf(bytes.fromhex(SERVICE_ACCOUNT))["metadata"] == {"name": "robot", "namespace": "pb"}


def test_secret_bytes_come_back_base64_encoded_as_in_json() -> None:
    secret = decode_protobuf(bytes.fromhex(SECRET))
    assert secret["data"] == {"token": "YWJj"}
    assert secret["metadata"] == {"name": "sec", "namespace": "pb"}


def test_unknown_kinds_stay_unsupported_and_garbage_is_a_bad_request() -> None:
    deployment = bytes.fromhex(NAMESPACE).replace(b"\x12\x09Namespace", b"\x12\x09Deploymnt")
    with pytest.raises(UnsupportedMediaTypeError, match="Deploymnt"):
        decode_protobuf(deployment)
    with pytest.raises(BadRequestError, match="magic"):
        decode_protobuf(b'{"kind": "Namespace"}')
    with pytest.raises(BadRequestError, match="truncated"):
        decode_protobuf(bytes.fromhex(CONFIG_MAP)[:30])
