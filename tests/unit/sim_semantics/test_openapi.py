"""OpenAPI documents carry what kubectl and helm look for before they write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from accelfleet.sim.builtin_types import AIJOBS, PODS
from accelfleet.sim.crd_schema import CompiledSchema, compile_schema, version_schema
from accelfleet.sim.openapi import document_hash, v2_document, v3_document, v3_index
from accelfleet.sim.store import ResourceType

REPO = Path(__file__).resolve().parents[3]
DEPLOYMENTS = ResourceType("apps", "v1", "deployments", "Deployment", True)


@dataclass(frozen=True)
class Served:
    rtype: ResourceType
    builtin: bool = True
    subresources: frozenset[str] = frozenset({"status"})
    schema: CompiledSchema | None = None


def aijob_kind() -> Served:
    crd = yaml.safe_load((REPO / "crds" / "accelfleet.io_aijobs.yaml").read_text())
    return Served(AIJOBS, builtin=False, schema=compile_schema(version_schema(crd, "v1alpha1") or {}))


KINDS = [Served(PODS), Served(DEPLOYMENTS), aijob_kind()]


def patch_operation(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    for item in doc["paths"].values():
        patch = item.get("patch")
        if (
            patch
            and patch["x-kubernetes-group-version-kind"]["kind"] == kind
            and "Status" not in patch["operationId"]
        ):
            return dict(patch)
    raise AssertionError(f"no PATCH operation for {kind}")


def test_index_lists_every_group_version_with_a_content_hash() -> None:
    index = v3_index(KINDS)["paths"]
    assert set(index) == {"api/v1", "apis/apps/v1", "apis/accelfleet.io/v1alpha1"}
    core = v3_document(KINDS, "api/v1")
    assert core is not None
    assert index["api/v1"]["serverRelativeURL"] == f"/openapi/v3/api/v1?hash={document_hash(core)}"
    assert v3_document(KINDS, "apis/batch/v1") is None


def test_patch_operations_advertise_field_validation_for_kubectl_and_helm() -> None:
    doc = v3_document(KINDS, "apis/accelfleet.io/v1alpha1")
    assert doc is not None
    patch = patch_operation(doc, "AIJob")
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "accelfleet.io",
        "kind": "AIJob",
        "version": "v1alpha1",
    }
    assert {p["name"] for p in patch["parameters"]} >= {"fieldValidation", "dryRun", "fieldManager", "force"}
    assert "/apis/accelfleet.io/v1alpha1/namespaces/{namespace}/aijobs/{name}/status" in doc["paths"]


def test_no_strategic_merge_content_type_so_kubectl_uses_its_exact_builtin_metadata() -> None:
    for gv, kind in (
        ("api/v1", "Pod"),
        ("apis/apps/v1", "Deployment"),
        ("apis/accelfleet.io/v1alpha1", "AIJob"),
    ):
        doc = v3_document(KINDS, gv)
        assert doc is not None
        content = patch_operation(doc, kind)["requestBody"]["content"]
        assert "application/merge-patch+json" in content
        assert "application/strategic-merge-patch+json" not in content


def test_crd_schema_is_published_verbatim_under_its_gvk() -> None:
    doc = v3_document(KINDS, "apis/accelfleet.io/v1alpha1")
    assert doc is not None
    schema = doc["components"]["schemas"]["io.accelfleet.v1alpha1.AIJob"]
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": "accelfleet.io", "kind": "AIJob", "version": "v1alpha1"}
    ]
    assert schema["properties"]["spec"]["properties"]["replicas"]["minimum"] == 1
    assert schema["properties"]["metadata"]["allOf"][0]["$ref"].endswith("meta.v1.ObjectMeta")
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in doc["components"]["schemas"]


def test_builtin_schemas_carry_list_merge_extensions() -> None:
    doc = v3_document(KINDS, "apis/apps/v1")
    assert doc is not None
    deployment = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    containers = deployment["properties"]["spec"]["properties"]["template"]["properties"]["spec"][
        "properties"
    ]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    env = containers["items"]["properties"]["env"]
    assert env["x-kubernetes-list-map-keys"] == ["name"]


def test_v2_document_is_swagger_with_definitions_and_no_nullable() -> None:
    doc = v2_document(KINDS)
    assert doc["swagger"] == "2.0"
    assert "io.k8s.api.core.v1.Pod" in doc["definitions"]
    assert "nullable" not in str(doc["definitions"]["io.accelfleet.v1alpha1.AIJob"])
    patch = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]
    assert "application/merge-patch+json" in patch["consumes"]
    assert (
        patch["parameters"][-1]["schema"]["$ref"]
        == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
    )
