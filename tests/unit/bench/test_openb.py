"""The openb trace benchmark: FGD's protocol, the whole-card variants, and the policies it compares."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench import openb
from bench.__main__ import main
from bench.datasets import OpenbNode, OpenbPod, load_openb_pods
from bench.policies import Demand, FleetState, FragmentationFit, best_fit, dot_product, random_fit

RNG_SEED = 7


def _nodes(*specs: tuple[str, int, int, str]) -> list[OpenbNode]:
    return [OpenbNode(name, cpu, 1 << 20, gpus, model) for name, cpu, gpus, model in specs]


def test_smoke_run_reports_every_variant_and_policy_with_the_published_comparison(
    openb_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["openb", "--quick", "--json", "--results-dir", str(tmp_path / "out")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["seeds"] == [42]
    assert result["cpu_memory_enforced"] is True
    cells = {(row["variant"], row["policy"]) for row in result["results"]}
    assert cells == {(variant, policy) for variant, policies in openb.POLICIES.items() for policy in policies}
    for row in result["results"]:
        for key in ("alloc_100", "alloc_130"):
            assert 0 <= row[key] <= 100
    published = {row["policy"]: row for row in result["published_fgd"]}
    assert published["06-FGD"]["seeds"] == 2
    assert published["06-FGD"]["alloc_130"] == 95.0
    shared = [row for row in result["comparison"] if row["ours"].startswith("shared/")]
    assert {row["published"] for row in shared} == {"01-Random", "05-BestFit"}
    assert all(row["semantics"].startswith("same") for row in shared)
    ours = [row for row in result["comparison"] if row["ours"] == "rounded/accelfleet"]
    assert ours[0]["published"] == "06-FGD"
    assert ours[0]["semantics"].startswith("not the same")
    assert json.loads((tmp_path / "out" / "openb.json").read_text())["result"] == result


def test_variants_round_up_or_drop_fractional_pods(openb_data: Path) -> None:
    trace = load_openb_pods()
    rounded = openb.variant_pods(trace, openb.ROUNDED)
    assert len(rounded) == len(trace)
    shared_pod = next(pod for pod in rounded if pod.requested_milli == 500)
    assert shared_pod.demand.gpu_milli == 1000
    assert shared_pod.demand.total_gpu_milli == 1000
    whole = openb.variant_pods(trace, openb.WHOLE_CARD)
    assert all(pod.demand.gpu_milli in (0, 1000) for pod in whole)
    assert len(whole) == len(trace) - 2
    assert any(pod.demand.num_gpu == 0 for pod in whole)
    shared = openb.variant_pods(trace, openb.SHARED)
    assert sorted(pod.demand.total_gpu_milli for pod in shared) == sorted(
        pod.gpu_demand_milli for pod in trace
    )
    assert next(pod for pod in shared if pod.demand.models == ("T4", "G2")).demand.gpu_milli == 250


def test_workload_holds_the_whole_trace_then_draws_up_to_the_target() -> None:
    base = [
        openb.TracePod(Demand(1000, 1, gpus, 1000 if gpus else 0), gpus * 1000) for gpus in (1, 2, 0, 8, 1)
    ]
    capacity = 20_000
    pods = openb.workload(base, capacity, seed=42)
    demand = sum(pod.demand.total_gpu_milli for pod in pods)
    assert 1.3 * capacity - 8000 < demand <= 1.3 * capacity
    assert sorted(map(id, pods[: len(base)])) == sorted(map(id, base))
    assert openb.workload(base, capacity, seed=42) == pods
    assert openb.workload(base, capacity, seed=43) != pods
    trimmed = openb.workload(base, 5_000, seed=42)
    assert sum(pod.demand.total_gpu_milli for pod in trimmed) <= 6_500


def test_allocation_is_read_at_an_arrival_as_fgd_reads_it() -> None:
    arrived = [500, 990, 1000, 1004, 1200, 1300]
    allocated = [500, 900, 950, 950, 960, 970]
    assert openb.at_arrival(arrived, allocated, 1000, 100) == 95.0
    assert openb.at_arrival(arrived, allocated, 1000, 130) == 97.0
    assert openb.at_arrival(arrived, allocated, 1000, 121) == 96.0
    assert openb.at_arrival(arrived, allocated, 1000, 70) == 50.0
    assert openb.at_arrival(arrived, allocated, 1000, 40) is None


def test_our_policy_skips_nodes_whose_cpu_cannot_take_the_pod() -> None:
    nodes = _nodes(("a", 64000, 8, "G2"), ("b", 64000, 8, "G2"))
    fleet = openb.make_fleet(nodes)
    policy = openb.EnginePolicy(nodes)
    rng = np.random.default_rng(RNG_SEED)
    first = Demand(60000, 1, 7, 1000)
    chosen = policy(fleet, first, rng)
    assert chosen is not None
    fleet.bind(chosen, first)
    # The engine alone would pack the next card next to the first ones; that node has no CPU left.
    second = Demand(8000, 1, 1, 1000)
    assert policy(fleet, second, rng) == 1 - chosen
    fleet.bind(1 - chosen, second)
    assert policy(fleet, Demand(8000, 1, 8, 1000), rng) is None
    assert fleet.allocated_milli == 8000


def test_replay_never_allocates_more_than_the_fleet_holds() -> None:
    nodes = _nodes(("a", 96000, 8, "G2"), ("b", 64000, 2, "T4"), ("c", 64000, 2, "T4"))
    pods = [
        openb.TracePod(Demand(4000, 1024, gpus, 1000), gpus * 1000) for gpus in (1, 2, 8, 1, 1, 2, 4, 1, 1)
    ]
    for policy in (openb.OURS, "random", "best-fit", "dot-product", openb.FGD_LIKE):
        replay = openb.replay(nodes, pods, policy, seed=42)
        assert replay.at_130 is not None
        assert 0 < replay.at_130 <= 100
        assert replay.placed + replay.unplaced_gpu_pods == len(pods)


def test_best_fit_takes_the_tightest_node_and_random_only_feasible_ones() -> None:
    fleet = FleetState(["a", "b", "c"], ["G2", "G2", "T4"], [96000] * 3, [1 << 20] * 3, [8, 8, 4])
    fleet.bind(0, Demand(0, 0, 6, 1000))
    rng = np.random.default_rng(RNG_SEED)
    one = Demand(1000, 1, 1, 1000)
    assert best_fit(fleet, one, rng) == 0
    assert best_fit(fleet, Demand(1000, 1, 3, 1000), rng) == 2
    assert dot_product(fleet, one, rng) == 0
    assert {random_fit(fleet, Demand(1000, 1, 5, 1000), rng) for _ in range(20)} == {1}
    assert {random_fit(fleet, Demand(1000, 1, 3, 1000), rng) for _ in range(40)} == {1, 2}
    assert random_fit(fleet, Demand(1000, 1, 9, 1000), rng) is None
    assert best_fit(fleet, Demand(1000, 1, 1, 1000, ("T4",)), rng) == 2
    assert best_fit(fleet, Demand(97000, 1, 1, 1000), rng) is None


def test_shared_pods_take_a_share_of_the_tightest_gpu() -> None:
    fleet = FleetState(["a"], ["T4"], [64000], [1 << 20], [2])
    fleet.bind(0, Demand(1000, 1, 1, 300))
    fleet.bind(0, Demand(1000, 1, 1, 600))
    assert sorted(fleet.gpu_free[0].tolist()) == [100, 1000]
    assert fleet.whole_free[0] == 1
    assert fleet.total_free[0] == 1100
    assert not fleet.feasible(Demand(1000, 1, 2, 1000))[0]
    assert fleet.allocated_milli == 900


def test_fragmentation_fit_keeps_whole_servers_for_the_eight_card_pods() -> None:
    fleet = FleetState(["a", "b"], ["G2", "G2"], [96000, 96000], [1 << 20] * 2, [8, 8])
    fleet.bind(0, Demand(0, 0, 4, 1000))
    workload = [Demand(1000, 1, 8, 1000)] * 5 + [Demand(1000, 1, 1, 1000)] * 5
    policy = FragmentationFit(fleet, workload)
    assert policy(fleet, Demand(1000, 1, 1, 1000), np.random.default_rng(RNG_SEED)) == 0


def test_missing_data_fails_that_benchmark_alone_in_one_line(
    spot_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["openb", "mixed-fleet", "--quick", "--json", "--results-dir", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("python -m bench openb: cannot read openb/openb_node_list_gpu_node.csv")
    assert "ACCELFLEET_DATA_DIR" in captured.err
    assert json.loads(captured.out)["fleet_cards"] > 0
    assert not (tmp_path / "out" / "openb.json").exists()


def test_pods_parse_gpu_spec_and_gpu_share(openb_data: Path) -> None:
    pods = {pod.name: pod for pod in load_openb_pods()}
    assert pods["openb-pod-0005"] == OpenbPod("openb-pod-0005", 6000, 12288, 1, 250, ("T4", "G2"))
    assert pods["openb-pod-0005"].fractional
    assert pods["openb-pod-0002"].gpu_demand_milli == 2000
    assert pods["openb-pod-0004"].gpu_demand_milli == 0
