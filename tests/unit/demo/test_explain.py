"""accelfleet explain: where a job is and why, or which level of the topology blocks it."""

from __future__ import annotations

import io

from rich.console import Console

from accelfleet.cli.views.explain import Explanation, Mark, Step, explain
from accelfleet.cli.views.explain_render import explain_picture
from tests.unit.demo.objects import aijob, catalog, node, pod, zz1

CARDS = catalog("hygon-bw1000", "huawei-ascend-910b")


def _walk(steps: tuple[Step, ...]) -> list[Step]:
    found: list[Step] = []
    for step in steps:
        found.append(step)
        found.extend(_walk(step.children))
    return found


def _step(explanation: Explanation, starts: str) -> Step:
    return next(step for step in _walk(explanation.steps) if step.text.startswith(starts))


def _model(explanation: Explanation, name: str) -> Step:
    return next(
        step
        for step in _walk(explanation.steps)
        if step.text.startswith(f"{name}: ") and "cards free" in step.text
    )


def _text(explanation: Explanation) -> str:
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(explain_picture(explanation))
    return console.export_text()


def _pending(spec: dict[str, object], reason: str = "TopologyConstraint") -> dict[str, object]:
    return aijob(
        "blocked",
        spec,
        {
            "phase": "Pending",
            "conditions": [
                {"type": "Valid", "status": "True", "reason": "Valid"},
                {"type": "Scheduled", "status": "False", "reason": reason, "message": "the operator's words"},
            ],
        },
    )


def test_required_super_node_blocked_at_the_super_node_level_names_who_holds_the_cards() -> None:
    pods = [
        pod("holder", 0, "zz1-sn01-n01", "hygon-bw1000", 8),
        pod("holder", 1, "zz1-sn02-n01", "hygon-bw1000", 8),
    ]
    job = _pending(
        {
            "replicas": 2,
            "cardsPerReplica": 8,
            "cards": {"models": ["hygon-bw1000"]},
            "topology": {"scope": "supernode", "mode": "required"},
        }
    )
    result = explain(job, zz1(), pods, CARDS)
    assert result.headline.startswith("TopologyConstraint:")
    model = _model(result, "hygon-bw1000")
    assert model.mark is Mark.OK  # the fleet as a whole has room for both replicas
    assert _step(result, "super-node zz1-sn01:").mark is Mark.BLOCKED
    full = _step(result, "node zz1-sn01-n01:")
    assert full.mark is Mark.BLOCKED and "held by default/holder (8)" in full.text
    assert "the operator says: TopologyConstraint: the operator's words" in _text(result)


def test_preferred_scope_spreads_so_a_partial_super_node_is_not_a_block() -> None:
    pods = [
        pod("holder", 0, "zz1-sn01-n01", "hygon-bw1000", 8),
        pod("holder", 1, "zz1-sn02-n01", "hygon-bw1000", 8),
    ]
    job = _pending({"replicas": 2, "cardsPerReplica": 8, "cards": {"models": ["hygon-bw1000"]}}, "NotSeen")
    result = explain(job, zz1(), pods, CARDS)
    assert _step(result, "super-node zz1-sn01:").mark is Mark.INFO
    assert result.headline.startswith("cards are free now: hygon-bw1000 on zz1")


def test_a_full_fleet_blocks_at_the_fleet_level() -> None:
    pods = [pod("holder", i, n["metadata"]["name"], "hygon-bw1000", 8) for i, n in enumerate(zz1())]
    job = _pending(
        {"replicas": 1, "cardsPerReplica": 8, "cards": {"models": ["hygon-bw1000"]}}, "InsufficientCards"
    )
    result = explain(job, zz1(), pods, CARDS)
    assert result.headline.startswith("InsufficientCards:")
    assert _model(result, "hygon-bw1000").mark is Mark.BLOCKED


def test_rejected_models_say_why_and_unknown_models_refuse() -> None:
    nodes = [*zz1(), node("zz2-n1", "zz2", "zz2-sn01", card="huawei-ascend-910b")]
    job = _pending({"replicas": 1, "cardsPerReplica": 8, "cards": {"minTFLOPS": {"bf16": 400}}})
    result = explain(job, nodes, [], CARDS)
    assert _step(result, "huawei-ascend-910b: BF16 TFLOPS unknown").mark is Mark.BLOCKED
    assert _step(result, "hygon-bw1000: matches").mark is Mark.OK

    typo = _pending({"replicas": 1, "cardsPerReplica": 8, "cards": {"models": ["hygon-bw100"]}})
    refused = explain(typo, nodes, [], CARDS)
    assert refused.headline.startswith("UnknownCardModel: unknown card model 'hygon-bw100'")


