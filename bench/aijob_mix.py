"""The AIJobs the operator benchmark submits, and the fleets it runs them on, as plain manifests.

Every job accepts any card model and keeps the AIJob defaults (topology ``supernode``/``preferred``),
so the placement engine chooses the model and the nodes; the sizes are what varies.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from accelfleet.api.names import ANNOTATION_SIM_DURATION, API_VERSION

NAMESPACE = "default"
IMAGE = "registry.example.com/bench/trainer:1.0"
SITE = "bench"


@dataclass(frozen=True)
class Shape:
    replicas: int
    cards_per_replica: int

    @property
    def cards(self) -> int:
        return self.replicas * self.cards_per_replica


def shapes(*pairs: tuple[int, int]) -> tuple[Shape, ...]:
    return tuple(Shape(replicas, cards) for replicas, cards in pairs)


# One wave of jobs submitted together, biggest first; 44 cards, so any placement order fits the
# 96-card small fleet (12 servers of 8) with room to spare.
WAVE_MIX = shapes((2, 8), (1, 8), (2, 4), (1, 4), (1, 2), (1, 2), (1, 1), (1, 1), (1, 1), (1, 1))

# A queue: single-server jobs of 1 to 8 cards and multi-server gangs of 8-card replicas, the larger
# ones rarer. The mean job asks for about 21.6 cards and 3 pods.
QUEUE_MIX: tuple[tuple[Shape, float], ...] = (
    (Shape(1, 1), 0.15),
    (Shape(1, 2), 0.10),
    (Shape(1, 4), 0.15),
    (Shape(1, 8), 0.20),
    (Shape(2, 8), 0.15),
    (Shape(4, 8), 0.12),
    (Shape(8, 8), 0.08),
    (Shape(16, 8), 0.04),
    (Shape(32, 8), 0.01),
)


def draw_queue(count: int, mix: Sequence[tuple[Shape, float]], seed: int) -> list[Shape]:
    rng = random.Random(seed)
    return rng.choices([shape for shape, _ in mix], weights=[weight for _, weight in mix], k=count)


def aijob(name: str, shape: Shape, run_seconds: float | None = None) -> dict[str, Any]:
    """An AIJob manifest; with ``run_seconds`` its pods exit 0 that long after they start."""
    template: dict[str, Any] = {
        "spec": {"containers": [{"name": "trainer", "image": IMAGE, "command": ["python", "train.py"]}]}
    }
    if run_seconds is not None:
        template["metadata"] = {"annotations": {ANNOTATION_SIM_DURATION: f"{run_seconds:g}"}}
    return {
        "apiVersion": API_VERSION,
        "kind": "AIJob",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": shape.replicas,
            "cardsPerReplica": shape.cards_per_replica,
            "template": template,
        },
    }


@dataclass(frozen=True)
class Pool:
    card: str
    super_nodes: int
    nodes_per_super_node: int
    cards_per_node: int = 8

    @property
    def cards(self) -> int:
        return self.super_nodes * self.nodes_per_super_node * self.cards_per_node


def platform(name: str, pools: Sequence[Pool]) -> dict[str, Any]:
    """A ScaleXPlatform manifest with a ``simulate`` block: a preset FILE for ``accelfleet sim up``."""
    return {
        "apiVersion": API_VERSION,
        "kind": "ScaleXPlatform",
        "metadata": {"name": name},
        "spec": {
            "site": SITE,
            "simulate": [
                {
                    "card": pool.card,
                    "superNodes": pool.super_nodes,
                    "nodesPerSuperNode": pool.nodes_per_super_node,
                    "cardsPerNode": pool.cards_per_node,
                }
                for pool in pools
            ],
        },
    }
