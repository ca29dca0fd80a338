"""Gang placement on a heterogeneous ~31k-GPU fleet: the Alibaba spot-GPU inventory, tripled.

Fleet: ``node_info_df.csv`` (4,278 servers, 10,412 GPUs in six models) copied three times, one copy
per platform (``spot1``..``spot3``). Inside a platform, servers of one model and one size form
super-nodes in name order: 16 servers of 8 (or 4) cards, or pools of 64 one-card servers.

Gangs (seeded, ``SEED``): each picks a pool of servers (model and server size), weighted so that
every pool is asked for cards in proportion to what it holds, then a shape from that pool's family
(``EIGHT_CARD_REPLICAS``, ``ONE_CARD_REPLICAS``; 4-card servers take 1-4 replicas of 4). Of the gangs
on 8-card pools, 15 % are single-node jobs (1 replica of 1, 2 or 4 cards); of the others on A100, A800
or H800, 15 % accept any card with at least 80 GB of memory and, on A100 or A800, another 15 % accept
both. Multi-replica gangs take the
topology ``supernode``/``preferred`` (60 %), ``supernode``/``required`` (25 %, only gangs that fit one
super-node), ``platform``/``required`` (10 %) or ``any`` (5 %). Gangs arrive until the demand reaches
130 % of the fleet's cards; each is placed on arrival with the engine's ``place`` and ``apply`` and never
leaves. Reported: the card allocation ratio at 100 % and 130 % arrival (read as in the openb
benchmark), the share of placed gangs inside one super-node, and the time of each decision.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from accelfleet.placement import CardModel, FleetSnapshot, GangRequest, NodeState, Placement, apply, place
from bench.datasets import SpotNode, load_spot_nodes
from bench.openb import at_arrival

SEED = 20260205
COPIES = 3
TUNE = 1.3
SUPER_NODE_SERVERS = 16
ONE_CARD_POOL = 64
MODELS = {
    "A100-SXM4-80GB": CardModel("a100-sxm4-80gb", "nvidia.com/gpu", 80, None, frozenset({"cuda"}), None),
    "A800-SXM4-80GB": CardModel("a800-sxm4-80gb", "nvidia.com/gpu", 80, None, frozenset({"cuda"}), None),
    "H800": CardModel("h800", "nvidia.com/gpu", 80, None, frozenset({"cuda"}), None),
    "A10": CardModel("a10", "nvidia.com/gpu", 24, None, frozenset({"cuda"}), None),
    "GPU-series-1": CardModel("gpu-series-1", "nvidia.com/gpu", None, None, frozenset(), None),
    "GPU-series-2": CardModel("gpu-series-2", "nvidia.com/gpu", None, None, frozenset(), None),
}
SIBLINGS = {"a100-sxm4-80gb": "a800-sxm4-80gb", "a800-sxm4-80gb": "a100-sxm4-80gb"}
EIGHT_CARD_REPLICAS = ((1, 25), (2, 20), (4, 20), (8, 15), (16, 10), (32, 5), (64, 4), (128, 1))
ONE_CARD_REPLICAS = ((1, 30), (2, 20), (4, 20), (8, 15), (16, 10), (32, 5))
TOPOLOGIES = (
    ("supernode", "preferred", 60),
    ("supernode", "required", 25),
    ("platform", "required", 10),
    ("any", "preferred", 5),
)
EIGHTY_GB = frozenset({"a100-sxm4-80gb", "a800-sxm4-80gb", "h800"})
LARGE_GANG_CARDS = 256
SMALL_SHARE = 0.15
"""Of the gangs on 8-card servers, the share that are single-node jobs of 1, 2 or 4 cards."""


def _model(gpu_model: str) -> CardModel:
    return MODELS.get(gpu_model) or CardModel(gpu_model.lower(), "nvidia.com/gpu")


def catalog(inventory: Sequence[SpotNode]) -> list[CardModel]:
    """The card models of the inventory: the known ones with their memory, others by name only."""
    return sorted({_model(server.model) for server in inventory}, key=lambda model: model.name)


def fleet_nodes(inventory: Sequence[SpotNode], copies: int = COPIES) -> list[NodeState]:
    """The inventory ``copies`` times, one platform per copy, super-nodes by model and server size."""
    ordered = sorted(inventory, key=lambda node: (node.model, node.gpus, node.name.zfill(12)))
    nodes = []
    for copy in range(1, copies + 1):
        platform = f"spot{copy}"
        seen: Counter[tuple[str, int]] = Counter()
        for server in ordered:
            if server.gpus <= 0:
                continue
            pool = (server.model, server.gpus)
            block = ONE_CARD_POOL if server.gpus == 1 else SUPER_NODE_SERVERS
            model = _model(server.model).name
            super_node = f"{platform}-{model}-x{server.gpus}-{seen[pool] // block:02d}"
            seen[pool] += 1
            nodes.append(
                NodeState(f"{platform}-n{server.name}", platform, super_node, model, server.gpus, server.gpus)
            )
    return nodes


def _topology(rng: random.Random, cards: int) -> tuple[str, str]:
    """A multi-replica gang's scope and mode; ``supernode``/``required`` only if one super-node can hold it."""
    fits_one = cards <= SUPER_NODE_SERVERS * 8
    options = [option for option in TOPOLOGIES if fits_one or option[:2] != ("supernode", "required")]
    scope, mode, _ = rng.choices(options, weights=[option[2] for option in options])[0]
    return scope, mode