def test_a_gang_the_fleet_can_never_hold_says_so() -> None:
    job = _pending(
        {
            "replicas": 3,
            "cardsPerReplica": 8,
            "cards": {"models": ["hygon-bw1000"]},
            "topology": {"scope": "supernode", "mode": "required"},
        }
    )
    result = explain(job, zz1(), [], CARDS)
    assert result.headline.startswith("ScopeNeverSatisfiable")
    assert _step(result, "never fits this fleet").mark is Mark.BLOCKED


def test_a_spec_the_models_refuse_is_reported_not_raised() -> None:
    job = aijob("bad", {"replicas": 0, "cardsPerReplica": 8})
    result = explain(job, zz1(), [], CARDS)
    assert result.headline.startswith("the spec is invalid: spec.replicas")


def test_a_running_job_is_shown_where_it_landed_rank_by_rank() -> None:
    status = {
        "phase": "Running",
        "cardModel": "hygon-bw1000",
        "placement": {
            "platform": "zz1",
            "superNodes": ["zz1-sn01"],
            "nodes": [
                {"name": "zz1-sn01-n01", "replicas": [0], "cards": 8},
                {"name": "zz1-sn01-n02", "replicas": [1], "cards": 8},
            ],
        },
        "conditions": [
            {"type": "Scheduled", "status": "True", "reason": "Placed", "message": "placed 2 x 8"}
        ],
    }
    job = aijob(
        "runs",
        {"replicas": 2, "cardsPerReplica": 8, "topology": {"scope": "supernode", "mode": "required"}},
        status,
    )
    pods = [
        pod("runs", 0, "zz1-sn01-n01", "hygon-bw1000", 8),
        pod("runs", 1, "zz1-sn01-n02", "hygon-bw1000", 8, phase="Pending"),
    ]
    result = explain(job, zz1(), pods, CARDS)
    assert result.headline == "Running: running on zz1, 1 super-node, 2 nodes"
    assert _step(result, "node zz1-sn01-n02:").text == "node zz1-sn01-n02: 8 cards; rank 1 Pending"
    assert _step(result, "scope supernode (required)").mark is Mark.OK
    text = _text(result)
    assert "platform zz1 (hygon-bw1000 cards)" in text and "why: Placed: placed 2 x 8" in text


def test_an_elastic_gang_is_explained_by_its_minimum_and_the_size_it_would_start_at() -> None:
    # zz1: one server of zz1-sn01 is held, so that super-node holds 1 replica and zz1-sn02 holds 2.
    pods = [pod("holder", 0, "zz1-sn01-n01", "hygon-bw1000", 8)]
    spec = {
        "replicas": 4,
        "cardsPerReplica": 8,
        "cards": {"models": ["hygon-bw1000"]},
        "topology": {"scope": "supernode", "mode": "required"},
        "gang": {"minAvailable": 2},
    }
    result = explain(_pending(spec, "NotSeen"), zz1(), pods, CARDS)
    assert result.request[0] == (
        "2 to 4 replicas x 8 cards (minAvailable 2: the most that fit when placed, fixed from then on), "
        "all of one card model"
    )
    assert "the gang needs 2 to 4 inside one super-node" in _model(result, "hygon-bw1000").text
    assert _step(result, "super-node zz1-sn01:").mark is Mark.BLOCKED
    assert _step(result, "super-node zz1-sn02:").mark is Mark.OK
    assert result.headline.startswith("cards are free now: 2 of 4 replicas of hygon-bw1000 on zz1")


def test_a_running_elastic_gang_says_the_size_it_started_at() -> None:
    status = {
        "phase": "Running",
        "cardModel": "hygon-bw1000",
        "placement": {
            "platform": "zz1",
            "superNodes": ["zz1-sn01"],
            "nodes": [{"name": "zz1-sn01-n01", "replicas": [0], "cards": 8}],
        },
    }
    spec = {"replicas": 4, "cardsPerReplica": 8, "gang": {"minAvailable": 1}}
    result = explain(
        aijob("runs", spec, status), zz1(), [pod("runs", 0, "zz1-sn01-n01", "hygon-bw1000", 8)], CARDS
    )
    assert _step(result, "started 1 of 4 replicas (minAvailable 1)").mark is Mark.OK
