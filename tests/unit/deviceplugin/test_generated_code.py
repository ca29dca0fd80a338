"""The committed gRPC code must be what hack/gen-proto.sh generates, and the wire contracts must be the kubelet's.

Two APIs are generated: the device-plugin API (package v1beta1) and the PodResources API (package v1).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from google.protobuf.descriptor import FieldDescriptor

from accelfleet.deviceplugin.podresources.v1 import api_pb2 as podresources_pb2
from accelfleet.deviceplugin.v1beta1 import api_pb2

REPO = Path(__file__).resolve().parents[3]
GENERATED_DIRS = ("accelfleet/deviceplugin/v1beta1", "accelfleet/deviceplugin/podresources/v1")
GENERATED_FILES = ("api_pb2.py", "api_pb2.pyi", "api_pb2_grpc.py", "api_pb2_grpc.pyi")

# message -> {field name: (number, label-repeated?, type)}, from the kubelet's published v1beta1 contract.
STRING = FieldDescriptor.TYPE_STRING
BOOL = FieldDescriptor.TYPE_BOOL
MSG = FieldDescriptor.TYPE_MESSAGE
INT64 = FieldDescriptor.TYPE_INT64
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
    "NUMANode": {"ID": (1, False, INT64)},
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

# The PodResources API v1, from the kubelet's published contract.
EXPECTED_PODRESOURCES_FIELDS: dict[str, dict[str, tuple[int, bool, int]]] = {
    "AllocatableResourcesRequest": {},
    "AllocatableResourcesResponse": {
        "devices": (1, True, MSG),
        "cpu_ids": (2, True, INT64),
        "memory": (3, True, MSG),
    },
    "ListPodResourcesRequest": {},
    "ListPodResourcesResponse": {"pod_resources": (1, True, MSG)},
    "PodResources": {
        "name": (1, False, STRING),
        "namespace": (2, False, STRING),
        "containers": (3, True, MSG),
        "cpu_ids": (4, True, INT64),
        "memory": (5, True, MSG),
    },
    "ContainerResources": {
        "name": (1, False, STRING),
        "devices": (2, True, MSG),
        "cpu_ids": (3, True, INT64),
        "memory": (4, True, MSG),
        "dynamic_resources": (5, True, MSG),
    },
    "ContainerMemory": {
        "memory_type": (1, False, STRING),
        "size": (2, False, FieldDescriptor.TYPE_UINT64),
        "topology": (3, False, MSG),
    },
    "ContainerDevices": {
        "resource_name": (1, False, STRING),
        "device_ids": (2, True, STRING),
        "topology": (3, False, MSG),
    },
    "TopologyInfo": {"nodes": (1, True, MSG)},
    "NUMANode": {"ID": (1, False, INT64)},
    "DynamicResource": {
        "claim_name": (2, False, STRING),
        "claim_namespace": (3, False, STRING),
        "claim_resources": (4, True, MSG),
    },
    "ClaimResource": {
        "cdi_devices": (1, True, MSG),
        "driver_name": (2, False, STRING),
        "pool_name": (3, False, STRING),
        "device_name": (4, False, STRING),
        "share_id": (5, False, STRING),
    },
    "CDIDevice": {"name": (1, False, STRING)},
    "GetPodResourcesRequest": {"pod_name": (1, False, STRING), "pod_namespace": (2, False, STRING)},
    "GetPodResourcesResponse": {"pod_resources": (1, False, MSG)},
}

EXPECTED_PODRESOURCES_METHODS = {
    "PodResourcesLister": {
        "List": ("ListPodResourcesRequest", "ListPodResourcesResponse", False),
        "GetAllocatableResources": ("AllocatableResourcesRequest", "AllocatableResourcesResponse", False),
        "Get": ("GetPodResourcesRequest", "GetPodResourcesResponse", False),
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


def test_podresources_package_is_v1() -> None:
    assert podresources_pb2.DESCRIPTOR.package == "v1"


def test_podresources_messages_and_field_numbers_match_the_kubelet() -> None:
    messages = podresources_pb2.DESCRIPTOR.message_types_by_name
    assert set(messages) == set(EXPECTED_PODRESOURCES_FIELDS)
    for name, fields in EXPECTED_PODRESOURCES_FIELDS.items():
        descriptor = messages[name]
        assert descriptor.full_name == f"v1.{name}"
        actual = {field.name: (field.number, field.is_repeated, field.type) for field in descriptor.fields}
        assert actual == fields, name


def test_podresources_service_and_method_paths_match_the_kubelet() -> None:
    services = podresources_pb2.DESCRIPTOR.services_by_name
    assert set(services) == set(EXPECTED_PODRESOURCES_METHODS)
    for service_name, methods in EXPECTED_PODRESOURCES_METHODS.items():
        service = services[service_name]
        assert service.full_name == f"v1.{service_name}"
        actual = {
            method.name: (method.input_type.name, method.output_type.name, method.server_streaming)
            for method in service.methods
        }
        assert actual == methods


def test_same_named_messages_of_both_apis_live_side_by_side() -> None:
    """Both APIs define TopologyInfo and NUMANode; one process uses both, so they must not clash."""
    assert api_pb2.TopologyInfo.DESCRIPTOR.full_name == "v1beta1.TopologyInfo"
    assert podresources_pb2.TopologyInfo.DESCRIPTOR.full_name == "v1.TopologyInfo"
    topology = podresources_pb2.TopologyInfo(nodes=[podresources_pb2.NUMANode(ID=1)])
    assert podresources_pb2.TopologyInfo.FromString(topology.SerializeToString()).nodes[0].ID == 1


@pytest.mark.skipif(
    shutil.which("protoc-gen-mypy") is None, reason="needs the dev dependencies (grpcio-tools, mypy-protobuf)"
)
def test_committed_code_is_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run(
        ["bash", str(REPO / "hack" / "gen-proto.sh"), str(tmp_path)], check=True, capture_output=True
    )
    for directory in GENERATED_DIRS:
        for name in GENERATED_FILES:
            fresh = (tmp_path / directory / name).read_text()
            assert fresh == (REPO / directory / name).read_text(), (
                f"{directory}/{name} is stale: run hack/gen-proto.sh"
            )