def _weighted(rng: random.Random, choices: Sequence[tuple[int, int]]) -> int:
    return rng.choices([value for value, _ in choices], weights=[weight for _, weight in choices])[0]


def _mean(choices: Sequence[tuple[int, int]]) -> float:
    return sum(value * weight for value, weight in choices) / sum(weight for _, weight in choices)


def family_mean_cards(server_cards: int) -> float:
    """The mean cards of a gang drawn for servers of this size (see ``generate_gangs``)."""
    if server_cards == 1:
        return _mean(ONE_CARD_REPLICAS)
    if server_cards < 8:
        return 2.5 * server_cards
    return SMALL_SHARE * 7 / 3 + (1 - SMALL_SHARE) * 8 * _mean(EIGHT_CARD_REPLICAS)


def generate_gangs(nodes: Sequence[NodeState], target_cards: int, seed: int = SEED) -> list[GangRequest]:
    """Seeded synthetic gangs until their cards reach ``target_cards`` (the distribution is in the docstring).

    A pool is drawn with weight (its cards / the mean cards of its gangs), so that each pool is asked
    for cards in proportion to what it holds; a gang never asks for more than its pool holds.
    """
    rng = random.Random(seed)
    pools: Counter[tuple[str, int]] = Counter()
    for node in nodes:
        pools[(node.card, node.capacity)] += node.capacity
    pool_keys = sorted(pools)
    weights = [pools[key] / family_mean_cards(key[1]) for key in pool_keys]
    gangs: list[GangRequest] = []
    total = 0
    while total < target_cards:
        card, server_cards = rng.choices(pool_keys, weights=weights)[0]
        models: tuple[str, ...] = (card,)
        min_memory: float | None = None
        if server_cards == 1:
            replicas, size = _weighted(rng, ONE_CARD_REPLICAS), 1
        elif server_cards < 8:
            replicas, size = rng.randint(1, 4), server_cards
        elif rng.random() < SMALL_SHARE:
            replicas, size = 1, rng.choice((1, 2, 4))
        else:
            replicas, size = _weighted(rng, EIGHT_CARD_REPLICAS), 8
            if card in EIGHTY_GB:
                draw = rng.random()
                if draw < 0.15:
                    models, min_memory = (), 80.0
                elif draw < 0.30 and card in SIBLINGS:
                    models = (card, SIBLINGS[card])
        replicas = max(1, min(replicas, pools[(card, server_cards)] // size))
        scope, mode = _topology(rng, replicas * size) if replicas > 1 else ("supernode", "preferred")
        gangs.append(
            GangRequest(
                key=f"gang-{len(gangs):04d}",
                replicas=replicas,
                cards_per_replica=size,
                models=models,
                min_memory_gib=min_memory,
                scope=scope,
                mode=mode,
                created=float(len(gangs)),
            )
        )
        total += replicas * size
    return gangs


@dataclass(frozen=True, slots=True)
class Decision:
    gang: GangRequest
    answer: Placement | str
    milliseconds: float


def replay(snapshot: FleetSnapshot, gangs: Sequence[GangRequest]) -> tuple[list[Decision], FleetSnapshot]:
    """Each gang placed on arrival on what the ones before it left; nothing leaves."""
    decisions = []
    for gang in gangs:
        start = time.perf_counter()
        answer = place(gang, snapshot)
        elapsed = (time.perf_counter() - start) * 1000.0
        if isinstance(answer, Placement):
            snapshot = apply(snapshot, answer)
            decisions.append(Decision(gang, answer, elapsed))
        else:
            decisions.append(Decision(gang, answer.reason.value, elapsed))
    return decisions, snapshot


def _percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))], 3)


