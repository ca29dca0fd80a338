"""Custom resources are pruned, defaulted and refused as the real API server does it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from accelfleet.sim.api_errors import FieldInvalidError, status_body
from accelfleet.sim.crd_schema import (
    compile_schema,
    strict_decoding_error,
    unknown_field_warnings,
    version_schema,
)
from accelfleet.sim.field_errors import invalid_error
from accelfleet.sim.merge_rules import ListRule

REPO = Path(__file__).resolve().parents[3]

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["replicas"],
            "properties": {
                "replicas": {"type": "integer", "minimum": 1, "format": "int32"},
                "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "when": {"type": "string", "format": "date-time"},
                "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
                "gang": {
                    "type": "object",
                    "default": {},
                    "properties": {
                        "timeout": {"type": "integer", "default": 300},
                        "min": {"type": "integer"},
                    },
                },
                "items": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "size": {"type": "integer", "default": 1}},
                    },
                },
                "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
    },
}


def thing(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "x.io/v1",
        "kind": "Thing",
        "metadata": {"name": "bad"},
        "spec": {"replicas": 1, **spec},
    }


def messages(obj: dict[str, Any]) -> list[str]:
    schema = compile_schema(SCHEMA)
    return [str(e) for e in schema.validate(schema.default(schema.prune(obj)[0]))]


def test_valid_object_has_no_errors() -> None:
    assert messages(thing(port="http", note=None, when="2025-01-02T03:04:05Z", name="abc")) == []
    assert messages(thing(port=8080, labels={"a": "b"}, free={"anything": [1, {"x": 2}]})) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"replicas": 0},
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
        ),
        (
            {"replicas": "two"},
            'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
        ),
        (
            {"replicas": None},
            'spec.replicas: Invalid value: "null": spec.replicas in body must be of type integer: "null"',
        ),
        ({"mode": "c"}, 'spec.mode: Unsupported value: "c": supported values: "a", "b"'),
        ({"name": "ABC"}, "spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'"),
        (
            {"name": "abcdefg"},
            'spec.name: Invalid value: "abcdefg": spec.name in body should be at most 5 chars long',
        ),
        (
            {"when": "yesterday"},
            'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
        ),
        (
            {"replicas": 2**40},
            "spec.replicas: Invalid value: 1099511627776: spec.replicas in body must be of type int32: 1099511627776",
        ),
        (
            {"port": 1.5},
            'spec.port: Invalid value: "number": spec.port in body must be of type integer: "number"',
        ),
    ],
)
def test_errors_are_worded_like_the_real_server(spec: dict[str, Any], expected: str) -> None:
    assert messages(thing(**spec)) == [expected]


def test_missing_required_field() -> None:
    obj = thing()
    del obj["spec"]["replicas"]
    assert messages(obj) == ["spec.replicas: Required value"]


def test_defaults_fill_absent_fields_inside_present_and_defaulted_objects() -> None:
    schema = compile_schema(SCHEMA)
    defaulted = schema.default(thing(items=[{"name": "x"}], mode=None))
    assert defaulted["spec"]["mode"] == "a"
    assert defaulted["spec"]["gang"] == {"timeout": 300}
    assert defaulted["spec"]["items"] == [{"name": "x", "size": 1}]
    kept = schema.default(thing(gang={"min": 2}))
    assert kept["spec"]["gang"] == {"min": 2, "timeout": 300}


def test_pruning_drops_undeclared_fields_and_reports_them() -> None:
    schema = compile_schema(SCHEMA)
    obj = thing(bogus=1, free={"kept": True}, items=[{"name": "x", "extra": 2}])
    obj["metadata"]["labels"] = {"kept": "yes"}
    obj["surprise"] = True
    pruned, unknown = schema.prune(obj)
    assert "bogus" not in pruned["spec"]
    assert pruned["spec"]["free"] == {"kept": True}
    assert pruned["spec"]["items"] == [{"name": "x"}]
    assert pruned["metadata"]["labels"] == {"kept": "yes"}
    assert sorted(unknown) == ["spec.bogus", "spec.items[0].extra", "surprise"]
    assert (
        strict_decoding_error(["spec.bogus"]).message == 'strict decoding error: unknown field "spec.bogus"'
    )
    assert unknown_field_warnings(["spec.bogus"]) == ['unknown field "spec.bogus"']


def test_admit_raises_the_422_status_kubectl_prints() -> None:
    with pytest.raises(FieldInvalidError) as caught:
        compile_schema(SCHEMA).admit(thing(replicas=0, mode="z"), "Thing", "x.io")
    body = status_body(caught.value)
    assert body["code"] == 422
    assert body["reason"] == "Invalid"
    assert body["message"] == (
        'Thing.x.io "bad" is invalid: [spec.mode: Unsupported value: "z": supported values: "a", "b", '
        "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1]"
    )
    assert body["details"]["causes"][1] == {
        "reason": "FieldValueInvalid",
        "message": "Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
        "field": "spec.replicas",
    }
    assert body["details"]["kind"] == "Thing"
    assert body["details"]["group"] == "x.io"


def test_list_rules_follow_the_schema() -> None:
    schema = compile_schema(SCHEMA)
    assert schema.list_rules(("spec", "items")) == ListRule("map", ("name",))
    assert schema.list_rules(("spec", "tags")) == ListRule("set")
    assert schema.list_rules(("spec", "free", "x")) == ListRule("atomic")
    assert schema.list_rules(("metadata", "finalizers")) == ListRule("set")


def test_project_aijob_crd_refuses_the_schema_and_cel_invalid_examples() -> None:
    crd = yaml.safe_load((REPO / "crds" / "accelfleet.io_aijobs.yaml").read_text())
    schema = compile_schema(version_schema(crd, "v1alpha1") or {})
    for path in sorted((REPO / "examples" / "invalid").glob("*.yaml")):
        obj = yaml.safe_load(path.read_text())
        text = path.read_text()
        expect_schema = "accelfleet-expect: schema" in text or "accelfleet-expect: cel" in text
        pruned, _ = schema.prune(copy.deepcopy(obj))
        assert bool(schema.validate(schema.default(pruned))) == expect_schema, path.name
    zero = yaml.safe_load((REPO / "examples" / "invalid" / "zero-replicas.yaml").read_text())
    err = invalid_error("AIJob", "accelfleet.io", "zero-replicas", schema.validate(schema.default(zero)))
    assert err.message == (
        'AIJob.accelfleet.io "zero-replicas" is invalid: spec.replicas: Invalid value: 0: '
        "spec.replicas in body should be greater than or equal to 1"
    )
