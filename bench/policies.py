"""Baseline placement policies for the trace benchmarks, over one shared model of a GPU fleet.

The baselines are the classic single-pod heuristics the FGD paper (USENIX ATC'23) compares against,
rewritten small so that every policy, ours included, sees the same fleet, the same pods and the same
CPU/memory limits:

- ``random``: any node that fits, uniformly.
- ``best-fit``: the node left with the least free CPU and GPU after placing, each normalised by the
  largest server spec (128 cores, 8 GPUs) and weighted one half, as in FGD's BestFit.
- ``dot-product``: the node whose free (CPU, GPU) vector has the smallest dot product with the pod's
  request, same normalisation (FGD's DotProd with the ``merge`` dimension and ``max`` norm): it puts a
  pod where the resources it uses most are already scarce.
- ``fgd-like``: fragmentation gradient descent for whole cards. A node's fragmentation is the
  expected number of its free GPUs that a pod drawn from the workload could not use (all of them when
  the pod does not fit the node's GPUs, CPU or model); the pod goes where fragmentation grows least.

Ties between equally good nodes are broken at random (seeded), as kube-scheduler does. The fleet
state is a set of numpy arrays so that one pod is scored against every node at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

WHOLE = 1000
"""Thousandths of a GPU in a whole card: the trace's unit of GPU share."""
MAX_SPEC_CPU = 128_000.0
MAX_SPEC_GPU = 8_000.0
"""The largest server of the trace (128 cores, 8 GPUs): FGD's normalisation of both dimensions."""
TYPICAL_SHARE = 0.95
"""FGD's pod-popularity threshold: the most common pod shapes that together make 95 % of the pods."""

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Demand:
    """What one pod asks of a node. ``gpu_milli`` is per GPU; below 1000 only for a shared GPU."""

    cpu_milli: int
    memory_mib: int
    num_gpu: int
    gpu_milli: int
    models: tuple[str, ...] = ()

    @property
    def total_gpu_milli(self) -> int:
        return self.num_gpu * self.gpu_milli

    @property
    def shared(self) -> bool:
        return self.num_gpu == 1 and self.gpu_milli < WHOLE


class FleetState:
    """Free CPU, memory and per-GPU share of every node; changed only by ``bind`` (pods never leave)."""

    def __init__(
        self,
        names: Sequence[str],
        models: Sequence[str],
        cpu_milli: Sequence[int],
        memory_mib: Sequence[int],
        gpus: Sequence[int],
    ) -> None:
        self.names = list(names)
        self.index = {name: position for position, name in enumerate(self.names)}
        self.model_names = sorted(set(models))
        self.model: IntArray = np.array([self.model_names.index(model) for model in models], dtype=np.int64)
        self.gpus: IntArray = np.array(gpus, dtype=np.int64)
        self.cpu_free: IntArray = np.array(cpu_milli, dtype=np.int64)
        self.memory_free: IntArray = np.array(memory_mib, dtype=np.int64)
        width = max(1, int(self.gpus.max(initial=0)))
        present = np.arange(width)[None, :] < self.gpus[:, None]
        self.gpu_free: IntArray = np.where(present, WHOLE, -1).astype(np.int64)
        self.whole_free: IntArray = self.gpus.copy()
        self.max_free: IntArray = np.where(self.gpus > 0, WHOLE, -1).astype(np.int64)
        self.total_free: IntArray = self.gpus * WHOLE
        self.capacity_milli = int(self.total_free.sum())
        self.allocated_milli = 0
        self._model_masks: dict[tuple[str, ...], BoolArray] = {}

    def model_mask(self, models: tuple[str, ...]) -> BoolArray:
        """Nodes whose GPU model the pod accepts (every node when it names none)."""
        mask = self._model_masks.get(models)
        if mask is None:
            if models:
                wanted = [self.model_names.index(model) for model in models if model in self.model_names]
                mask = np.isin(self.model, wanted)
            else:
                mask = np.ones(len(self.names), dtype=np.bool_)
            self._model_masks[models] = mask
        return mask

    def host_fits(self, demand: Demand) -> BoolArray:
        """Nodes with the CPU, memory and GPU model the pod needs, whatever their free GPUs."""
        fits: BoolArray = (self.cpu_free >= demand.cpu_milli) & (self.memory_free >= demand.memory_mib)
        if demand.models:
            fits &= self.model_mask(demand.models)
        return fits

    def gpu_fits(self, demand: Demand) -> BoolArray:
        """Nodes with free GPUs for the pod: one GPU with the share, or enough whole free cards."""
        if demand.num_gpu == 0:
            return np.ones(len(self.names), dtype=np.bool_)
        if demand.shared:
            result: BoolArray = self.max_free >= demand.gpu_milli
            return result
        whole: BoolArray = self.whole_free >= demand.num_gpu
        return whole

    def feasible(self, demand: Demand) -> BoolArray:
        fits: BoolArray = self.host_fits(demand) & self.gpu_fits(demand)
        return fits

    def bind(self, node: int, demand: Demand, gpu: int | None = None) -> None:
        """Take the pod's resources on ``node``; a shared pod uses ``gpu`` (default: the tightest fit)."""
        self.cpu_free[node] -= demand.cpu_milli
        self.memory_free[node] -= demand.memory_mib
        if demand.num_gpu:
            row = self.gpu_free[node]
            if demand.shared:
                row[best_fit_gpu(row, demand.gpu_milli) if gpu is None else gpu] -= demand.gpu_milli
            else:
                row[np.flatnonzero(row == WHOLE)[: demand.num_gpu]] = 0
            self.whole_free[node] = int((row == WHOLE).sum())
            self.max_free[node] = int(row.max())
            self.total_free[node] = int(row[row > 0].sum())
        self.allocated_milli += demand.total_gpu_milli


