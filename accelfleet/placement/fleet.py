"""The fleet snapshot: platforms -> super-nodes -> nodes, with per-super-node aggregates.

Each super-node keeps, per card model, how many of its nodes have each (capacity, free cards) pair.
Those histograms answer "how many replicas of c cards fit here", "how many nodes would they need"
and "how many would sit inside one link group" without visiting the nodes, so a decision on a fleet
of thousands of nodes touches only the few super-nodes it finally uses. The snapshot is immutable;
``with_usage`` returns a new one that shares every untouched super-node, so applying successive
placements in one queue round costs a copy of the touched super-nodes only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from accelfleet.placement.model import CardModel, NodeState

SuperNodeKey = tuple[str, str]
"""(platform, super-node): super-node ids should be unique in a cluster, but a mislabelled node must
not merge two platforms' super-nodes into one domain."""

FreeHistogram = Mapping[tuple[int, int], int]
"""(capacity, free cards) -> number of nodes."""


@dataclass(frozen=True, slots=True)
class SuperNodeState:
    platform: str
    name: str
    nodes: tuple[NodeState, ...]
    free_hist: Mapping[str, FreeHistogram]
    capacity_hist: Mapping[str, Mapping[int, int]]

    @property
    def key(self) -> SuperNodeKey:
        return (self.platform, self.name)

    @staticmethod
    def build(platform: str, name: str, nodes: Iterable[NodeState]) -> SuperNodeState:
        ordered = tuple(sorted(nodes, key=lambda node: node.name))
        free_hist: dict[str, Counter[tuple[int, int]]] = {}
        capacity_hist: dict[str, Counter[int]] = {}
        for node in ordered:
            free_hist.setdefault(node.card, Counter())[(node.capacity, node.free)] += 1
            capacity_hist.setdefault(node.card, Counter())[node.capacity] += 1
        return SuperNodeState(
            platform=platform,
            name=name,
            nodes=ordered,
            free_hist={card: dict(hist) for card, hist in free_hist.items()},
            capacity_hist={card: dict(hist) for card, hist in capacity_hist.items()},
        )

    def with_nodes(self, changed: Mapping[int, NodeState]) -> SuperNodeState:
        """A copy where the nodes at the given positions are replaced (same names, new usage)."""
        nodes = list(self.nodes)
        free_hist = {card: dict(hist) for card, hist in self.free_hist.items()}
        for position, new in changed.items():
            old = nodes[position]
            hist = free_hist[old.card]
            old_key = (old.capacity, old.free)
            hist[old_key] -= 1
            if not hist[old_key]:
                del hist[old_key]
            new_key = (new.capacity, new.free)
            hist[new_key] = hist.get(new_key, 0) + 1
            nodes[position] = new
        return replace(self, nodes=tuple(nodes), free_hist=free_hist)


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    """What the fleet holds right now, as placement needs it.

    Nodes whose card model is not in ``models`` are left out (listed in ``ignored_nodes``): nothing
    can be said about cards the catalog does not describe.
    """

    models: Mapping[str, CardModel]
    super_nodes: Mapping[SuperNodeKey, SuperNodeState]
    node_index: Mapping[str, tuple[SuperNodeKey, int]]
    model_super_nodes: Mapping[str, tuple[SuperNodeKey, ...]]
    ignored_nodes: tuple[str, ...] = ()

    @staticmethod
    def from_nodes(nodes: Iterable[NodeState], models: Iterable[CardModel]) -> FleetSnapshot:
        """Group plain node states into the snapshot; raises ValueError on a duplicated node name."""
        catalog = {model.name: model for model in models}
        grouped: dict[SuperNodeKey, list[NodeState]] = {}
        seen: set[str] = set()
        ignored: list[str] = []
        for node in nodes:
            if node.name in seen:
                raise ValueError(f"node {node.name!r} appears twice in the fleet")
            seen.add(node.name)
            if node.card not in catalog:
                ignored.append(node.name)
                continue
            grouped.setdefault((node.platform, node.super_node), []).append(node)
        super_nodes = {
            key: SuperNodeState.build(key[0], key[1], members) for key, members in sorted(grouped.items())
        }
        node_index: dict[str, tuple[SuperNodeKey, int]] = {}
        by_model: dict[str, list[SuperNodeKey]] = {}
        for key, super_node in super_nodes.items():
            for position, node in enumerate(super_node.nodes):
                node_index[node.name] = (key, position)
            for card in super_node.free_hist:
                by_model.setdefault(card, []).append(key)
        return FleetSnapshot(
            models=catalog,
            super_nodes=super_nodes,
            node_index=node_index,
            model_super_nodes={card: tuple(keys) for card, keys in sorted(by_model.items())},
            ignored_nodes=tuple(sorted(ignored)),
        )

    def node(self, name: str) -> NodeState | None:
        where = self.node_index.get(name)
        if where is None:
            return None
        key, position = where
        return self.super_nodes[key].nodes[position]

    def nodes(self) -> Iterator[NodeState]:
        for super_node in self.super_nodes.values():
            yield from super_node.nodes

    def with_usage(self, added: Mapping[str, int]) -> FleetSnapshot:
        """A snapshot where each named node holds that many more cards (fewer if negative).

        Raises ValueError for a node the snapshot does not know: the caller holds a stale placement.
        """
        per_super_node: dict[SuperNodeKey, dict[int, NodeState]] = {}
        for name, cards in added.items():
            where = self.node_index.get(name)
            if where is None:
                raise ValueError(f"node {name!r} is not in the fleet snapshot")
            key, position = where
            changes = per_super_node.setdefault(key, {})
            node = changes.get(position, self.super_nodes[key].nodes[position])
            changes[position] = replace(node, in_use=max(0, node.in_use + cards))
        super_nodes = dict(self.super_nodes)
        for key, changes in per_super_node.items():
            super_nodes[key] = super_nodes[key].with_nodes(changes)
        return replace(self, super_nodes=super_nodes)
