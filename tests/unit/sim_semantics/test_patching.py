"""PATCH bodies behave as kubectl and controllers expect from a real API server."""

from __future__ import annotations

from typing import Any

import pytest

from accelfleet.sim.api_errors import BadRequestError, FieldInvalidError, UnsupportedMediaTypeError
from accelfleet.sim.patching import apply_patch


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}, "finalizers": ["a"]},
        "spec": {
            "replicas": 2,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": "nginx:1",
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80}],
                        },
                        {"name": "side", "image": "busybox"},
                    ],
                    "tolerations": [{"key": "x", "operator": "Exists"}],
                }
            },
        },
    }


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return result


def test_json_patch_applies_rfc6902_operations() -> None:
    current = deployment()
    patched = apply_patch(
        current,
        [
            {"op": "replace", "path": "/spec/replicas", "value": 5},
            {"op": "remove", "path": "/metadata/labels/tier"},
        ],
        "json",
        "Deployment",
    )
    assert patched["spec"]["replicas"] == 5
    assert patched["metadata"]["labels"] == {"app": "web"}


def test_json_patch_on_a_missing_path_is_invalid_and_a_malformed_one_a_bad_request() -> None:
    with pytest.raises(FieldInvalidError):
        apply_patch(deployment(), [{"op": "remove", "path": "/spec/nothing"}], "json", "Deployment")
    with pytest.raises(FieldInvalidError):
        apply_patch(
            deployment(), [{"op": "test", "path": "/spec/replicas", "value": 9}], "json", "Deployment"
        )
    with pytest.raises(BadRequestError):
        apply_patch(deployment(), {"op": "add"}, "json", "Deployment")


def test_merge_patch_replaces_lists_and_null_deletes() -> None:
    patched = apply_patch(
        deployment(),
        {
            "metadata": {"labels": {"tier": None, "new": "x"}},
            "spec": {"template": {"spec": {"containers": []}}},
        },
        "merge",
        "Deployment",
    )
    assert patched["metadata"]["labels"] == {"app": "web", "new": "x"}
    assert containers(patched) == []


def test_strategic_merge_merges_containers_and_env_by_name() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "main", "image": "nginx:2", "env": [{"name": "C", "value": "3"}]}]
                }
            }
        }
    }
    patched = apply_patch(deployment(), patch, "strategic", "Deployment")
    main, side = containers(patched)
    assert main["image"] == "nginx:2"
    assert [e["name"] for e in main["env"]] == ["A", "B", "C"]
    assert main["ports"] == [{"containerPort": 80}]
    assert side == {"name": "side", "image": "busybox"}


def test_strategic_merge_replaces_lists_without_a_merge_key() -> None:
    patch = {"spec": {"template": {"spec": {"tolerations": [{"key": "y", "operator": "Exists"}]}}}}
    patched = apply_patch(deployment(), patch, "strategic", "Deployment")
    assert patched["spec"]["template"]["spec"]["tolerations"] == [{"key": "y", "operator": "Exists"}]


def test_strategic_merge_directives_kubectl_sends() -> None:
    patch = {
        "metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["b"]},
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "side"}, {"name": "main"}],
                    "containers": [
                        {"name": "main", "env": [{"name": "A", "$patch": "delete"}]},
                        {"name": "extra", "image": "x"},
                    ],
                }
            }
        },
    }
    patched = apply_patch(deployment(), patch, "strategic", "Deployment")
    assert patched["metadata"]["finalizers"] == ["b"]
    assert [c["name"] for c in containers(patched)] == ["side", "main", "extra"]
    assert [e["name"] for e in containers(patched)[1]["env"]] == ["B"]


def test_strategic_merge_replace_and_retain_keys() -> None:
    current = {
        "kind": "Deployment",
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "replicas": 1},
    }
    patched = apply_patch(
        current,
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
        "strategic",
        "Deployment",
    )
    assert patched["spec"]["strategy"] == {"type": "Recreate"}
    replaced = apply_patch(current, {"spec": {"$patch": "replace", "replicas": 3}}, "strategic", "Deployment")
    assert replaced["spec"] == {"replicas": 3}


def test_strategic_merge_pod_conditions_by_type_and_service_ports_by_port() -> None:
    pod = {"kind": "Pod", "status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "X"}]}}
    patched = apply_patch(
        pod, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, "strategic", "Pod"
    )
    assert patched["status"]["conditions"] == [{"type": "Ready", "status": "True"}, {"type": "X"}]
    svc = {
        "kind": "Service",
        "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]},
    }
    patched = apply_patch(
        svc, {"spec": {"ports": [{"port": 443, "targetPort": 8443}]}}, "strategic", "Service"
    )
    assert patched["spec"]["ports"][1] == {"port": 443, "name": "https", "targetPort": 8443}


def test_strategic_merge_item_without_its_merge_key_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError, match="merge key: name"):
        apply_patch(
            deployment(),
            {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}},
            "strategic",
            "Deployment",
        )


def test_custom_resources_refuse_strategic_merge_with_415() -> None:
    with pytest.raises(UnsupportedMediaTypeError, match="application/merge-patch"):
        apply_patch({"spec": {}}, {"spec": {"a": 1}}, "strategic", "AIJob", custom=True)
