"""The public data sets the trace benchmarks read, loaded from CSV into small frozen records.

The data stays outside the repository (its terms allow research use, not redistribution with the
project): by default in ``../shared/data`` next to the repository root, or wherever the environment
variable ``ACCELFLEET_DATA_DIR`` points. A benchmark whose data is missing raises ``DataUnavailable``
with one line saying which file and how to point at it; the runner reports it and goes on with the
other benchmarks.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "ACCELFLEET_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

OPENB_NODES = "openb/openb_node_list_gpu_node.csv"
OPENB_DEFAULT_WORKLOAD = "openb_pod_list_default"
FGD_ALLOCATION = "fgd_expected_results/analysis_allo_discrete.csv"
SPOT_NODES = "alibaba_spot_gpu_2026/node_info_df.csv"


class DataUnavailable(Exception):
    """A data file a benchmark needs is absent or unreadable; the message is one line."""


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else DEFAULT_DATA_DIR


@dataclass(frozen=True, slots=True)
class OpenbNode:
    """One GPU server of the openb cluster: CPU in milli-cores, memory in MiB, ``gpus`` of ``model``."""

    name: str
    cpu_milli: int
    memory_mib: int
    gpus: int
    model: str


@dataclass(frozen=True, slots=True)
class OpenbPod:
    """One pod of an openb trace.

    ``gpu_milli`` is the share of each GPU (1000 = a whole card; below 1000 only when ``num_gpu`` is
    1); ``gpu_spec`` lists the GPU models the pod accepts (empty: any).
    """

    name: str
    cpu_milli: int
    memory_mib: int
    num_gpu: int
    gpu_milli: int
    gpu_spec: tuple[str, ...] = ()

    @property
    def gpu_demand_milli(self) -> int:
        """The GPU share the pod asks for, in thousandths of a card (the FGD paper's unit)."""
        return self.num_gpu * self.gpu_milli if self.num_gpu else 0

    @property
    def fractional(self) -> bool:
        return self.num_gpu == 1 and self.gpu_milli < 1000


@dataclass(frozen=True, slots=True)
class SpotNode:
    """One server of the Alibaba spot-GPU inventory."""

    name: str
    model: str
    gpus: int
    cpus: int


@dataclass(frozen=True, slots=True)
class PublishedRun:
    """One published FGD run: GPU allocation ratio (%) when 100 % and 130 % of the GPUs had arrived."""

    policy: str
    seed: int
    total_gpus: int
    at_100: float
    at_130: float


def _rows(relative: str, root: Path | None = None) -> Iterator[dict[str, str]]:
    path = (root or data_dir()) / relative
    try:
        with path.open(newline="") as handle:
            yield from csv.DictReader(handle)
    except OSError as error:
        raise DataUnavailable(
            f"cannot read {relative} in the data directory {root or data_dir()} ({error.strerror}); "
            f"set {DATA_DIR_ENV} to the directory that holds it"
        ) from error


def _int(row: dict[str, str], column: str, relative: str) -> int:
    try:
        return int(float(row[column]))
    except (KeyError, TypeError, ValueError) as error:
        raise DataUnavailable(f"data file {relative}: column {column!r} missing or not a number") from error


def load_openb_nodes(root: Path | None = None) -> list[OpenbNode]:
    """The GPU nodes of the openb cluster (the cluster of the FGD paper's experiments)."""
    return [
        OpenbNode(
            name=row["sn"],
            cpu_milli=_int(row, "cpu_milli", OPENB_NODES),
            memory_mib=_int(row, "memory_mib", OPENB_NODES),
            gpus=_int(row, "gpu", OPENB_NODES),
            model=row["model"],
        )
        for row in _rows(OPENB_NODES, root)
    ]


def load_openb_pods(workload: str = OPENB_DEFAULT_WORKLOAD, root: Path | None = None) -> list[OpenbPod]:
    """The pods of one openb pod list (``openb_pod_list_<name>.csv``)."""
    relative = f"openb/{workload}.csv"
    return [
        OpenbPod(
            name=row["name"],
            cpu_milli=_int(row, "cpu_milli", relative),
            memory_mib=_int(row, "memory_mib", relative),
            num_gpu=_int(row, "num_gpu", relative),
            gpu_milli=_int(row, "gpu_milli", relative),
            gpu_spec=tuple(model for model in (row.get("gpu_spec") or "").split("|") if model),
        )
        for row in _rows(relative, root)
    ]


def load_fgd_published(
    workload: str = OPENB_DEFAULT_WORKLOAD, tune: float = 1.3, root: Path | None = None
) -> list[PublishedRun]:
    """The FGD authors' per-run allocation ratios for one workload; empty when the file is absent.

    The published figures are a comparison, not an input: without them the benchmark's own figures
    still stand.
    """
    if not ((root or data_dir()) / FGD_ALLOCATION).is_file():
        return []
    return [
        PublishedRun(
            policy=row["sc_policy"],
            seed=_int(row, "seed", FGD_ALLOCATION),
            total_gpus=_int(row, "total_gpus", FGD_ALLOCATION),
            at_100=float(row["100"]),
            at_130=float(row["130"]),
        )
        for row in _rows(FGD_ALLOCATION, root)
        if row["workload"] == workload and abs(float(row["tune"]) - tune) < 1e-9
    ]


def load_spot_nodes(root: Path | None = None) -> list[SpotNode]:
    """The node inventory of the Alibaba spot-GPU trace (about 10,400 GPUs in six models)."""
    return [
        SpotNode(
            name=row["node_name"],
            model=row["gpu_model"],
            gpus=_int(row, "gpu_capacity_num", SPOT_NODES),
            cpus=_int(row, "cpu_num", SPOT_NODES),
        )
        for row in _rows(SPOT_NODES, root)
    ]
