"""The committed gRPC code must be what hack/gen-proto.sh generates, and the wire contract must be the kubelet's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from google.protobuf.descriptor import FieldDescriptor

from accelfleet.deviceplugin.v1beta1 import api_pb2

REPO = Path(__file__).resolve().parents[3]
GENERATED = REPO / "accelfleet" / "deviceplugin" / "v1beta1"
GENERATED_FILES = ("api_pb2.py", "api_pb2.pyi", "api_pb2_grpc.py", "api_pb2_grpc.pyi")

# message -> {field name: (number, label-repeated?, type)}, from the kubelet's published v1beta1 contract.
STRING = FieldDescriptor.TYPE_STRING
BOOL = FieldDescriptor.TYPE_BOOL
MSG = FieldDescriptor.TYPE_MESSAGE
EXPECTED_FIELDS: dict[str, dict[str, tuple[int, bool, int]]] = {
    "DevicePluginOptions": {
        "pre_start_required": (1, False, BOOL),
        "get_preferred_allocation_available": (2, False, BOOL),
    },
    "RegisterRequest": {
        "version": (1, False, STRING),
        "endpoint": (2, False, STRING),
        "resource_name": (3, False, STRING),
        "options": (4, False, MSG),
    },
    "Empty": {},
    "ListAndWatchResponse": {"devices": (1, True, MSG)},
    "TopologyInfo": {"nodes": (1, True, MSG)},
    "NUMANode": {"ID": (1, False, FieldDescriptor.TYPE_INT64)},
    "Device": {"ID": (1, False, STRING), "health": (2, False, STRING), "topology": (3, False, MSG)},
    "PreStartContainerRequest": {"devices_ids": (1, True, STRING)},
    "PreStartContainerResponse": {},
    "PreferredAllocationRequest": {"container_requests": (1, True, MSG)},
    "ContainerPreferredAllocationRequest": {
        "available_deviceIDs": (1, True, STRING),
        "must_include_deviceIDs": (2, True, STRING),
        "allocation_size": (3, False, FieldDescriptor.TYPE_INT32),
    },
    "PreferredAllocationResponse": {"container_responses": (1, True, MSG)},
    "ContainerPreferredAllocationResponse": {"deviceIDs": (1, True, STRING)},
    "AllocateRequest": {"container_requests": (1, True, MSG)},
    "ContainerAllocateRequest": {"devices_ids": (1, True, STRING)},
    "CDIDevice": {"name": (1, False, STRING)},
    "AllocateResponse": {"container_responses": (1, True, MSG)},
    "ContainerAllocateResponse": {
        "envs": (1, True, MSG),
        "mounts": (2, True, MSG),
        "devices": (3, True, MSG),
        "annotations": (4, True, MSG),
        "cdi_devices": (5, True, MSG),
    },
    "Mount": {
        "container_path": (1, False, STRING),
        "host_path": (2, False, STRING),
        "read_only": (3, False, BOOL),
    },
    "DeviceSpec": {
        "container_path": (1, False, STRING),
        "host_path": (2, False, STRING),
        "permissions": (3, False, STRING),
    },
}

EXPECTED_METHODS = {
    "Registration": {"Register": ("RegisterRequest", "Empty", False)},
    "DevicePlugin": {
        "GetDevicePluginOptions": ("Empty", "DevicePluginOptions", False),
        "ListAndWatch": ("Empty", "ListAndWatchResponse", True),
        "GetPreferredAllocation": ("PreferredAllocationRequest", "PreferredAllocationResponse", False),
        "Allocate": ("AllocateRequest", "AllocateResponse", False),
        "PreStartContainer": ("PreStartContainerRequest", "PreStartContainerResponse", False),
    },
}


def test_package_is_v1beta1() -> None:
    assert api_pb2.DESCRIPTOR.package == "v1beta1"


def test_messages_and_field_numbers_match_the_kubelet() -> None:
    messages = api_pb2.DESCRIPTOR.message_types_by_name
    assert set(messages) == set(EXPECTED_FIELDS)
    for name, fields in EXPECTED_FIELDS.items():
        descriptor = messages[name]
        assert descriptor.full_name == f"v1beta1.{name}"
        actual = {field.name: (field.number, field.is_repeated, field.type) for field in descriptor.fields}
        assert actual == fields, name


def test_maps_are_string_to_string() -> None:
    response = api_pb2.ContainerAllocateResponse(envs={"A": "1"}, annotations={"b": "2"})
    decoded = api_pb2.ContainerAllocateResponse.FromString(response.SerializeToString())
    assert dict(decoded.envs) == {"A": "1"}
    assert dict(decoded.annotations) == {"b": "2"}


def test_services_and_method_paths_match_the_kubelet() -> None:
    services = api_pb2.DESCRIPTOR.services_by_name
    assert set(services) == set(EXPECTED_METHODS)
    for service_name, methods in EXPECTED_METHODS.items():
        service = services[service_name]
        assert service.full_name == f"v1beta1.{service_name}"
        actual = {
            method.name: (method.input_type.name, method.output_type.name, method.server_streaming)
            for method in service.methods
        }
        assert actual == methods


@pytest.mark.skipif(
    shutil.which("protoc-gen-mypy") is None, reason="needs the dev dependencies (grpcio-tools, mypy-protobuf)"
)
def test_committed_code_is_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run(
        ["bash", str(REPO / "hack" / "gen-proto.sh"), str(tmp_path)], check=True, capture_output=True
    )
    for name in GENERATED_FILES:
        fresh = (tmp_path / "accelfleet" / "deviceplugin" / "v1beta1" / name).read_text()
        assert fresh == (GENERATED / name).read_text(), f"{name} is stale: run hack/gen-proto.sh"