def summarise(nodes: Sequence[NodeState], decisions: Sequence[Decision]) -> dict[str, Any]:
    capacity = sum(node.capacity for node in nodes)
    arrived = allocated = 0
    arrivals: list[int] = []
    allocations: list[int] = []
    placed = [decision for decision in decisions if isinstance(decision.answer, Placement)]
    for decision in decisions:
        arrived += decision.gang.total_cards * 1000
        if isinstance(decision.answer, Placement):
            allocated += decision.gang.total_cards * 1000
        arrivals.append(arrived)
        allocations.append(allocated)
    multi_node = [
        decision
        for decision in placed
        if isinstance(decision.answer, Placement) and len(decision.answer.nodes) > 1
    ]
    one_super_node = [d for d in placed if isinstance(d.answer, Placement) and len(d.answer.super_nodes) == 1]
    multi_in_one = [
        d for d in multi_node if isinstance(d.answer, Placement) and len(d.answer.super_nodes) == 1
    ]
    times = [decision.milliseconds for decision in decisions]
    large = [decision.milliseconds for decision in decisions if decision.gang.total_cards >= LARGE_GANG_CARDS]
    by_model: Counter[str] = Counter()
    for decision in placed:
        if isinstance(decision.answer, Placement):
            by_model[decision.answer.card_model] += decision.gang.total_cards
    model_capacity: Counter[str] = Counter()
    for node in nodes:
        model_capacity[node.card] += node.capacity
    reasons = Counter(decision.answer for decision in decisions if isinstance(decision.answer, str))
    return {
        "gangs": len(decisions),
        "gangs_placed": len(placed),
        "cards_requested": arrived // 1000,
        "cards_allocated": allocated // 1000,
        "alloc_100": at_arrival(arrivals, allocations, capacity * 1000, 100),
        "alloc_130": at_arrival(arrivals, allocations, capacity * 1000, round(TUNE * 100)),
        "placed_in_one_super_node": round(100.0 * len(one_super_node) / max(1, len(placed)), 2),
        "multi_node_gangs_placed": len(multi_node),
        "multi_node_in_one_super_node": round(100.0 * len(multi_in_one) / max(1, len(multi_node)), 2),
        "place_p50_ms": _percentile(times, 0.5) if times else None,
        "place_p99_ms": _percentile(times, 0.99) if times else None,
        "place_max_ms": round(max(times), 3) if times else None,
        f"place_p99_ms_gangs_{LARGE_GANG_CARDS}_cards_up": _percentile(large, 0.99) if large else None,
        "unplaced_reasons": dict(sorted(reasons.items())),
        "models": [
            {
                "model": model,
                "cards": model_capacity[model],
                "allocated": by_model[model],
                "alloc": round(100.0 * by_model[model] / model_capacity[model], 2),
            }
            for model in sorted(model_capacity)
        ],
    }


def run(quick: bool) -> dict[str, Any]:
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    inventory = load_spot_nodes()
    copies = 1 if quick else COPIES
    nodes = fleet_nodes(inventory, copies)
    snapshot = FleetSnapshot.from_nodes(nodes, catalog(inventory))
    capacity = sum(node.capacity for node in nodes)
    gangs = generate_gangs(nodes, round(TUNE * capacity))
    decisions, _ = replay(snapshot, gangs)
    return {
        "fleet_cards": capacity,
        "platforms": len({node.platform for node in nodes}),
        "super_nodes": len({node.super_node for node in nodes}),
        "nodes": len(nodes),
        "seed": SEED,
        "load_average_start": round(load_start, 2),
        "load_average_end": round(os.getloadavg()[0], 2),
        "seconds": round(time.perf_counter() - started, 1),
        **summarise(nodes, decisions),
    }