def best_fit_gpu(row: IntArray, milli: int) -> int:
    """The GPU of a node with the least free share that still holds ``milli``."""
    free = np.where(row >= milli, row, WHOLE + 1)
    return int(free.argmin())


def random_gpu(row: IntArray, milli: int, rng: np.random.Generator) -> int:
    """Any GPU of a node that still holds ``milli`` (FGD's Random places shared pods this way)."""
    fitting = np.flatnonzero(row >= milli)
    return int(fitting[rng.integers(len(fitting))])


def _pick(candidates: BoolArray, score: FloatArray, rng: np.random.Generator) -> int | None:
    """The lowest-scoring candidate; equal scores are broken at random."""
    if not candidates.any():
        return None
    masked = np.where(candidates, score, np.inf)
    ties = np.flatnonzero(masked == masked.min())
    return int(ties[rng.integers(len(ties))])


def random_fit(fleet: FleetState, demand: Demand, rng: np.random.Generator) -> int | None:
    candidates = np.flatnonzero(fleet.feasible(demand))
    if not len(candidates):
        return None
    return int(candidates[rng.integers(len(candidates))])


def best_fit(fleet: FleetState, demand: Demand, rng: np.random.Generator) -> int | None:
    score = (
        0.5 * (fleet.cpu_free - demand.cpu_milli) / MAX_SPEC_CPU
        + 0.5 * (fleet.total_free - demand.total_gpu_milli) / MAX_SPEC_GPU
    )
    return _pick(fleet.feasible(demand), score, rng)


def dot_product(fleet: FleetState, demand: Demand, rng: np.random.Generator) -> int | None:
    score = (fleet.cpu_free / MAX_SPEC_CPU) * (demand.cpu_milli / MAX_SPEC_CPU) + (
        fleet.total_free / MAX_SPEC_GPU
    ) * (demand.total_gpu_milli / MAX_SPEC_GPU)
    return _pick(fleet.feasible(demand), score, rng)


class FragmentationFit:
    """FGD for whole cards: place where the workload's expected unusable free GPUs grow least.

    The workload is summarised, as in FGD, by its most common pod shapes (CPU, whole GPUs, accepted
    models) that together make 95 % of the pods, weighted by popularity. For one shape, a node's free
    GPUs are all fragments when the shape cannot run there (too few free GPUs, too little CPU, or a
    model it does not accept) or uses no GPU at all (FGD counts those too), and none otherwise: with
    whole cards every free GPU is usable by a GPU shape that fits. Memory is left out, as in FGD.
    """

    def __init__(self, fleet: FleetState, workload: Iterable[Demand]) -> None:
        shapes = Counter((demand.cpu_milli, demand.num_gpu, demand.models) for demand in workload)
        total = sum(shapes.values())
        chosen: list[tuple[tuple[int, int, tuple[str, ...]], int]] = []
        covered = 0
        for shape, count in shapes.most_common():
            if covered >= TYPICAL_SHARE * total:
                break
            chosen.append((shape, count))
            covered += count
        self.cpu: IntArray = np.array([shape[0] for shape, _ in chosen], dtype=np.int64)
        self.gpus: IntArray = np.array([shape[1] for shape, _ in chosen], dtype=np.int64)
        weights = np.array([count for _, count in chosen], dtype=np.float64)
        self.weight: FloatArray = weights / max(1.0, float(weights.sum()))
        self.model_ok: BoolArray = np.array(
            [fleet.model_mask(shape[2]) for shape, _ in chosen], dtype=np.bool_
        ).T.reshape(len(fleet.names), len(chosen))

    def fragmentation(self, free_gpus: IntArray, cpu_free: IntArray, nodes: IntArray) -> FloatArray:
        """Expected unusable free GPUs of ``nodes`` if they had these free GPUs and CPU."""
        fits = (
            (self.gpus[None, :] > 0)
            & (free_gpus[:, None] >= self.gpus[None, :])
            & (cpu_free[:, None] >= self.cpu[None, :])
            & self.model_ok[nodes]
        )
        unusable: FloatArray = (~fits).astype(np.float64) @ self.weight
        result: FloatArray = free_gpus * unusable
        return result

    def __call__(self, fleet: FleetState, demand: Demand, rng: np.random.Generator) -> int | None:
        candidates = np.flatnonzero(fleet.feasible(demand))
        if not len(candidates):
            return None
        free = fleet.whole_free[candidates]
        cpu = fleet.cpu_free[candidates]
        growth = self.fragmentation(free - demand.num_gpu, cpu - demand.cpu_milli, candidates)
        growth -= self.fragmentation(free, cpu, candidates)
        ties = candidates[np.flatnonzero(growth == growth.min())]
        return int(ties[rng.integers(len(ties))])


Policy = Callable[[FleetState, Demand, np.random.Generator], "int | None"]
BASELINES: dict[str, Policy] = {"random": random_fit, "best-fit": best_fit, "dot-product": dot_product}
