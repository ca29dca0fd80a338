"""Tables carry the columns and cells kubectl prints for custom resources and built-in kinds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from accelfleet.sim import jsonpath
from accelfleet.sim.builtin_types import AIJOBS, NODES, PODS
from accelfleet.sim.store import ResourceType
from accelfleet.sim.table_printers import human_duration
from accelfleet.sim.tables import to_table

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
FIVE_MIN_AGO = "2025-01-01T11:55:00Z"

AIJOB_COLUMNS: list[dict[str, Any]] = [
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Ready", "type": "integer", "jsonPath": ".status.readyReplicas"},
    {"name": "Valid", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Valid")].status'},
    {"name": "Scope", "type": "string", "jsonPath": ".spec.topology.scope", "priority": 1},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def aijob() -> dict[str, Any]:
    return {
        "apiVersion": "accelfleet.io/v1alpha1",
        "kind": "AIJob",
        "metadata": {
            "name": "train",
            "namespace": "default",
            "creationTimestamp": FIVE_MIN_AGO,
            "labels": {"a": "b"},
        },
        "spec": {"topology": {"scope": "supernode"}},
        "status": {
            "phase": "Running",
            "readyReplicas": 4,
            "conditions": [{"type": "Valid", "status": "True"}],
        },
    }


def column_names(table: dict[str, Any]) -> list[str]:
    return [c["name"] for c in table["columnDefinitions"]]


def test_custom_resource_table_uses_printer_columns_with_server_side_ages() -> None:
    table = to_table(AIJOBS, [aijob()], AIJOB_COLUMNS, now=NOW, resource_version="42")
    assert table["kind"] == "Table"
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "42"}
    assert column_names(table) == ["Name", "Phase", "Ready", "Valid", "Scope", "Age"]
    assert table["columnDefinitions"][4]["priority"] == 1
    assert table["rows"][0]["cells"] == ["train", "Running", 4, "True", "supernode", "5m"]


def test_rows_carry_partial_object_metadata_unless_asked_otherwise() -> None:
    row = to_table(AIJOBS, [aijob()], AIJOB_COLUMNS, now=NOW)["rows"][0]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["labels"] == {"a": "b"}
    full = to_table(AIJOBS, [aijob()], AIJOB_COLUMNS, now=NOW, include_object="Object")["rows"][0]
    assert full["object"]["status"]["phase"] == "Running"
    assert (
        "object" not in to_table(AIJOBS, [aijob()], AIJOB_COLUMNS, now=NOW, include_object="None")["rows"][0]
    )


def test_missing_values_are_null_cells_and_no_columns_means_name_and_age() -> None:
    job = aijob()
    del job["status"]
    assert to_table(AIJOBS, [job], AIJOB_COLUMNS, now=NOW)["rows"][0]["cells"] == [
        "train",
        None,
        None,
        None,
        "supernode",
        "5m",
    ]
    bare = to_table(AIJOBS, [job], [], now=NOW)
    assert column_names(bare) == ["Name", "Age"]
    assert bare["rows"][0]["cells"] == ["train", "5m"]


def test_pod_table_matches_kubectl_columns() -> None:
    pod = {
        "metadata": {"name": "p", "creationTimestamp": FIVE_MIN_AGO},
        "spec": {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]},
        "status": {
            "phase": "Running",
            "podIP": "10.0.0.5",
            "containerStatuses": [
                {"name": "a", "ready": True, "restartCount": 0, "state": {"running": {}}},
                {"name": "b", "ready": False, "restartCount": 2, "state": {"running": {}}},
            ],
        },
    }
    table = to_table(PODS, [pod], None, now=NOW)
    assert column_names(table) == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
        "IP",
        "Node",
        "Nominated Node",
        "Readiness Gates",
    ]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert table["rows"][0]["cells"] == [
        "p",
        "1/2",
        "Running",
        "2",
        "5m",
        "10.0.0.5",
        "n1",
        "<none>",
        "<none>",
    ]


@pytest.mark.parametrize(
    ("pod", "status"),
    [
        ({"spec": {"schedulingGates": [{"name": "g"}]}, "status": {"phase": "Pending"}}, "SchedulingGated"),
        (
            {
                "status": {
                    "phase": "Succeeded",
                    "containerStatuses": [{"state": {"terminated": {"reason": "Completed"}}}],
                }
            },
            "Completed",
        ),
        (
            {
                "status": {
                    "phase": "Failed",
                    "containerStatuses": [{"state": {"terminated": {"exitCode": 3}}}],
                }
            },
            "ExitCode:3",
        ),
        ({"metadata": {"deletionTimestamp": FIVE_MIN_AGO}, "status": {"phase": "Running"}}, "Terminating"),
    ],
)
def test_pod_status_column(pod: dict[str, Any], status: str) -> None:
    pod.setdefault("metadata", {})["name"] = "p"
    assert to_table(PODS, [pod], None, now=NOW)["rows"][0]["cells"][2] == status


def test_node_table_status_roles_and_version() -> None:
    node = {
        "metadata": {
            "name": "n1",
            "creationTimestamp": FIVE_MIN_AGO,
            "labels": {"node-role.kubernetes.io/worker": ""},
        },
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "nodeInfo": {"kubeletVersion": "v1.33.0"},
            "addresses": [{"type": "InternalIP", "address": "10.1.0.1"}],
        },
    }
    cells = to_table(NODES, [node], None, now=NOW)["rows"][0]["cells"]
    assert cells[:6] == ["n1", "Ready,SchedulingDisabled", "worker", "5m", "v1.33.0", "10.1.0.1"]


def test_kinds_without_a_printer_get_name_and_created_at() -> None:
    thing = ResourceType("x.io", "v1", "things", "Thing", True)
    table = to_table(thing, [{"metadata": {"name": "t", "creationTimestamp": FIVE_MIN_AGO}}], None, now=NOW)
    assert column_names(table) == ["Name", "Created At"]
    assert table["rows"][0]["cells"] == ["t", FIVE_MIN_AGO]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5s"),
        (119, "119s"),
        (150, "2m30s"),
        (600, "10m"),
        (3 * 3600 + 60, "3h1m"),
        (30 * 3600, "30h"),
        (3 * 86400 + 3600, "3d1h"),
        (30 * 86400, "30d"),
        (3 * 365 * 86400, "3y"),
    ],
)
def test_human_duration_matches_apimachinery(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_jsonpath_subset() -> None:
    obj = {
        "spec": {"items": [{"name": "a", "n": 1}, {"name": "b", "n": 2}]},
        "metadata": {"labels": {"x.io/k": "v"}},
    }
    assert jsonpath.first(obj, ".spec.items[1].name") == "b"
    assert jsonpath.find(obj, jsonpath.parse(".spec.items[*].name")) == ["a", "b"]
    assert jsonpath.first(obj, '.spec.items[?(@.name=="b")].n') == 2
    assert jsonpath.first(obj, ".metadata.labels['x.io/k']") == "v"
    assert jsonpath.first(obj, "{.spec.missing}") is None
    with pytest.raises(ValueError, match="unclosed"):
        jsonpath.parse(".spec.items[0")
