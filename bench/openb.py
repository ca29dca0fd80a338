"""GPU allocation ratio on the Alibaba openb trace, by the protocol of the FGD paper (USENIX ATC'23).

Protocol (FGD's artifact, ``tune 1.3``): the trace's pods in a seeded random order, followed by pods
drawn from the trace with replacement until the next one would take the GPU demand past 130 % of the
fleet's GPUs; each pod is placed once, in that order, and never deleted. The GPU allocation ratio is
allocated GPU share / total GPUs, read when the arrived demand is 100 % and 130 % of the fleet (the
mean over the pods at that arrival, rounded to the percent, as FGD's analysis does), for seeds 42..51.

accelfleet places whole cards, so the trace runs in variants:

- ``rounded``: every pod, a fractional-GPU pod rounded up to one whole card; demand and allocation
  are counted in cards as they run. ``served_130`` adds what the trace asked for: the GPU share the
  placed pods requested, over the fleet.
- ``whole-card``: the fractional-GPU pods left out (CPU-only pods stay: they take CPU and memory).
- ``shared``: the trace as FGD runs it, GPUs shared by fractional pods; the baselines only (our engine
  does not share cards). It checks this harness against the FGD authors' published baselines.

CPU and memory are enforced for every policy by the same thin filter (FGD's figures include them):
a node whose CPU or memory cannot take a pod is hidden from the engine for that pod. CPU-only pods are
not the engine's business (it places accelerator gangs); every policy's CPU-only pods, ours included,
go by best fit. Each openb node is one server of one platform ``openb``; the engine's super-nodes are
blocks of eight same-model servers in name order; card models carry no memory or TFLOPS figures.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from accelfleet.placement import CardModel, FleetSnapshot, GangRequest, NodeState, Placement, apply, place
from bench.datasets import (
    OPENB_DEFAULT_WORKLOAD,
    OpenbNode,
    OpenbPod,
    PublishedRun,
    load_fgd_published,
    load_openb_nodes,
    load_openb_pods,
)
from bench.policies import (
    BASELINES,
    WHOLE,
    Demand,
    FleetState,
    FragmentationFit,
    Policy,
    best_fit,
    random_gpu,
)

SEEDS = tuple(range(42, 52))
TUNE = 1.3
OURS = "accelfleet"
FGD_LIKE = "fgd-like"
ROUNDED, WHOLE_CARD, SHARED = "rounded", "whole-card", "shared"
POLICIES = {
    ROUNDED: (OURS, "random", "best-fit", "dot-product", FGD_LIKE),
    WHOLE_CARD: (OURS, "random", "best-fit", "dot-product", FGD_LIKE),
    SHARED: ("random", "best-fit", "dot-product"),
}
PLATFORM = "openb"
SUPER_NODE_SIZE = 8
RESOURCE_NAME = "nvidia.com/gpu"
QUICK_NODE_STRIDE = 4
PUBLISHED_NAMES = {"random": "01-Random", "dot-product": "02-DotProd", "best-fit": "05-BestFit"}


@dataclass(frozen=True, slots=True)
class TracePod:
    """A pod as one variant runs it, with the GPU share the trace asked for."""

    demand: Demand
    requested_milli: int


@dataclass(frozen=True, slots=True)
class Replay:
    at_100: float | None
    at_130: float | None
    served_130: float
    placed: int
    unplaced_gpu_pods: int


def variant_pods(pods: Sequence[OpenbPod], variant: str) -> list[TracePod]:
    """The trace as ``variant`` runs it (see the module docstring)."""
    out = []
    for pod in pods:
        if variant == WHOLE_CARD and pod.fractional:
            continue
        milli = WHOLE if variant == ROUNDED and pod.num_gpu else pod.gpu_milli
        demand = Demand(pod.cpu_milli, pod.memory_mib, pod.num_gpu, milli if pod.num_gpu else 0, pod.gpu_spec)
        out.append(TracePod(demand, pod.gpu_demand_milli))
    return out


def workload(base: Sequence[TracePod], capacity_milli: int, seed: int, tune: float = TUNE) -> list[TracePod]:
    """FGD's arrival sequence: the pods shuffled, then tuned to ``tune`` x the fleet's GPUs.

    Above the target, random pods are dropped until the demand fits; below it, pods drawn with
    replacement are appended until the next draw would pass it.
    """
    rng = random.Random(seed)
    order = list(base)
    rng.shuffle(order)
    target = tune * capacity_milli
    demand = sum(pod.demand.total_gpu_milli for pod in order)
    while demand > target and order:
        demand -= order.pop(rng.randrange(len(order))).demand.total_gpu_milli
    if not any(pod.demand.total_gpu_milli for pod in base):
        return order
    while True:
        pod = rng.choice(base)
        if demand + pod.demand.total_gpu_milli > target:
            return order
        order.append(pod)
        demand += pod.demand.total_gpu_milli


def at_arrival(
    arrived: Sequence[int], allocated: Sequence[int], capacity_milli: int, percent: int
) -> float | None:
    """FGD's reading of an allocation curve: the mean allocation (%) over the pods whose arrival,
    rounded to the percent, is ``percent``; failing that, within one percent of it; failing both (one
    large gang can jump past the window on a small fleet), the last reading below it."""
    arrive = [round(value * 100 / capacity_milli) for value in arrived]
    alloc = [round(value * 100 / capacity_milli, 2) for value in allocated]
    chosen = [a for r, a in zip(arrive, alloc, strict=True) if r == percent] or [
        a for r, a in zip(arrive, alloc, strict=True) if percent - 1 <= r <= percent + 1
    ]
    if chosen:
        return round(statistics.fmean(chosen), 2)
    below = [a for r, a in zip(arrive, alloc, strict=True) if r < percent]
    return below[-1] if below else None


def card_models(nodes: Sequence[OpenbNode]) -> list[CardModel]:
    """The trace's GPU models as catalog entries: only the name is known."""
    return [CardModel(model, RESOURCE_NAME) for model in sorted({node.model for node in nodes})]


