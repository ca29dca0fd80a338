from accelfleet.api.names import LABEL_CARD, LABEL_CARD_COUNT, LABEL_HOSTNAME, LABEL_PLATFORM, LABEL_SUPERNODE
from accelfleet.sim.nodes.node_factory import (
    ExistingNode,
    Pool,
    diff_platform_nodes,
    node_labels,
    node_object,
    plan_nodes,
    pools_from_platform,
)
from accelfleet.sim.nodes.sim_names import ANNOTATION_SIM_ORIGIN, ORIGIN_PLATFORM, ORIGIN_PRESET


def platform(name: str, *pools: dict[str, object]) -> dict[str, object]:
    return {
        "kind": "ScaleXPlatform",
        "metadata": {"name": name},
        "spec": {"site": "x", "simulate": list(pools)},
    }


def test_super_nodes_are_numbered_across_pools_and_nodes_within_each() -> None:
    pools = [Pool("ascend", 2, 2, 8), Pool("mlu", 1, 3, 4)]
    names = [n.name for n in plan_nodes("kunshan", pools)]
    assert names == [
        "kunshan-sn01-n01",
        "kunshan-sn01-n02",
        "kunshan-sn02-n01",
        "kunshan-sn02-n02",
        "kunshan-sn03-n01",
        "kunshan-sn03-n02",
        "kunshan-sn03-n03",
    ]
    assert {n.card for n in plan_nodes("kunshan", pools) if n.super_node == "kunshan-sn03"} == {"mlu"}


def test_node_numbers_widen_to_three_digits_past_99_nodes_per_super_node() -> None:
    names = [n.name for n in plan_nodes("p", [Pool("c", 1, 100, 8)])]
    assert names[0] == "p-sn01-n001"
    assert names[-1] == "p-sn01-n100"


def test_nodes_carry_the_design_labels_and_their_origin() -> None:
    node = plan_nodes("zz", [Pool("huawei-ascend-910b", 1, 1, 8)])[0]
    obj = node_object(node, ORIGIN_PRESET)
    labels = obj["metadata"]["labels"]
    assert labels[LABEL_PLATFORM] == "zz"
    assert labels[LABEL_SUPERNODE] == "zz-sn01"
    assert labels[LABEL_CARD] == "huawei-ascend-910b"
    assert labels[LABEL_CARD_COUNT] == "8"
    assert labels[LABEL_HOSTNAME] == "zz-sn01-n01"
    assert labels["kubernetes.io/os"] == "linux"
    assert not [k for k in labels if k.startswith("node-role.kubernetes.io/")]
    assert obj["metadata"]["annotations"][ANNOTATION_SIM_ORIGIN] == ORIGIN_PRESET


def test_simulate_blocks_are_read_from_the_api_shape_skipping_bad_pools() -> None:
    obj = platform(
        "p",
        {"card": "a", "superNodes": 2, "nodesPerSuperNode": 4, "cardsPerNode": 8},
        {"card": "b", "superNodes": 0, "nodesPerSuperNode": 4, "cardsPerNode": 8},
        {"superNodes": 1, "nodesPerSuperNode": 1, "cardsPerNode": 1},
    )
    assert pools_from_platform(obj) == [Pool("a", 2, 4, 8)]
    assert pools_from_platform({"spec": {}}) == []


def existing(origin: str, plan_card: str = "a", count: int = 8, sn: str = "p-sn01") -> ExistingNode:
    return ExistingNode(origin, {LABEL_CARD: plan_card, LABEL_CARD_COUNT: str(count), LABEL_SUPERNODE: sn})


def test_reconcile_adds_missing_nodes_and_removes_surplus_platform_nodes() -> None:
    planned = plan_nodes("p", [Pool("a", 1, 2, 8)])
    current = {"p-sn01-n01": existing(ORIGIN_PLATFORM), "p-sn01-n03": existing(ORIGIN_PLATFORM)}
    diff = diff_platform_nodes(planned, current, ORIGIN_PLATFORM)
    assert [n.name for n in diff.create] == ["p-sn01-n02"]
    assert diff.delete == ["p-sn01-n03"]


def test_reconcile_never_deletes_preset_nodes_and_replaces_changed_hardware() -> None:
    planned = plan_nodes("p", [Pool("a", 1, 2, 4)])
    current = {
        "p-sn01-n01": existing(ORIGIN_PLATFORM, count=8),
        "p-sn01-n02": existing(ORIGIN_PRESET, count=8),
        "p-sn09-n01": existing(ORIGIN_PRESET),
    }
    diff = diff_platform_nodes(planned, current, ORIGIN_PLATFORM)
    assert diff.delete == ["p-sn01-n01"]
    assert [n.name for n in diff.create] == ["p-sn01-n01"]


def test_deleting_the_platform_removes_only_its_own_nodes() -> None:
    current = {"p-sn01-n01": existing(ORIGIN_PLATFORM), "p-sn01-n02": existing(ORIGIN_PRESET)}
    diff = diff_platform_nodes([], current, ORIGIN_PLATFORM)
    assert diff.delete == ["p-sn01-n01"]
    assert diff.create == []


def test_labels_match_the_plan() -> None:
    node = plan_nodes("p", [Pool("a", 1, 1, 2)])[0]
    assert node_labels(node)[LABEL_CARD_COUNT] == "2"
