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


# Recorded from kubectl v1.33: create token robot -n pb --duration=20m --audience=api /
# create role r -n pb --verb=get,list --resource=pods,pods/status --resource-name=p /
# create rolebinding rb -n pb --role=r --serviceaccount=pb:robot --group=g / auth can-i get /healthz.
TOKEN_REQUEST = (
    "6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412220a100a0012001a"
    "0022002a0032003800420012080a0361706920b0091a040a0012001a002200"
)
ROLE = (
    "6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c65123a0a130a017212001a027062"
    "22002a0032003800420012230a036765740a046c69737412001a04706f64731a0b706f64732f7374617475732201701a002200"
)
ROLE_BINDING = (
    "6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c6542696e64696e671284010a140a"
    "02726212001a02706222002a0032003800420012270a0547726f75701219726261632e617574686f72697a6174696f6e2e6b38732e696f"
    "1a01672200121d0a0e536572766963654163636f756e7412001a05726f626f74220270621a240a19726261632e617574686f72697a6174"
    "696f6e2e6b38732e696f1204526f6c651a01721a002200"
)
ACCESS_REVIEW = (
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577"
    "122f0a100a0012001a0022002a003200380042001211120f0a082f6865616c74687a12036765741a08080012001a0020001a002200"
)


def test_kubectl_token_rbac_and_access_review_bodies() -> None:
    token = decode_protobuf(bytes.fromhex(TOKEN_REQUEST))
    assert (token["apiVersion"], token["kind"]) == ("authentication.k8s.io/v1", "TokenRequest")
    assert token["spec"] == {"audiences": ["api"], "expirationSeconds": 1200}
    assert decode_protobuf(bytes.fromhex(ROLE))["rules"] == [
        {
            "verbs": ["get", "list"],
            "apiGroups": [""],
            "resources": ["pods", "pods/status"],
            "resourceNames": ["p"],
        }
    ]
    binding = decode_protobuf(bytes.fromhex(ROLE_BINDING))
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}
    assert binding["subjects"] == [
        {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "g"},
        {"kind": "ServiceAccount", "name": "robot", "namespace": "pb"},
    ]
    review = decode_protobuf(bytes.fromhex(ACCESS_REVIEW))
    assert review["spec"] == {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}
