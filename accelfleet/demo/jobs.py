"""The demo's job mix and what each job must show, sized from the preset's platforms.

Each job stands for one kind of request a user makes (the kinds of ``examples/jobs/``), one must wait
for cards held by another, and one is invalid. Sizes come from the fleet's shape, so the same story
holds on the ``small`` preset and on the 30,720-card ``scnet`` one: the big job takes every BW1000
card of its platform, which is what makes the super-node job wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from accelfleet.api.names import ANNOTATION_SIM_DURATION, API_VERSION
from accelfleet.api.platform import ScaleXPlatform
from accelfleet.placement import CardModel, GangRequest, Reason
from accelfleet.placement.matching import ModelChoice, match_models

NAMESPACE = "default"
CARDS_PER_NODE_JOB = 8
BIG_MODEL = "hygon-bw1000"
ASCEND = "huawei-ascend-910b"
NEEDED_MODELS = (BIG_MODEL, ASCEND, "metax-c500", "cambricon-mlu370-x8")
# Simulated run times: long enough for a human to watch the gang run, short enough that the
# whole demo, waiting job included, stays well under two minutes.
BIG_SECONDS = 10
JOB_SECONDS = 8
WAITER_SECONDS = 4


class Outcome(StrEnum):
    SUCCEEDED = "Succeeded"
    INVALID = "Invalid"


@dataclass(frozen=True)
class DemoJob:
    """One AIJob of the demo and the outcome that proves its point.

    ``after`` names the job whose placement triggers this one's submission; ``must_wait`` says it
    has to be seen waiting for cards first. ``scope_domains`` is how many domains of the job's scope
    level the placement must use (1 for a required scope). ``models`` is the set of card models the
    placement may use; empty means the job is not expected to be placed at all.
    """

    name: str
    story: str
    spec: dict[str, Any]
    outcome: Outcome
    models: frozenset[str] = frozenset()
    scope_domains: int | None = None
    after: str | None = None
    must_wait: bool = False
    invalid_reason: str | None = None

    @property
    def scope(self) -> str:
        return str(self.spec.get("topology", {}).get("scope", "supernode"))

    @property
    def cards(self) -> str:
        return f"{self.spec['replicas']}x{self.spec['cardsPerReplica']}"

    def manifest(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "kind": "AIJob",
            "metadata": {
                "name": self.name,
                "namespace": NAMESPACE,
                "labels": {"app.kubernetes.io/part-of": "accelfleet-demo"},
            },
            "spec": self.spec,
        }


@dataclass(frozen=True)
class FleetShape:
    """Per card model: cards per platform and the cards of one super-node."""

    cards: dict[str, dict[str, int]]
    super_node_cards: dict[str, int]

    @staticmethod
    def of(platforms: list[ScaleXPlatform]) -> FleetShape:
        cards: dict[str, dict[str, int]] = {}
        super_node: dict[str, int] = {}
        for platform in platforms:
            for pool in platform.spec.simulate or []:
                per_platform = cards.setdefault(pool.card, {})
                size = pool.nodes_per_super_node * pool.cards_per_node
                per_platform[platform.metadata.name] = (
                    per_platform.get(platform.metadata.name, 0) + pool.super_nodes * size
                )
                super_node[pool.card] = max(super_node.get(pool.card, 0), size)
        return FleetShape(cards, super_node)

    def largest_platform_cards(self, model: str) -> int:
        return max(self.cards.get(model, {}).values(), default=0)


def _template(container: str, image: str, seconds: int) -> dict[str, Any]:
    return {
        "metadata": {"annotations": {ANNOTATION_SIM_DURATION: str(seconds)}},
        "spec": {"containers": [{"name": container, "image": image, "command": ["sleep", str(seconds)]}]},
    }


def _matching(spec: dict[str, Any], catalog: list[CardModel], fleet: FleetShape) -> frozenset[str]:
    """The card models of this fleet the job accepts, as the placement engine matches them."""
    cards = spec.get("cards", {})
    request = GangRequest(
        key="demo",
        replicas=int(spec["replicas"]),
        cards_per_replica=int(spec["cardsPerReplica"]),
        models=tuple(cards.get("models", ())),
        min_memory_gib=cards.get("minMemoryGiB"),
        min_bf16_tflops=cards.get("minTFLOPS", {}).get("bf16"),
        ecosystems=frozenset(cards.get("ecosystems", ())),
    )
    choice = match_models(request, {model.name: model for model in catalog})
    if not isinstance(choice, ModelChoice):
        return frozenset()
    return frozenset(model.name for model in choice.candidates if model.name in fleet.cards)


def demo_jobs(platforms: list[ScaleXPlatform], catalog: list[CardModel]) -> list[DemoJob]:
    """The job mix for a fleet; raises ValueError when the fleet lacks a card model the story needs."""
    fleet = FleetShape.of(platforms)
    missing = [model for model in NEEDED_MODELS if model not in fleet.cards]
    if missing:
        raise ValueError(f"the demo needs nodes of {', '.join(missing)} in the fleet")
    big_replicas = fleet.largest_platform_cards(BIG_MODEL) // CARDS_PER_NODE_JOB
    # One replica more than a super-node holds, so the gang has to span exactly two super-nodes.
    spread_replicas = fleet.super_node_cards[ASCEND] // CARDS_PER_NODE_JOB + 1
    specs: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        (
            "bf16-heavy",
            "by capability (BF16 >= 400 TFLOPS), a whole platform (scope platform, required)",
            {
                "replicas": big_replicas,
                "cardsPerReplica": CARDS_PER_NODE_JOB,
                "cards": {"minTFLOPS": {"bf16": 400}},
                "topology": {"scope": "platform", "mode": "required"},
                "priority": 5,
                "template": _template("pretrain", "registry.example.com/llm/megatron-dtk:24.04", BIG_SECONDS),
            },
            {"scope_domains": 1},
        ),
        (
            "bw1000-one-supernode",
            "one super-node (scope supernode, required); submitted while bf16-heavy holds every BW1000",
            {
                "replicas": 2,
                "cardsPerReplica": CARDS_PER_NODE_JOB,
                "cards": {"models": [BIG_MODEL]},
                "topology": {"scope": "supernode", "mode": "required"},
                "priority": 10,
                "template": _template(
                    "trainer", "registry.example.com/llm/megatron-dtk:24.04", WAITER_SECONDS
                ),
            },
            {"scope_domains": 1, "after": "bf16-heavy", "must_wait": True},
        ),
        (
            "ascend-cross-supernode",
            "more than one super-node holds (scope supernode, preferred): spans the fewest, two",
            {
                "replicas": spread_replicas,
                "cardsPerReplica": CARDS_PER_NODE_JOB,
                "cards": {"models": [ASCEND]},
                "topology": {"scope": "supernode", "mode": "preferred"},
                "template": _template("trainer", "registry.example.com/llm/torch-npu:2.4", JOB_SECONDS),
            },
            {"scope_domains": 2},
        ),
        (
            "ascend-single-node",
            "one server (scope node, required)",
            {
                "replicas": 2,
                "cardsPerReplica": 4,
                "cards": {"models": [ASCEND]},
                "topology": {"scope": "node", "mode": "required"},
                "template": _template("trainer", "registry.example.com/llm/torch-npu:2.4", JOB_SECONDS),
            },
            {"scope_domains": 1},
        ),
        (
            "cuda-any-64g",
            "by capability (>= 64 GiB, runs CUDA code): any model that qualifies",
            {
                "replicas": 2,
                "cardsPerReplica": 4,
                "cards": {"minMemoryGiB": 64, "ecosystems": ["cuda"]},
                "template": _template("finetune", "registry.example.com/llm/vllm-cuda:0.6", JOB_SECONDS),
            },
            {"scope_domains": 1},
        ),
        (
            "neuware-inference",
            "by ecosystem (Cambricon Neuware), one server preferred (scope node, preferred)",
            {
                "replicas": 2,
                "cardsPerReplica": 4,
                "cards": {"ecosystems": ["neuware"]},
                "topology": {"scope": "node", "mode": "preferred"},
                "template": _template("serve", "registry.example.com/llm/neuware-serving:1.0", JOB_SECONDS),
            },
            {"scope_domains": 1},
        ),
    ]
    jobs = [
        DemoJob(
            name=name,
            story=story,
            spec=spec,
            outcome=Outcome.SUCCEEDED,
            models=_matching(spec, catalog, fleet),
            scope_domains=extra.get("scope_domains"),
            after=extra.get("after"),
            must_wait=bool(extra.get("must_wait", False)),
        )
        for name, story, spec, extra in specs
    ]
    jobs.append(
        DemoJob(
            name="typo-model",
            story="invalid: names a card model that does not exist (a typo of huawei-ascend-910b)",
            spec={
                "replicas": 2,
                "cardsPerReplica": CARDS_PER_NODE_JOB,
                "cards": {"models": ["huawei-ascend-901b"]},
                "template": _template("trainer", "registry.example.com/llm/torch-npu:2.4", JOB_SECONDS),
            },
            outcome=Outcome.INVALID,
            invalid_reason=Reason.UNKNOWN_CARD_MODEL.value,
        )
    )
    return jobs
