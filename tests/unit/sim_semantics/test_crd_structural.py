"""CRDs the real server would refuse are refused; accepted ones get the names and status clients wait for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from accelfleet.sim.crd_structural import check_crd, crd_invalid_error, crd_status, default_crd

REPO = Path(__file__).resolve().parents[3]


def crd(schema: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.x.io"},
        "spec": {
            "group": "x.io",
            "names": {"plural": "things", "kind": "Thing"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}
            ],
            **spec,
        },
    }


def test_the_project_crds_are_structural() -> None:
    for path in sorted((REPO / "crds").glob("*.yaml")):
        assert check_crd(yaml.safe_load(path.read_text())) == [], path.name


def test_untyped_nodes_and_refs_are_refused() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {"properties": {"a": {"$ref": "#/x"}, "ok": {"x-kubernetes-int-or-string": True}}}
        },
    }
    errors = [str(e) for e in check_crd(crd(schema))]
    root = "spec.versions[0].schema.openAPIV3Schema"
    assert (
        f"{root}.properties[spec].type: Required value: must not be empty for specified object fields"
        in errors
    )
    assert f"{root}.properties[spec].properties[a].$ref: Forbidden: $ref is not supported" in errors
    assert not any("properties[ok]" in e for e in errors)


def test_names_scope_and_storage_versions_are_checked() -> None:
    bad = crd({"type": "object"}, scope="Galaxy", group="y.io")
    bad["spec"]["versions"].append(
        {"name": "v2", "storage": True, "schema": {"openAPIV3Schema": {"type": "object"}}}
    )
    del bad["spec"]["names"]["kind"]
    message = crd_invalid_error(bad, check_crd(bad)).message
    assert message.startswith('CustomResourceDefinition.apiextensions.k8s.io "things.x.io" is invalid: [')
    assert "spec.names.kind: Required value" in message
    assert 'metadata.name: Invalid value: "things.x.io": must be spec.names.plural+"."+spec.group' in message
    assert 'spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"' in message
    assert "must have exactly one version marked as storage version" in message


def test_defaults_and_status_after_creation() -> None:
    created = default_crd(crd({"type": "object"}))
    assert created["spec"]["names"]["singular"] == "thing"
    assert created["spec"]["names"]["listKind"] == "ThingList"
    status = crd_status(created, "2025-01-01T00:00:00Z")
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "NamesAccepted": "True",
        "Established": "True",
    }
    assert status["acceptedNames"]["plural"] == "things"
    assert status["storedVersions"] == ["v1"]
