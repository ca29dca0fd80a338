"""What a user sees from one placement decision: where the gang lands, in what order, and why not."""

from __future__ import annotations

from accelfleet.placement import (
    FleetSnapshot,
    GangRequest,
    NodeState,
    Reason,
    place,
)
from tests.unit.placement.fleets import ASCEND, CATALOG, HYGON, domains_used, placed, refused, uniform_fleet


def busy(super_node: str, nodes: int, cards: int = 8) -> dict[str, int]:
    return {f"{super_node}-n{n}": cards for n in range(nodes)}


def test_required_super_node_keeps_the_whole_gang_inside_the_fullest_one_that_fits() -> None:
    # zz2-sn00 has 2 free nodes, zz2-sn01 has 3, zz2-sn02 is empty: the tightest fit is sn01.
    fleet = uniform_fleet(
        {"zz2": [(ASCEND.name, 3)]},
        nodes_per_super_node=4,
        in_use={**busy("zz2-sn00", 2), **busy("zz2-sn01", 1)},
    )
    placement = placed(place(GangRequest("ml/a", 3, 8, scope="supernode", mode="required"), fleet))
    assert placement.super_nodes == ("zz2-sn01",)
    assert placement.card_model == ASCEND.name
    assert placement.resource_name == "huawei.com/Ascend910"


def test_required_scope_that_does_not_fit_now_names_the_closest_domain() -> None:
    fleet = uniform_fleet(
        {"zz2": [(ASCEND.name, 5)]},
        nodes_per_super_node=16,
        in_use={**busy("zz2-sn00", 8), **busy("zz2-sn01", 8), **busy("zz2-sn02", 8), **busy("zz2-sn03", 8)}
        | busy("zz2-sn04", 4),
    )
    answer = refused(place(GangRequest("ml/big", 16, 8, models=(ASCEND.name,), mode="required"), fleet))
    assert answer.reason == Reason.TOPOLOGY_CONSTRAINT
    assert not answer.permanent
    assert answer.message == (
        "needs 128 huawei-ascend-910b cards (16 x 8) inside one super-node; the most any super-node holds "
        "now is 12 replicas of 8 (96 free cards), on zz2-sn04"
    )


def test_preferred_scope_spreads_over_the_fewest_super_nodes_of_one_platform() -> None:
    fleet = uniform_fleet(
        {"zz1": [(HYGON.name, 3)], "zz2": [(HYGON.name, 2)]},
        nodes_per_super_node=4,
        in_use=busy("zz1-sn00", 2) | busy("zz2-sn00", 1),
    )
    placement = placed(place(GangRequest("ml/a", 7, 8), fleet))
    assert len(placement.super_nodes) == 2
    assert placement.platforms in (("zz1",), ("zz2",))
    assert domains_used(fleet, placement) == (7, 2, 1)


def test_consecutive_ranks_share_a_node_then_a_super_node() -> None:
    fleet = uniform_fleet({"zz1": [(HYGON.name, 2)]}, nodes_per_super_node=3)
    placement = placed(place(GangRequest("ml/a", 20, 2), fleet))
    seen: list[str] = []
    for node in placement.replica_nodes:
        if not seen or seen[-1] != node:
            assert node not in seen, "a node's ranks must be consecutive"
            seen.append(node)
    super_nodes = [name.rsplit("-n", 1)[0] for name in seen]
    assert super_nodes == sorted(super_nodes, key=super_nodes.index)
    assert [len(node.replicas) for node in placement.nodes] == [4, 4, 4, 4, 4]
    assert placement.to_status()["nodes"][0] == {"name": seen[0], "replicas": [0, 1, 2, 3], "cards": 8}


def test_small_gangs_fill_partly_used_nodes_and_keep_empty_ones_whole() -> None:
    fleet = uniform_fleet(
        {"zz1": [(HYGON.name, 1)]},
        nodes_per_super_node=3,
        in_use={"zz1-sn00-n1": 6},
    )
    placement = placed(place(GangRequest("ml/small", 1, 2), fleet))
    assert placement.replica_nodes == ("zz1-sn00-n1",)


def test_a_replica_goes_where_it_fits_inside_one_link_group() -> None:
    # Hygon nodes: 8 cards in link groups of 4. With 6 free the free cards are 2 + 4 (one 3-card replica
    # fits a group); with 7 free they are 3 + 4 (two fit). Best fit alone would pick the 6-free node.
    nodes = [
        NodeState("a", "zz1", "zz1-sn00", HYGON.name, 8, 8, in_use=2),
        NodeState("b", "zz1", "zz1-sn00", HYGON.name, 8, 8, in_use=1),
    ]
    fleet = FleetSnapshot.from_nodes(nodes, CATALOG)
    placement = placed(place(GangRequest("ml/a", 2, 3, scope="node"), fleet))
    assert placement.replica_nodes == ("b", "b")
    assert placement.link_group_misses == 0


