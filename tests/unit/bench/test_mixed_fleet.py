"""The mixed-fleet benchmark: the spot inventory as platforms and super-nodes, and seeded gangs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from accelfleet.placement import FleetSnapshot, Placement
from bench import mixed_fleet
from bench.__main__ import main
from bench.datasets import load_spot_nodes


def test_smoke_run_reports_allocation_topology_and_timing(
    spot_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["mixed-fleet", "--quick", "--json", "--results-dir", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["fleet_cards"] == 20 * 8 + 6 * 8 + 3 * 4 + 70
    assert result["platforms"] == 1
    assert 0 < result["gangs_placed"] <= result["gangs"]
    assert result["cards_allocated"] <= result["fleet_cards"] <= result["cards_requested"]
    for key in ("alloc_100", "alloc_130", "placed_in_one_super_node", "multi_node_in_one_super_node"):
        assert 0 <= result[key] <= 100
    assert 0 <= result["place_p50_ms"] <= result["place_p99_ms"] <= result["place_max_ms"]
    assert sum(row["cards"] for row in result["models"]) == result["fleet_cards"]
    assert json.loads((tmp_path / "mixed_fleet.json").read_text())["result"] == result


def test_the_inventory_is_tripled_into_platforms_of_same_model_super_nodes(spot_data: Path) -> None:
    nodes = mixed_fleet.fleet_nodes(load_spot_nodes())
    assert Counter(node.platform for node in nodes) == {"spot1": 99, "spot2": 99, "spot3": 99}
    members: dict[str, list[tuple[str, int]]] = {}
    for node in nodes:
        members.setdefault(node.super_node, []).append((node.card, node.capacity))
    for super_node, shape in members.items():
        assert len(set(shape)) == 1, super_node
        _, capacity = shape[0]
        assert len(shape) <= (mixed_fleet.ONE_CARD_POOL if capacity == 1 else mixed_fleet.SUPER_NODE_SERVERS)
    assert len({node.name for node in nodes}) == len(nodes)


def test_gangs_are_seeded_fit_their_pool_and_reach_the_target(spot_data: Path) -> None:
    nodes = mixed_fleet.fleet_nodes(load_spot_nodes())
    capacity = sum(node.capacity for node in nodes)
    gangs = mixed_fleet.generate_gangs(nodes, round(1.3 * capacity))
    assert gangs == mixed_fleet.generate_gangs(nodes, round(1.3 * capacity))
    assert sum(gang.total_cards for gang in gangs) >= 1.3 * capacity
    pool_cards = Counter[str]()
    for node in nodes:
        pool_cards[node.card] += node.capacity
    for gang in gangs:
        if gang.models:
            assert gang.total_cards <= max(pool_cards[model] for model in gang.models)
        if (gang.scope, gang.mode) == ("supernode", "required"):
            assert gang.total_cards <= mixed_fleet.SUPER_NODE_SERVERS * 8
    assert [gang.created for gang in gangs] == sorted(gang.created for gang in gangs)


def test_replay_places_in_arrival_order_without_promising_a_card_twice(spot_data: Path) -> None:
    nodes = mixed_fleet.fleet_nodes(load_spot_nodes(), copies=1)
    snapshot = FleetSnapshot.from_nodes(nodes, mixed_fleet.MODELS.values())
    gangs = mixed_fleet.generate_gangs(nodes, 2 * sum(node.capacity for node in nodes))
    decisions, after = mixed_fleet.replay(snapshot, gangs)
    assert [decision.gang.key for decision in decisions] == [gang.key for gang in gangs]
    used: Counter[str] = Counter()
    for decision in decisions:
        if isinstance(decision.answer, Placement):
            for assignment in decision.answer.nodes:
                used[assignment.name] += assignment.cards
    capacity = {node.name: node.capacity for node in nodes}
    assert all(cards <= capacity[name] for name, cards in used.items())
    assert {node.name: node.in_use for node in after.nodes() if node.in_use} == dict(used)
