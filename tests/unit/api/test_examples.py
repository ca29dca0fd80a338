"""Every example is judged by the generated CRD schemas themselves, with an OpenAPI 3.0 validator."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator
from pydantic import ValidationError as ModelError

from accelfleet.api.aijob import AIJob
from accelfleet.api.catalog import builtin_cards
from accelfleet.api.fleets import platforms_yaml
from accelfleet.cli.catalog import catalog_yaml

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
VALID = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("platforms/*.yaml"), *EXAMPLES.glob("jobs/*.yaml")])
INVALID = sorted(EXAMPLES.glob("invalid/*.yaml"))
EXPECT = re.compile(r"^# accelfleet-expect: (schema|cel|operator)$", re.MULTILINE)


def _validators() -> dict[str, OAS30Validator]:
    validators = {}
    for path in (REPO / "crds").glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        validators[crd["spec"]["names"]["kind"]] = OAS30Validator(schema)
    return validators


VALIDATORS = _validators()


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _schema_errors(document: dict[str, Any]) -> list[str]:
    validator = VALIDATORS[document["kind"]]
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_valid_examples_pass_the_crd_schema(path: Path) -> None:
    documents = _documents(path)
    assert documents
    for document in documents:
        assert document["apiVersion"] == "accelfleet.io/v1alpha1"
        assert _schema_errors(document) == []


def test_every_invalid_example_says_why_and_how_it_is_refused() -> None:
    assert INVALID
    for path in INVALID:
        text = path.read_text()
        assert EXPECT.search(text), f"{path.name} lacks '# accelfleet-expect: schema|cel|operator'"
        assert text.startswith("# Refused by") or text.startswith("# Schema-valid"), path.name


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_examples_are_refused_where_a_schema_can(path: Path) -> None:
    match = EXPECT.search(path.read_text())
    assert match
    (document,) = _documents(path)
    errors = _schema_errors(document)
    if match.group(1) == "schema":
        assert errors, f"{path.name} should be refused by the CRD schema"
        with pytest.raises((ModelError, ValidationError)):
            AIJob.model_validate(document)
    else:
        assert errors == [], f"{path.name} is meant to pass the schema: {errors}"


def test_cel_rule_is_enforced_by_the_models() -> None:
    (document,) = _documents(EXAMPLES / "invalid" / "min-available-over-replicas.yaml")
    with pytest.raises(ModelError, match="minAvailable"):
        AIJob.model_validate(document)


def test_semantic_only_rejections_are_listed() -> None:
    operator_only = sorted(p.name for p in INVALID if "accelfleet-expect: operator" in p.read_text())
    assert operator_only == ["exceeds-fleet.yaml", "scope-never-satisfiable.yaml", "unknown-model.yaml"]


def test_generated_examples_are_current() -> None:
    assert (EXAMPLES / "catalog.yaml").read_text().split("\n", 1)[1] == catalog_yaml(builtin_cards())
    for preset in ("small", "scnet"):
        assert (EXAMPLES / "platforms" / f"{preset}.yaml").read_text() == platforms_yaml(preset), (
            "run hack/update-generated.sh"
        )


def test_job_examples_parse_as_models() -> None:
    for path in EXAMPLES.glob("jobs/*.yaml"):
        (document,) = _documents(path)
        job = AIJob.model_validate(document)
        assert job.spec.total_cards <= 32, f"{path.name} must fit the small fleet's platforms"