def engine_nodes(nodes: Sequence[OpenbNode]) -> list[NodeState]:
    """The openb servers as the engine sees them: one platform, super-nodes of eight same-model servers."""
    seen: dict[str, int] = {}
    states = []
    for node in sorted(nodes, key=lambda node: node.name):
        position = seen.get(node.model, 0)
        seen[node.model] = position + 1
        super_node = f"{node.model.lower()}-sn{position // SUPER_NODE_SIZE:03d}"
        states.append(NodeState(node.name, PLATFORM, super_node, node.model, node.gpus, node.gpus))
    return states


class EnginePolicy:
    """Our policy: the placement engine's ``place`` and ``apply`` for each pod, behind the CPU/memory filter."""

    def __init__(self, nodes: Sequence[OpenbNode]) -> None:
        self.snapshot = FleetSnapshot.from_nodes(engine_nodes(nodes), card_models(nodes))
        self.decisions = 0

    def __call__(self, fleet: FleetState, demand: Demand, rng: np.random.Generator) -> int | None:
        if demand.num_gpu == 0:
            return best_fit(fleet, demand, rng)
        gpu_fits = fleet.gpu_fits(demand) & fleet.model_mask(demand.models)
        host_fits = fleet.host_fits(demand)
        if not (gpu_fits & host_fits).any():
            return None
        hidden = np.flatnonzero(gpu_fits & ~host_fits)
        view = self.snapshot
        if len(hidden):
            view = view.with_usage({fleet.names[i]: int(fleet.whole_free[i]) for i in hidden})
        self.decisions += 1
        request = GangRequest(
            key=f"pod-{self.decisions}", replicas=1, cards_per_replica=demand.num_gpu, models=demand.models
        )
        answer = place(request, view)
        if not isinstance(answer, Placement):
            return None
        self.snapshot = apply(self.snapshot, answer)
        return fleet.index[answer.replica_nodes[0]]


def make_fleet(nodes: Sequence[OpenbNode]) -> FleetState:
    return FleetState(
        [node.name for node in nodes],
        [node.model for node in nodes],
        [node.cpu_milli for node in nodes],
        [node.memory_mib for node in nodes],
        [node.gpus for node in nodes],
    )


def make_policy(name: str, nodes: Sequence[OpenbNode], fleet: FleetState, pods: Sequence[TracePod]) -> Policy:
    if name == OURS:
        return EnginePolicy(nodes)
    if name == FGD_LIKE:
        return FragmentationFit(fleet, (pod.demand for pod in pods))
    return BASELINES[name]


def replay(nodes: Sequence[OpenbNode], pods: Sequence[TracePod], policy_name: str, seed: int) -> Replay:
    """Place ``pods`` one by one with one policy; nothing is ever deleted."""
    fleet = make_fleet(nodes)
    policy = make_policy(policy_name, nodes, fleet, pods)
    rng = np.random.default_rng(seed)
    arrived = 0
    served = 0
    placed = 0
    unplaced = 0
    arrivals: list[int] = []
    allocations: list[int] = []
    for pod in pods:
        demand = pod.demand
        arrived += demand.total_gpu_milli
        node = policy(fleet, demand, rng)
        if node is None:
            unplaced += demand.num_gpu > 0
        else:
            gpu = None
            if demand.shared and policy_name == "random":
                gpu = random_gpu(fleet.gpu_free[node], demand.gpu_milli, rng)
            fleet.bind(node, demand, gpu)
            placed += 1
            served += pod.requested_milli
        arrivals.append(arrived)
        allocations.append(fleet.allocated_milli)
    capacity = fleet.capacity_milli
    return Replay(
        at_100=at_arrival(arrivals, allocations, capacity, 100),
        at_130=at_arrival(arrivals, allocations, capacity, round(TUNE * 100)),
        served_130=round(served * 100 / capacity, 2),
        placed=placed,
        unplaced_gpu_pods=unplaced,
    )


