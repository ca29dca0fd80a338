"""accelfleet top's picture: occupancy per platform and super-node, cards by health, waiting gangs."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from accelfleet.cli.views.fleet import fleet_view, waiting_gang
from accelfleet.cli.views.top_render import heat_cells, heat_colour, top_picture
from tests.unit.demo.objects import aijob, catalog, node, pod, zz1

NOW = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)


def _text(renderable: object) -> str:
    console = Console(file=io.StringIO(), width=160, record=True)
    console.print(renderable)
    return console.export_text()


def test_occupancy_counts_pods_per_super_node_and_platform() -> None:
    pods = [
        pod("big", 0, "zz1-sn01-n01", "hygon-bw1000", 8),
        pod("big", 1, "zz1-sn01-n02", "hygon-bw1000", 4),
    ]
    view = fleet_view(zz1(), pods, catalog("hygon-bw1000"), [], NOW)
    (platform,) = view.platforms
    assert platform.name == "zz1"
    assert (platform.cards.total, platform.cards.allocated, platform.cards.free) == (32, 12, 20)
    cells = {cell.name: cell.cards.allocated for cell in platform.super_nodes}
    assert cells == {"zz1-sn01": 12, "zz1-sn02": 0}


def test_finished_pods_hold_no_cards() -> None:
    pods = [pod("done", 0, "zz1-sn01-n01", "hygon-bw1000", 8, phase="Succeeded")]
    view = fleet_view(zz1(), pods, catalog("hygon-bw1000"), [], NOW)
    assert view.cards.allocated == 0


def test_unhealthy_cards_and_nodes_not_ready_are_not_free() -> None:
    nodes = [
        node("a", "zz1", "sn1", healthy=6),
        node("b", "zz1", "sn1", ready=False),
        node("c", "zz2", "sn2", card="huawei-ascend-910b"),
    ]
    view = fleet_view(nodes, [], catalog("hygon-bw1000", "huawei-ascend-910b"), [], NOW)
    models = {row.model: row for row in view.models}
    bw = models["hygon-bw1000"].cards
    assert (bw.total, bw.unhealthy, bw.unavailable, bw.free) == (16, 2, 8, 6)
    assert models["huawei-ascend-910b"].platforms == ("zz2",)


def test_the_built_in_catalog_reads_a_cluster_without_accelcards() -> None:
    view = fleet_view(zz1(), [], [], [], NOW)
    assert view.cards.total == 32
    assert not view.catalog_from_cluster


def test_waiting_gangs_say_why_invalid_ones_last() -> None:
    waiting = aijob(
        "waits",
        {"replicas": 2, "cardsPerReplica": 8, "priority": 3},
        {
            "phase": "Pending",
            "conditions": [
                {"type": "Valid", "status": "True", "reason": "Valid"},
                {
                    "type": "Scheduled",
                    "status": "False",
                    "reason": "InsufficientCards",
                    "message": "0 are free",
                },
            ],
        },
    )
    invalid = aijob(
        "typo",
        {"replicas": 1, "cardsPerReplica": 8},
        {
            "phase": "Pending",
            "conditions": [{"type": "Valid", "status": "False", "reason": "UnknownCardModel"}],
        },
    )
    running = aijob("runs", {"replicas": 1, "cardsPerReplica": 8}, {"phase": "Running"})
    view = fleet_view(zz1(), [], catalog("hygon-bw1000"), [invalid, running, waiting], NOW)
    assert [gang.name for gang in view.waiting] == ["waits", "typo"]
    first = view.waiting[0]
    assert (first.reason, first.message, first.cards, first.priority) == (
        "InsufficientCards",
        "0 are free",
        "2x8",
        3,
    )
    assert first.waited_seconds == 300
    assert view.phases == {"Pending": 2, "Running": 1}


def test_a_job_the_operator_has_not_seen_yet_still_shows() -> None:
    gang = waiting_gang(aijob("new", {"replicas": 1, "cardsPerReplica": 1}), NOW)
    assert gang is not None and gang.reason == "NotSeenYet"


def test_heat_scale_goes_from_idle_to_full() -> None:
    colours = [heat_colour(share) for share in (0.0, 0.2, 0.4, 0.7, 0.9, 1.0)]
    assert len(set(colours)) == len(colours)


def test_picture_names_platforms_super_nodes_models_and_waiting_jobs() -> None:
    pods = [pod("big", 0, "zz1-sn01-n01", "hygon-bw1000", 8)]
    job = aijob(
        "waits",
        {"replicas": 4, "cardsPerReplica": 8},
        {
            "phase": "Pending",
            "conditions": [{"type": "Scheduled", "status": "False", "reason": "InsufficientCards"}],
        },
    )
    view = fleet_view(zz1(), pods, catalog("hygon-bw1000"), [job], NOW)
    text = _text(top_picture(view, NOW, "https://127.0.0.1:6443"))
    for expected in (
        "zz1",
        "sn01 50%",
        "sn02 0%",
        "hygon-bw1000",
        "default/waits",
        "InsufficientCards",
        "8 used",
    ):
        assert expected in text


def test_picture_of_a_fleet_without_accelerators_says_so() -> None:
    view = fleet_view([], [], [], [], NOW)
    assert "No accelerator nodes" in _text(top_picture(view, NOW, "here"))


def test_many_super_nodes_become_one_cell_each_without_labels() -> None:
    nodes = [node(f"n{i}", "big", f"big-sn{i:02d}") for i in range(12)]
    pods = [pod("job", 0, "n3", "hygon-bw1000", 8)]
    view = fleet_view(nodes, pods, catalog("hygon-bw1000"), [], NOW)
    cells = heat_cells(view.platforms[0])
    assert cells.plain == "  " * 12
    assert len({span.style for span in cells.spans if str(span.style).startswith("bold")}) == 2
