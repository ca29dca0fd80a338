"""Server-side apply: ownership, removal and conflicts as kubectl --server-side and helm v4 rely on."""

from __future__ import annotations

from typing import Any

import pytest

from accelfleet.sim.api_errors import ApplyConflictError, BadRequestError
from accelfleet.sim.merge_rules import ListRule
from accelfleet.sim.patching import record_update, server_side_apply

NOW = "2025-01-01T00:00:00Z"


def config_map(data: dict[str, str], labels: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "cfg", "namespace": "default"}
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def deployment(image: str, replicas: int | None = 2, env: list[str] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "main", "image": image}
    if env is not None:
        container["env"] = [{"name": name, "value": "v"} for name in env]
    spec: dict[str, Any] = {"template": {"spec": {"containers": [container]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec}


def managers(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e for e in obj["metadata"]["managedFields"]}


def test_apply_creates_and_records_an_apply_entry_in_fieldsv1() -> None:
    created = server_side_apply(None, config_map({"a": "1"}, {"app": "x"}), "helm", False, NOW)
    assert created["data"] == {"a": "1"}
    entry = managers(created)[("helm", "Apply")]
    assert entry["apiVersion"] == "v1"
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["time"] == NOW
    assert entry["fieldsV1"] == {
        "f:data": {".": {}, "f:a": {}},
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
    }


def test_list_items_are_owned_by_their_keys() -> None:
    created = server_side_apply(None, deployment("nginx", env=["A"]), "kubectl", False, NOW)
    fields = managers(created)[("kubectl", "Apply")]["fieldsV1"]
    item = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"main"}']
    assert item == {
        ".": {},
        "f:name": {},
        "f:image": {},
        "f:env": {".": {}, 'k:{"name":"A"}': {".": {}, "f:name": {}, "f:value": {}}},
    }


def test_fields_a_manager_stops_applying_are_removed() -> None:
    first = server_side_apply(None, config_map({"a": "1", "b": "2"}, {"app": "x"}), "helm", False, NOW)
    second = server_side_apply(first, config_map({"a": "1"}), "helm", False, NOW)
    assert second["data"] == {"a": "1"}
    assert "labels" not in second["metadata"]


def test_list_items_a_manager_stops_applying_are_removed() -> None:
    first = server_side_apply(None, deployment("nginx", env=["A", "B"]), "kubectl", False, NOW)
    second = server_side_apply(first, deployment("nginx", env=["B"]), "kubectl", False, NOW)
    assert second["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "B", "value": "v"}]


def test_fields_another_manager_owns_survive_removal() -> None:
    first = server_side_apply(None, config_map({"a": "1"}), "helm", False, NOW)
    shared = server_side_apply(first, config_map({"a": "1", "b": "2"}), "other", False, NOW)
    nothing = config_map({})
    del nothing["data"]
    dropped = server_side_apply(shared, nothing, "helm", False, NOW)
    assert dropped["data"] == {"a": "1", "b": "2"}
    assert ("helm", "Apply") not in managers(dropped)


def test_applying_over_another_managers_value_is_a_409_naming_manager_and_field() -> None:
    first = server_side_apply(None, deployment("nginx"), "kubectl", False, NOW)
    with pytest.raises(ApplyConflictError) as caught:
        server_side_apply(first, deployment("nginx", replicas=5), "helm", False, NOW)
    err = caught.value
    assert err.status_code == 409
    assert err.message == 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas'
    assert err.details == {
        "causes": [
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "kubectl"',
                "field": ".spec.replicas",
            }
        ]
    }


def test_force_takes_ownership_away_from_the_other_manager() -> None:
    first = server_side_apply(None, deployment("nginx"), "kubectl", False, NOW)
    forced = server_side_apply(first, deployment("nginx", replicas=5), "helm", True, NOW)
    assert forced["spec"]["replicas"] == 5
    kubectl_fields = managers(forced)[("kubectl", "Apply")]["fieldsV1"]
    assert "f:replicas" not in kubectl_fields["f:spec"]
    assert "f:replicas" in managers(forced)[("helm", "Apply")]["fieldsV1"]["f:spec"]


def test_same_value_is_shared_without_conflict() -> None:
    first = server_side_apply(None, deployment("nginx"), "kubectl", False, NOW)
    second = server_side_apply(first, deployment("nginx"), "helm", False, NOW)
    assert set(managers(second)) == {("kubectl", "Apply"), ("helm", "Apply")}


def test_updates_are_recorded_and_conflict_with_later_applies() -> None:
    applied = server_side_apply(None, deployment("nginx"), "helm", False, NOW)
    scaled = record_update(
        applied, {**applied, "spec": {**applied["spec"], "replicas": 7}}, "kubectl-scale", NOW
    )
    entry = managers(scaled)[("kubectl-scale", "Update")]
    assert entry["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert entry["apiVersion"] == "apps/v1"
    assert "f:replicas" not in managers(scaled)[("helm", "Apply")]["fieldsV1"]["f:spec"]
    with pytest.raises(ApplyConflictError, match='conflict with "kubectl-scale" using apps/v1'):
        server_side_apply(scaled, deployment("nginx", replicas=2), "helm", False, NOW)


def test_an_update_that_changes_nothing_keeps_managed_fields() -> None:
    applied = server_side_apply(None, deployment("nginx"), "helm", False, NOW)
    same = record_update(applied, applied, "kopf", "2030-01-01T00:00:00Z")
    assert same["metadata"]["managedFields"] == applied["metadata"]["managedFields"]


def test_finalizers_are_a_set_per_manager() -> None:
    def with_finalizers(names: list[str]) -> dict[str, Any]:
        obj = config_map({})
        obj["metadata"]["finalizers"] = names
        return obj

    first = server_side_apply(None, with_finalizers(["a"]), "one", False, NOW)
    both = server_side_apply(first, with_finalizers(["b"]), "two", False, NOW)
    assert both["metadata"]["finalizers"] == ["a", "b"]
    dropped = server_side_apply(both, with_finalizers([]), "one", False, NOW)
    assert dropped["metadata"]["finalizers"] == ["b"]


def test_custom_list_rules_from_a_schema_are_honoured() -> None:
    def rules(path: tuple[str, ...]) -> ListRule:
        return ListRule("map", ("name",)) if path == ("spec", "items") else ListRule("atomic")

    def job(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"items": items}}

    first = server_side_apply(None, job([{"name": "a", "v": 1}]), "one", False, NOW, rules=rules)
    both = server_side_apply(first, job([{"name": "b", "v": 2}]), "two", False, NOW, rules=rules)
    assert both["spec"]["items"] == [{"name": "a", "v": 1}, {"name": "b", "v": 2}]


def test_applied_configuration_must_name_the_object_and_not_carry_managed_fields() -> None:
    with pytest.raises(BadRequestError):
        server_side_apply(None, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}, "m", False, NOW)
    bad = config_map({})
    bad["metadata"]["managedFields"] = [{"manager": "x"}]
    with pytest.raises(BadRequestError, match="managedFields must be nil"):
        server_side_apply(None, bad, "m", False, NOW)
