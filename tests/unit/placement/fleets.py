"""Fleets and gangs for placement tests: a fixed little catalog, hand-built fleets and hypothesis strategies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hypothesis import strategies as st

from accelfleet.placement import CardModel, FleetSnapshot, GangRequest, NodeState, Placement, Unschedulable

ASCEND = CardModel(
    name="huawei-ascend-910b",
    resource_name="huawei.com/Ascend910",
    memory_gib=64,
    bf16_tflops=None,
    ecosystems=frozenset({"cann"}),
    link_group_size=8,
)
HYGON = CardModel(
    name="hygon-bw1000",
    resource_name="hygon.com/hcu",
    memory_gib=64,
    bf16_tflops=480.0,
    ecosystems=frozenset({"dtk", "cuda"}),
    link_group_size=4,
)
METAX = CardModel(
    name="metax-c500",
    resource_name="metax-tech.com/gpu",
    memory_gib=None,
    bf16_tflops=None,
    ecosystems=frozenset({"maca", "cuda"}),
    link_group_size=2,
)
CATALOG = (ASCEND, HYGON, METAX)


def uniform_fleet(
    shape: dict[str, Sequence[tuple[str, int]]],
    nodes_per_super_node: int,
    cards: int = 8,
    in_use: dict[str, int] | None = None,
    models: Iterable[CardModel] = CATALOG,
) -> FleetSnapshot:
    """Platforms -> [(card model, super-node count)], nodes named ``<super-node>-n<i>``."""
    used = in_use or {}
    nodes = []
    for platform, pools in shape.items():
        index = 0
        for card, count in pools:
            for _ in range(count):
                super_node = f"{platform}-sn{index:02d}"
                index += 1
                for n in range(nodes_per_super_node):
                    name = f"{super_node}-n{n}"
                    nodes.append(NodeState(name, platform, super_node, card, cards, cards, used.get(name, 0)))
    return FleetSnapshot.from_nodes(nodes, models)


@st.composite
def node_states(draw: st.DrawFn, name: str, platform: str, super_node: str, card: str) -> NodeState:
    capacity = draw(st.integers(1, 8))
    allocatable = draw(st.integers(0, capacity))
    return NodeState(
        name=name,
        platform=platform,
        super_node=super_node,
        card=card,
        capacity=capacity,
        allocatable=allocatable,
        in_use=draw(st.integers(0, capacity)),
        usable=draw(st.sampled_from((True, True, True, False))),
    )


@st.composite
def fleets(draw: st.DrawFn, max_nodes: int = 24) -> FleetSnapshot:
    """Random fleets: 1-3 platforms, 1-3 super-nodes each, mostly one card model per super-node."""
    nodes: list[NodeState] = []
    for p in range(draw(st.integers(1, 3))):
        for s in range(draw(st.integers(1, 3))):
            card = draw(st.sampled_from(CATALOG)).name
            for n in range(draw(st.integers(1, 4))):
                if len(nodes) >= max_nodes:
                    break
                mixed = draw(st.sampled_from(CATALOG).map(lambda model: model.name) | st.just(card))
                nodes.append(draw(node_states(f"p{p}-s{s}-n{n}", f"p{p}", f"p{p}-s{s}", mixed)))
    return FleetSnapshot.from_nodes(nodes, CATALOG)


@st.composite
def tiny_fleets(draw: st.DrawFn) -> FleetSnapshot:
    """At most 6 nodes, small enough to enumerate every assignment of replicas to nodes."""
    count = draw(st.integers(1, 6))
    nodes = []
    for n in range(count):
        platform = f"p{draw(st.integers(0, 1))}"
        super_node = f"{platform}-s{draw(st.integers(0, 2))}"
        card = draw(st.sampled_from((ASCEND.name, HYGON.name)))
        nodes.append(draw(node_states(f"n{n}", platform, super_node, card)))
    return FleetSnapshot.from_nodes(nodes, CATALOG)


@st.composite
def gangs(draw: st.DrawFn, max_replicas: int = 12) -> GangRequest:
    return GangRequest(
        key=draw(st.sampled_from(("team/a", "team/b", "lab/c"))),
        replicas=draw(st.integers(1, max_replicas)),
        cards_per_replica=draw(st.integers(1, 8)),
        models=tuple(
            draw(st.lists(st.sampled_from([model.name for model in CATALOG]), max_size=2, unique=True))
        ),
        min_memory_gib=draw(st.none() | st.sampled_from((32, 64))),
        min_bf16_tflops=draw(st.none() | st.just(200.0)),
        ecosystems=frozenset(draw(st.lists(st.sampled_from(("cuda", "cann", "dtk")), max_size=1))),
        scope=draw(st.sampled_from(("node", "supernode", "platform", "any"))),
        mode=draw(st.sampled_from(("required", "preferred"))),
    )


def domains_used(snapshot: FleetSnapshot, placement: Placement) -> tuple[int, int, int]:
    """(nodes, super-nodes, platforms) a placement touches."""
    nodes = [snapshot.node(assignment.name) for assignment in placement.nodes]
    known = [node for node in nodes if node is not None]
    return (
        len(known),
        len({(node.platform, node.super_node) for node in known}),
        len({node.platform for node in known}),
    )


def placed(answer: Placement | Unschedulable) -> Placement:
    """The answer, which the test expects to be a placement."""
    assert isinstance(answer, Placement), answer
    return answer


def refused(answer: Placement | Unschedulable) -> Unschedulable:
    """The answer, which the test expects to be a refusal."""
    assert isinstance(answer, Unschedulable), answer
    return answer
