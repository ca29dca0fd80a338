"""CEL rules of a CRD refuse objects the way the real server words it."""

from __future__ import annotations

from typing import Any

from accelfleet.sim.crd_schema import compile_schema
from accelfleet.sim.crd_structural import check_crd

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "x-kubernetes-validations": [
                {"rule": "self.low <= self.high", "message": "low must not exceed high", "fieldPath": ".low"},
                {"rule": "!has(self.frozen) || !self.frozen || self.high < 10"},
                {"rule": "self.high == oldSelf.high", "message": "high is immutable"},
            ],
            "properties": {
                "low": {"type": "integer"},
                "high": {"type": "integer"},
                "frozen": {"type": "boolean"},
                "tags": {
                    "type": "array",
                    "items": {"type": "string"},
                    "x-kubernetes-validations": [
                        {
                            "rule": "size(self) <= 2",
                            "message": "at most two tags",
                            "reason": "FieldValueForbidden",
                        }
                    ],
                },
            },
        }
    },
}


def errors(**spec: Any) -> list[str]:
    return [str(e) for e in compile_schema(SCHEMA).validate({"spec": spec})]


def test_rules_that_hold_give_no_errors_and_transition_rules_are_skipped() -> None:
    assert errors(low=1, high=5, frozen=True, tags=["a"]) == []


def test_a_failed_rule_names_its_field_path_and_message() -> None:
    assert errors(low=7, high=5) == ['spec.low: Invalid value: "object": low must not exceed high']


def test_a_rule_without_message_reports_the_rule_and_reason_sets_the_cause() -> None:
    assert errors(low=1, high=50, frozen=True) == [
        'spec: Invalid value: "object": failed rule: !has(self.frozen) || !self.frozen || self.high < 10'
    ]
    assert errors(low=1, high=2, tags=["a", "b", "c"]) == ["spec.tags: Forbidden: at most two tags"]


def test_rules_do_not_run_on_values_the_schema_already_refuses() -> None:
    assert errors(low="x", high=1) == [
        'spec.low: Invalid value: "string": spec.low in body must be of type integer: "string"'
    ]


def test_a_crd_whose_rule_does_not_compile_is_refused() -> None:
    crd = {
        "metadata": {"name": "things.x.io"},
        "spec": {
            "group": "x.io",
            "names": {"plural": "things", "kind": "Thing"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-validations": [{"rule": "self.a +"}],
                        }
                    },
                }
            ],
        },
    }
    [error] = check_crd(crd)
    assert error.field == "spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[0].rule"
    assert error.detail.startswith("compilation failed:")
