"""The models carry the contract's defaults and refuse what the contract forbids."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from accelfleet.api.aijob import AIJob, Phase, Scope, ScopeMode
from accelfleet.api.platform import ScaleXPlatform


def _job(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "replicas": 2,
        "cardsPerReplica": 8,
        "template": {"spec": {"containers": [{"name": "main", "image": "x"}]}},
    }
    base.update(spec)
    return {"apiVersion": "accelfleet.io/v1alpha1", "kind": "AIJob", "metadata": {"name": "j"}, "spec": base}


def test_aijob_defaults_follow_the_design() -> None:
    job = AIJob.model_validate(_job())
    assert job.spec.topology.scope is Scope.SUPERNODE
    assert job.spec.topology.mode is ScopeMode.PREFERRED
    assert job.spec.gang.timeout_seconds == 300
    assert job.spec.effective_min_available == 2
    assert job.spec.priority == 0 and job.spec.backoff_limit == 3
    assert job.spec.total_cards == 16


def test_min_available_cannot_exceed_replicas() -> None:
    with pytest.raises(ValidationError, match=r"gang.minAvailable \(3\) must not exceed replicas \(2\)"):
        AIJob.model_validate(_job(gang={"minAvailable": 3}))


@pytest.mark.parametrize(
    ("field", "value"),
    [("replicas", 0), ("cardsPerReplica", -1), ("backoffLimit", -1), ("priority", "high")],
)
def test_out_of_range_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        AIJob.model_validate(_job(**{field: value}))


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="replica"):
        AIJob.model_validate(_job(replica=3))


def test_any_pod_template_is_accepted() -> None:
    template = {
        "metadata": {"labels": {"team": "llm"}},
        "spec": {
            "containers": [{"name": "main", "image": "x", "resources": {"limits": {"memory": "1Gi"}}}],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "tolerations": [{"operator": "Exists"}],
        },
    }
    assert AIJob.model_validate(_job(template=template)).spec.template == template


def test_status_round_trips_in_wire_names() -> None:
    document = _job()
    document["status"] = {
        "phase": "Running",
        "cardModel": "hygon-bw1000",
        "placement": {
            "platform": "zz1",
            "superNodes": ["zz1-sn01"],
            "nodes": [{"name": "n", "replicas": [0, 1], "cards": 16}],
        },
        "readyReplicas": 2,
        "conditions": [{"type": "Running", "status": "True", "reason": "AllReplicasRunning"}],
    }
    job = AIJob.model_validate(document)
    assert job.status is not None and job.status.phase is Phase.RUNNING
    assert job.to_wire()["status"]["placement"]["superNodes"] == ["zz1-sn01"]


def test_platform_selector_defaults_to_its_name() -> None:
    platform = ScaleXPlatform.model_validate(
        {
            "apiVersion": "accelfleet.io/v1alpha1",
            "kind": "ScaleXPlatform",
            "metadata": {"name": "zz9"},
            "spec": {"site": "s"},
        }
    )
    assert platform.spec.effective_node_selector("zz9") == {"accelfleet.io/platform": "zz9"}