def test_the_card_model_with_the_tighter_topology_wins_then_the_jobs_own_order() -> None:
    fleet = uniform_fleet(
        {"zz1": [(HYGON.name, 2)], "zz2": [(ASCEND.name, 2)]},
        nodes_per_super_node=4,
        in_use=busy("zz1-sn00", 2) | busy("zz1-sn01", 2),
    )
    gang = GangRequest("ml/a", 4, 8, models=(HYGON.name, ASCEND.name))
    assert placed(place(gang, fleet)).card_model == ASCEND.name
    small = GangRequest("ml/b", 1, 8, models=(ASCEND.name, HYGON.name))
    fresh = uniform_fleet({"zz1": [(HYGON.name, 1)], "zz2": [(ASCEND.name, 1)]}, nodes_per_super_node=2)
    assert placed(place(small, fresh)).card_model == ASCEND.name
    assert (
        placed(place(GangRequest("ml/b", 1, 8, models=(HYGON.name, ASCEND.name)), fresh)).card_model
        == HYGON.name
    )


def test_capability_filters_choose_among_models_and_unknown_figures_never_match() -> None:
    fleet = uniform_fleet({"zz1": [(HYGON.name, 1)], "zz2": [(ASCEND.name, 1)]}, nodes_per_super_node=2)
    assert placed(place(GangRequest("ml/a", 1, 8, min_bf16_tflops=400), fleet)).card_model == HYGON.name
    assert (
        placed(place(GangRequest("ml/a", 1, 8, ecosystems=frozenset({"cann"})), fleet)).card_model
        == ASCEND.name
    )
    answer = refused(place(GangRequest("ml/a", 1, 8, models=(ASCEND.name,), min_bf16_tflops=100), fleet))
    assert answer.reason == Reason.NO_MATCHING_CARD_MODEL
    assert answer.permanent
    assert "huawei-ascend-910b (BF16 TFLOPS unknown)" in answer.message


def test_preferred_node_scope_uses_the_fewest_nodes() -> None:
    fleet = uniform_fleet({"zz1": [(HYGON.name, 2)]}, nodes_per_super_node=4, in_use={"zz1-sn00-n0": 4})
    placement = placed(place(GangRequest("ml/a", 8, 2, scope="node"), fleet))
    assert domains_used(fleet, placement)[0] == 2


def test_scope_any_places_across_platforms_when_nothing_smaller_holds_the_gang() -> None:
    fleet = uniform_fleet({"zz1": [(HYGON.name, 1)], "zz3": [(HYGON.name, 1)]}, nodes_per_super_node=2)
    placement = placed(place(GangRequest("ml/a", 4, 8, scope="any", mode="required"), fleet))
    assert placement.platforms == ("zz1", "zz3")
    assert placement.platform == "zz1,zz3"


def test_cards_in_use_make_a_gang_wait_with_a_reason_that_is_not_permanent() -> None:
    fleet = uniform_fleet({"zz1": [(HYGON.name, 1)]}, nodes_per_super_node=2, in_use={"zz1-sn00-n0": 3})
    answer = refused(place(GangRequest("ml/a", 2, 8), fleet))
    assert answer.reason == Reason.INSUFFICIENT_CARDS
    assert not answer.permanent
    assert answer.message == (
        "needs 16 hygon-bw1000 cards (2 x 8); 13 are free, enough for 1 replica of 8 now"
    )


def test_unusable_nodes_hold_no_free_cards() -> None:
    nodes = [
        NodeState("a", "zz1", "sn", HYGON.name, 8, 8, usable=False),
        NodeState("b", "zz1", "sn", HYGON.name, 8, 6),
    ]
    fleet = FleetSnapshot.from_nodes(nodes, CATALOG)
    assert refused(place(GangRequest("ml/a", 1, 8), fleet)).reason == Reason.INSUFFICIENT_CARDS
    assert placed(place(GangRequest("ml/a", 1, 6), fleet)).replica_nodes == ("b",)


def test_the_same_question_gets_the_same_answer() -> None:
    fleet = uniform_fleet(
        {"zz1": [(HYGON.name, 3)], "zz2": [(ASCEND.name, 3)]},
        nodes_per_super_node=5,
        in_use={"zz1-sn01-n2": 4, "zz2-sn02-n0": 8},
    )
    gang = GangRequest("ml/a", 9, 4)
    assert place(gang, fleet) == place(gang, fleet)