def _spread(values: Sequence[float | None]) -> dict[str, float | None]:
    known = [value for value in values if value is not None]
    if not known:
        return {"mean": None, "min": None, "max": None}
    return {"mean": round(statistics.fmean(known), 2), "min": min(known), "max": max(known)}


def _summary(variant: str, policy: str, replays: Sequence[Replay]) -> dict[str, Any]:
    at_100 = _spread([run.at_100 for run in replays])
    at_130 = _spread([run.at_130 for run in replays])
    row: dict[str, Any] = {
        "variant": variant,
        "policy": policy,
        "alloc_100": at_100["mean"],
        "alloc_130": at_130["mean"],
        "alloc_130_min": at_130["min"],
        "alloc_130_max": at_130["max"],
        "alloc_100_min": at_100["min"],
        "alloc_100_max": at_100["max"],
    }
    if variant == ROUNDED:
        row["served_130"] = round(statistics.fmean(run.served_130 for run in replays), 2)
    row["unplaced_gpu_pods"] = round(statistics.fmean(run.unplaced_gpu_pods for run in replays), 1)
    return row


def published_rows(runs: Sequence[PublishedRun]) -> list[dict[str, Any]]:
    rows = []
    for policy in sorted({run.policy for run in runs}):
        mine = [run for run in runs if run.policy == policy]
        at_100 = _spread([run.at_100 for run in mine])
        at_130 = _spread([run.at_130 for run in mine])
        rows.append(
            {
                "policy": policy,
                "seeds": len(mine),
                "alloc_100": at_100["mean"],
                "alloc_130": at_130["mean"],
                "alloc_130_min": at_130["min"],
                "alloc_130_max": at_130["max"],
            }
        )
    return rows


def comparisons(rows: Sequence[dict[str, Any]], published: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each of our figures next to the published one it may be compared with, and whether it may."""
    by_policy = {row["policy"]: row for row in published}
    fgd = by_policy.get("06-FGD")
    out = []
    for row in rows:
        if row["variant"] == SHARED:
            theirs = by_policy.get(PUBLISHED_NAMES.get(row["policy"], ""))
            semantics = "same: GPU sharing, CPU/memory, same protocol (checks this harness)"
        else:
            theirs = fgd
            semantics = (
                "not the same: whole cards (fractional pods take a card), demand counted in cards"
                if row["variant"] == ROUNDED
                else "not the same: fractional-GPU pods removed from the workload"
            )
        if theirs is None:
            continue
        out.append(
            {
                "ours": f"{row['variant']}/{row['policy']}",
                "alloc_130": row["alloc_130"],
                "published": theirs["policy"],
                "published_130": theirs["alloc_130"],
                "semantics": semantics,
            }
        )
    return out


def run(quick: bool) -> dict[str, Any]:
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    nodes = load_openb_nodes()
    trace = load_openb_pods(OPENB_DEFAULT_WORKLOAD)
    if quick:
        nodes = sorted(nodes, key=lambda node: node.name)[::QUICK_NODE_STRIDE]
    seeds = SEEDS[:1] if quick else SEEDS
    capacity = sum(node.gpus for node in nodes) * WHOLE
    rows = []
    for variant, policies in POLICIES.items():
        base = variant_pods(trace, variant)
        workloads = {seed: workload(base, capacity, seed) for seed in seeds}
        for policy in policies:
            replays = [replay(nodes, workloads[seed], policy, seed) for seed in seeds]
            rows.append(_summary(variant, policy, replays))
    published = published_rows(load_fgd_published(OPENB_DEFAULT_WORKLOAD, TUNE))
    return {
        "trace": OPENB_DEFAULT_WORKLOAD,
        "fleet_nodes": len(nodes),
        "fleet_gpus": capacity // WHOLE,
        "seeds": list(seeds),
        "tune": TUNE,
        "cpu_memory_enforced": True,
        "unit": "percent of the fleet's GPUs",
        "load_average_start": round(load_start, 2),
        "load_average_end": round(os.getloadavg()[0], 2),
        "seconds": round(time.perf_counter() - started, 1),
        "results": rows,
        "published_fgd": published,
        "comparison": comparisons(rows, published),
    }
