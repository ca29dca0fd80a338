"""Tiny stand-ins for the public data sets, written in their real CSV formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.datasets import DATA_DIR_ENV

OPENB_NODES = [
    # name, cpu_milli, memory_mib, gpus, model
    *[(f"openb-node-{i:04d}", 96000, 393216, 8, "G2") for i in range(8)],
    *[(f"openb-node-{i:04d}", 64000, 262144, 2, "T4") for i in range(8, 16)],
]
OPENB_PODS = [
    # name, cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_spec
    ("openb-pod-0000", 8000, 16384, 1, 1000, ""),
    ("openb-pod-0001", 4000, 8192, 1, 500, ""),
    ("openb-pod-0002", 12000, 32768, 2, 1000, ""),
    ("openb-pod-0003", 16000, 65536, 8, 1000, "G2"),
    ("openb-pod-0004", 2000, 4096, 0, 0, ""),
    ("openb-pod-0005", 6000, 12288, 1, 250, "T4|G2"),
    ("openb-pod-0006", 24000, 65536, 4, 1000, ""),
    ("openb-pod-0007", 3000, 8192, 1, 1000, "T4"),
]


def write_openb(root: Path) -> Path:
    (root / "openb").mkdir(parents=True)
    nodes = ["sn,cpu_milli,memory_mib,gpu,model"] + [",".join(map(str, row)) for row in OPENB_NODES]
    (root / "openb" / "openb_node_list_gpu_node.csv").write_text("\n".join(nodes) + "\n")
    header = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time"
    pods = [header] + [",".join(map(str, row)) + ",LS,Running,0,10,0" for row in OPENB_PODS]
    (root / "openb" / "openb_pod_list_default.csv").write_text("\n".join(pods) + "\n")
    (root / "fgd_expected_results").mkdir()
    columns = ",".join(str(k) for k in range(131))
    rows = [f"workload,sc_policy,tune,seed,total_gpus,{columns}"]
    for policy, value in (("01-Random", 80.0), ("05-BestFit", 90.0), ("06-FGD", 95.0)):
        for seed in (42, 43):
            curve = ",".join(str(round(value * k / 130, 2)) for k in range(131))
            rows.append(f"openb_pod_list_default,{policy},1.3,{seed},6212,{curve}")
            rows.append(f"openb_pod_list_cpu050,{policy},1.3,{seed},6212,{curve}")
    (root / "fgd_expected_results" / "analysis_allo_discrete.csv").write_text("\n".join(rows) + "\n")
    return root


def write_spot(root: Path) -> Path:
    (root / "alibaba_spot_gpu_2026").mkdir(parents=True)
    rows = ["gpu_model,gpu_capacity_num,cpu_num,node_name"]
    rows += [f"A100-SXM4-80GB,8,128,{i}" for i in range(20)]
    rows += [f"H800,8,128,{i}" for i in range(20, 26)]
    rows += [f"GPU-series-1,4,192,{i}" for i in range(26, 29)]
    rows += [f"A10,1,128,{i}" for i in range(29, 99)]
    (root / "alibaba_spot_gpu_2026" / "node_info_df.csv").write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture
def openb_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_openb(tmp_path / "data")
    monkeypatch.setenv(DATA_DIR_ENV, str(root))
    return root


@pytest.fixture
def spot_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_spot(tmp_path / "data")
    monkeypatch.setenv(DATA_DIR_ENV, str(root))
    return root
