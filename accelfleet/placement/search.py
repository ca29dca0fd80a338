"""The placement search: one card model per gang, all-or-nothing, topology first, then best fit.

For each candidate model the fleet is seen as a tree (fleet -> platforms -> super-nodes -> nodes)
whose every domain knows how many replicas of the gang's size it can hold ("slots": a replica never
straddles nodes, so a node holds free // cardsPerReplica of them and a domain the sum over its nodes).

- ``required`` scope: the gang goes into one domain of that level, the best-fitting one that can hold
  it; if none can, the answer is TopologyConstraint naming the closest domain.
- ``preferred`` scope: one domain of that level if any can hold it; otherwise the fewest domains of
  that level (exact: taking the largest first is optimal for a count), and among those the fewest
  parents one level up (a greedy over parents, see docs/placement.md for the bound).
- inside a chosen domain the gang descends level by level taking the fewest children, largest first,
  with the last child chosen as the best fit for what remains (Kueue's BestFit), so large free blocks
  stay whole and consecutive ranks share a node, then a super-node, then a platform.

An elastic gang (``min_replicas`` below ``replicas``) first gets its size: the largest one, from its
minimum up, that some accepted model can hold now under the gang's scope and mode; then it is placed
exactly as a gang of that size. Ties always end on names, so the same snapshot and request give the
same placement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from accelfleet.placement.feasibility import LEVEL_NAMES, describe_gang, feasible_models, replicas
from accelfleet.placement.fleet import FleetSnapshot, SuperNodeKey
from accelfleet.placement.linkgroups import link_slots
from accelfleet.placement.model import (
    CardModel,
    GangRequest,
    Mode,
    NodeAssignment,
    Placement,
    Reason,
    Scope,
    Unschedulable,
)

NODE, SUPERNODE, PLATFORM, FLEET = 0, 1, 2, 3
SCOPE_LEVELS = {Scope.NODE: NODE, Scope.SUPERNODE: SUPERNODE, Scope.PLATFORM: PLATFORM, Scope.ANY: FLEET}
_NO_FIT = 1 << 60
# Trying every pair of parents is exact when two suffice; past this many parents it costs more than it saves.
_PAIR_SEARCH_LIMIT = 16
# Nodes are leaves: they share one empty histogram instead of allocating one each.
_LEAF: Counter[int] = Counter()


class Domain:
    """One topology domain seen by one gang size: its slots and, lazily, its children."""

    __slots__ = ("children", "free", "level", "link_slots", "name", "node_slots", "order", "parent", "slots")

    def __init__(
        self,
        level: int,
        name: str,
        order: tuple[str, ...],
        parent: Domain | None,
        node_slots: Counter[int] | None = None,
    ) -> None:
        self.level = level
        self.name = name
        self.order = order
        self.parent = parent
        self.slots = 0
        self.link_slots = 0
        self.free = 0
        self.node_slots = node_slots
        self.children: list[Domain] | None = None

    def add(self, slots: int, link: int, free: int) -> None:
        self.slots += slots
        self.link_slots += link
        self.free += free


def greedy_count(capacities: Iterable[int], need: int) -> int:
    """Fewest capacities (taken largest first, which is optimal) that sum to ``need``; _NO_FIT if none."""
    if need <= 0:
        return 0
    total = 0
    for count, capacity in enumerate(sorted(capacities, reverse=True), start=1):
        total += capacity
        if total >= need:
            return count
    return _NO_FIT


def _greedy_count_hist(slot_counts: Counter[int], need: int) -> int:
    """``greedy_count`` over a histogram of node slots (slots -> nodes) without expanding it."""
    used = 0
    for slots in sorted(slot_counts, reverse=True):
        if slots <= 0:
            break
        count = slot_counts[slots]
        nodes = min(count, -(-need // slots))
        used += nodes
        need -= nodes * slots
        if need <= 0:
            return used
    return _NO_FIT


def _key(super_node: Domain) -> SuperNodeKey:
    return (super_node.order[0], super_node.order[1])


def _expand(slot_counts: Counter[int]) -> list[int]:
    return sorted(slot_counts.elements(), reverse=True)


@dataclass(frozen=True, slots=True)
class _Miss:
    reason: Reason
    message: str
    closeness: float


class ModelView:
    """The fleet as one card model and one replica size see it."""

    def __init__(self, snapshot: FleetSnapshot, model: CardModel, cards_per_replica: int) -> None:
        self.snapshot = snapshot
        self.model = model
        self.size = cards_per_replica
        self.fleet = Domain(FLEET, "the fleet", (), None)
        self.platforms: list[Domain] = []
        self.super_nodes: list[Domain] = []
        platforms: dict[str, Domain] = {}
        group = model.link_group_size
        for key in snapshot.model_super_nodes.get(model.name, ()):
            platform = platforms.get(key[0])
            if platform is None:
                platform = platforms[key[0]] = Domain(PLATFORM, key[0], (key[0],), self.fleet)
                self.platforms.append(platform)
            node_slots: Counter[int] = Counter()
            domain = Domain(SUPERNODE, key[1], key, platform, node_slots)
            slots = link = free = 0
            for (capacity, node_free), count in snapshot.super_nodes[key].free_hist[model.name].items():
                per_node = node_free // cards_per_replica
                if per_node:
                    node_slots[per_node] += count
                slots += count * per_node
                link += count * link_slots(capacity, group, node_free, cards_per_replica)
                free += count * node_free
            for holder in (domain, platform, self.fleet):
                holder.add(slots, link, free)
            self.super_nodes.append(domain)
        for platform in self.platforms:
            platform.children = [domain for domain in self.super_nodes if domain.parent is platform]
        self.fleet.children = list(self.platforms)

    def slot_hist(self, domain: Domain) -> Counter[int]:
        """Nodes by how many replicas each holds; summed over super-nodes only when first asked for."""
        if domain.node_slots is None:
            total: Counter[int] = Counter()
            for super_node in self._super_nodes_under(domain):
                total.update(self.slot_hist(super_node))
            domain.node_slots = total
        return domain.node_slots

    def children(self, domain: Domain) -> list[Domain]:
        """A domain's children; a super-node's nodes are visited only when a gang descends into it."""
        if domain.children is None:
            domain.children = self._nodes_of(domain)
        return domain.children

    def _nodes_of(self, super_node: Domain) -> list[Domain]:
        key = _key(super_node)
        group = self.model.link_group_size
        nodes: list[Domain] = []
        card = self.model.name
        for node in self.snapshot.super_nodes[key].nodes:
            if node.card != card:
                continue
            free = node.free
            if free < self.size:
                continue
            domain = Domain(NODE, node.name, (*key, node.name), super_node, _LEAF)
            domain.slots = free // self.size
            domain.link_slots = link_slots(node.capacity, group, free, self.size)
            domain.free = free
            nodes.append(domain)
        return nodes

    def compactness(self, domain: Domain, need: int) -> tuple[int, ...]:
        """How many children of each lower level ``need`` replicas would take inside ``domain``."""
        if domain.level == NODE:
            return ()
        nodes = _greedy_count_hist(self.slot_hist(domain), need)
        if domain.level == SUPERNODE:
            return (nodes,)
        super_nodes = greedy_count((child.slots for child in self._super_nodes_under(domain)), need)
        if domain.level == PLATFORM:
            return (super_nodes, nodes)
        return (greedy_count((platform.slots for platform in self.platforms), need), super_nodes, nodes)

    def _super_nodes_under(self, domain: Domain) -> list[Domain]:
        return self.super_nodes if domain.level == FLEET else self.children(domain)

    def fit_key(self, domain: Domain, need: int) -> tuple[object, ...]:
        """Best home for ``need`` replicas: fewest children, inside link groups, then tightest fit."""
        return (
            self.compactness(domain, need),
            max(0, need - domain.link_slots),
            domain.slots,
            domain.free,
            domain.order,
        )

    def choose(self, children: Sequence[Domain], need: int) -> list[tuple[Domain, int]]:
        """Fewest children holding ``need`` replicas: largest first, the last one the best fit.

        The last child comes from a parent already in use when one can hold the rest, so spreading over
        a level never adds a parent that the larger children did not already bring; then best fit.
        """
        ordered = sorted(
            (child for child in children if child.slots > 0),
            key=lambda child: (-child.slots, -child.link_slots, child.free, child.order),
        )
        chosen: list[tuple[Domain, int]] = []
        remaining = need
        for index, head in enumerate(ordered):
            if head.slots >= remaining:
                parents = {id(child.parent) for child, _ in chosen}
                fitting = [child for child in ordered[index:] if child.slots >= remaining]
                last = min(
                    fitting,
                    key=lambda child: (id(child.parent) not in parents, self.fit_key(child, remaining)),
                )
                chosen.append((last, remaining))
                return chosen
            chosen.append((head, head.slots))
            remaining -= head.slots
        return chosen

    def descend(self, domain: Domain, need: int, floor: int = NODE) -> list[tuple[Domain, int]]:
        """Domain by domain of level ``floor``, in rank order, where ``need`` replicas go inside ``domain``."""
        if domain.level <= floor:
            return [(domain, need)]
        placed: list[tuple[Domain, int]] = []
        for child, take in self.choose(self.children(domain), need):
            placed.extend(self.descend(child, take, floor))
        return placed

    def single_home(self, level: int, need: int) -> Domain | None:
        """The best domain of ``level`` that holds the whole gang, or None."""
        if level == FLEET:
            return self.fleet if self.fleet.slots >= need else None
        if level == NODE:
            return self._single_node(need)
        domains = self.platforms if level == PLATFORM else self.super_nodes
        fitting = [domain for domain in domains if domain.slots >= need]
        return min(fitting, key=lambda domain: self.fit_key(domain, need)) if fitting else None

    def _single_node(self, need: int) -> Domain | None:
        """The best single node, found from the histograms before any node is visited."""
        group = self.model.link_group_size
        best: tuple[tuple[int, int, int], Domain] | None = None
        for super_node in self.super_nodes:
            key = _key(super_node)
            for (capacity, free), _count in self.snapshot.super_nodes[key].free_hist[self.model.name].items():
                slots = free // self.size
                if slots < need:
                    continue
                rank = (max(0, need - link_slots(capacity, group, free, self.size)), slots, free)
                if best is None or rank < best[0]:
                    best = (rank, super_node)
        if best is None:
            return None
        nodes = [node for node in self.children(best[1]) if node.slots >= need]
        return min(nodes, key=lambda node: self.fit_key(node, need))

    def spread(self, level: int, need: int) -> list[tuple[Domain, int]]:
        """Fewest domains of ``level`` for a gang no single one holds, then fewest parents above."""
        if level == NODE:
            least = _greedy_count_hist(self.slot_hist(self.fleet), need)
            parents = self.super_nodes
        elif level == SUPERNODE:
            least = greedy_count((domain.slots for domain in self.super_nodes), need)
            parents = self.platforms
        else:
            least = greedy_count((domain.slots for domain in self.platforms), need)
            parents = [self.fleet]
        capacities = {id(parent): self._child_capacities(parent, level) for parent in parents}
        alone = [parent for parent in parents if greedy_count(capacities[id(parent)], need) == least]
        if alone:
            home = min(alone, key=lambda parent: (parent.slots, parent.free, parent.order))
            return self.choose(self.children(home), need)
        pool = self._pair(parents, capacities, least, need) or self._greedy_parents(
            parents, capacities, least, need
        )
        chosen = self.choose([child for parent in pool for child in self.children(parent)], need)
        order = list(dict.fromkeys(id(child.parent) for child, _ in chosen))
        return sorted(chosen, key=lambda item: order.index(id(item[0].parent)))

    @staticmethod
    def _pair(
        parents: list[Domain], capacities: dict[int, list[int]], least: int, need: int
    ) -> list[Domain] | None:
        """The tightest two parents whose ``least`` largest children hold the gang (exact for two)."""
        if len(parents) > _PAIR_SEARCH_LIMIT:
            return None
        best: tuple[tuple[object, ...], list[Domain]] | None = None
        for first, second in combinations(parents, 2):
            merged = sorted(capacities[id(first)] + capacities[id(second)], reverse=True)
            if sum(merged[:least]) >= need:
                rank = (first.slots + second.slots, first.free + second.free, first.order, second.order)
                if best is None or rank < best[0]:
                    best = (rank, [first, second])
        return best[1] if best else None

    @staticmethod
    def _greedy_parents(
        parents: list[Domain], capacities: dict[int, list[int]], least: int, need: int
    ) -> list[Domain]:
        """Parents in order of what their ``least`` largest children hold, until together they suffice."""
        ranked = sorted(parents, key=lambda parent: (-sum(capacities[id(parent)][:least]), parent.order))
        pool: list[Domain] = []
        pooled: list[int] = []
        for parent in ranked:
            pool.append(parent)
            pooled = sorted(pooled + capacities[id(parent)], reverse=True)
            if sum(pooled[:least]) >= need:
                break
        return pool

    def _child_capacities(self, parent: Domain, level: int) -> list[int]:
        if level == NODE:
            return _expand(self.slot_hist(parent))
        return sorted((child.slots for child in self.children(parent)), reverse=True)

    def most(self, level: int, mode: str) -> int:
        """The most replicas this model can hold now under a scope: a ``required`` gang gets one
        domain of ``level``, any other gang the whole fleet (a preferred scope spreads when it must).

        This is exactly where ``_plan`` stops succeeding: it places any size up to this and none above.
        """
        if mode != Mode.REQUIRED or level == FLEET:
            return self.fleet.slots
        if level == NODE:
            return max(self.slot_hist(self.fleet), default=0)
        domains = self.platforms if level == PLATFORM else self.super_nodes
        return max((domain.slots for domain in domains), default=0)

    def closest(self, level: int) -> tuple[int, int, str]:
        """(slots, free cards, name) of the domain of ``level`` that holds the most replicas now."""
        if level == NODE:
            best = (0, 0, "no node")
            for super_node in self.super_nodes:
                hist = self.slot_hist(super_node)
                if hist and max(hist) > best[0]:
                    node = max(self.children(super_node), key=lambda item: (item.slots, item.free))
                    best = (node.slots, node.free, node.name)
            return best
        domains = self.platforms if level == PLATFORM else self.super_nodes
        top = max(domains, key=lambda domain: (domain.slots, domain.free))
        return (top.slots, top.free, top.name)


def _plan(view: ModelView, request: GangRequest, need: int) -> list[tuple[Domain, int]] | _Miss:
    """Where ``need`` replicas of the gang go, down to super-nodes (or nodes, for a node scope), in rank
    order; a miss describes the gang as it asked (an elastic gang misses only when its minimum does).

    Stopping at super-nodes is enough to score the choice of card model: the node counts follow from
    the super-nodes' histograms, so only the winning model's nodes are ever visited.
    """
    model = view.model.name
    if view.fleet.slots < need:
        return _Miss(
            Reason.INSUFFICIENT_CARDS,
            f"needs {describe_gang(request, model)}; {view.fleet.free} are free, enough for "
            f"{replicas(view.fleet.slots)} of {request.cards_per_replica} now",
            view.fleet.slots / need,
        )
    level = SCOPE_LEVELS[Scope(request.scope)]
    home = view.single_home(level, need)
    if home is not None:
        return view.descend(home, need, SUPERNODE)
    if request.mode == Mode.REQUIRED:
        slots, free, name = view.closest(level)
        where = LEVEL_NAMES[request.scope]
        return _Miss(
            Reason.TOPOLOGY_CONSTRAINT,
            f"needs {describe_gang(request, model)} inside one {where}; the most any {where} holds now is "
            f"{replicas(slots)} of {request.cards_per_replica} ({free} free cards), on {name}",
            slots / need,
        )
    planned: list[tuple[Domain, int]] = []
    for domain, take in view.spread(level, need):
        planned.extend(view.descend(domain, take, SUPERNODE))
    return planned


def _score(
    request: GangRequest, view: ModelView, plan: list[tuple[Domain, int]], preference: int
) -> tuple[object, ...]:
    """Fewest domains in the scope's order of levels, then link groups kept, then the tightest fit."""
    nodes = 0
    shortfall = 0
    super_nodes: dict[int, Domain] = {}
    for domain, take in plan:
        nodes += 1 if domain.level == NODE else _greedy_count_hist(view.slot_hist(domain), take)
        shortfall += max(0, take - domain.link_slots)
        super_node = domain.parent if domain.level == NODE else domain
        if super_node is not None:
            super_nodes[id(super_node)] = super_node
    platforms = {id(super_node.parent) for super_node in super_nodes.values()}
    if request.scope == Scope.NODE:
        counts = (nodes, len(super_nodes), len(platforms))
    elif request.scope == Scope.SUPERNODE:
        counts = (len(super_nodes), len(platforms), nodes)
    else:
        counts = (len(platforms), len(super_nodes), nodes)
    leftover = sum(super_node.free for super_node in super_nodes.values()) - request.total_cards
    return (*counts, shortfall, leftover, preference, view.model.name)


def _placement(request: GangRequest, model: CardModel, placed: list[tuple[Domain, int]]) -> Placement:
    replica_nodes: list[str] = []
    assignments: list[NodeAssignment] = []
    super_nodes: dict[str, None] = {}
    platforms: dict[str, None] = {}
    for node, take in placed:
        ranks = tuple(range(len(replica_nodes), len(replica_nodes) + take))
        replica_nodes.extend([node.name] * take)
        assignments.append(NodeAssignment(node.name, ranks, take * request.cards_per_replica))
        platforms[node.order[0]] = None
        super_nodes[node.order[1]] = None
    return Placement(
        key=request.key,
        card_model=model.name,
        resource_name=model.resource_name,
        cards_per_replica=request.cards_per_replica,
        platforms=tuple(platforms),
        super_nodes=tuple(super_nodes),
        replica_nodes=tuple(replica_nodes),
        nodes=tuple(assignments),
        link_group_misses=sum(max(0, take - node.link_slots) for node, take in placed),
    )


def _gang_size(request: GangRequest, views: Sequence[ModelView]) -> int:
    """The size to place: the largest from the gang's minimum to its replicas that some model holds now
    under the gang's scope and mode, or the minimum when none does (the refusal then names it)."""
    if not request.elastic:
        return request.replicas
    level = SCOPE_LEVELS[Scope(request.scope)]
    most = max((view.most(level, request.mode) for view in views), default=0)
    return max(request.minimum, min(request.replicas, most))


def place_on(
    request: GangRequest, snapshot: FleetSnapshot, models: Sequence[CardModel]
) -> Placement | Unschedulable:
    """Place a validated gang on one of ``models`` (already known to fit the fleet's shape).

    The size comes first, then the usual choice among the models that hold that size: an elastic gang
    runs on a model that starts the most replicas, since every accepted model is acceptable to it.
    """
    views = [ModelView(snapshot, model, request.cards_per_replica) for model in models]
    need = _gang_size(request, views)
    sized = request.sized(need)
    best: tuple[tuple[object, ...], ModelView, list[tuple[Domain, int]]] | None = None
    misses: list[_Miss] = []
    for preference, view in enumerate(views):
        plan = _plan(view, request, need)
        if isinstance(plan, _Miss):
            misses.append(plan)
            continue
        score = _score(sized, view, plan, preference)
        if best is None or score < best[0]:
            best = (score, view, plan)
    if best is not None:
        _, view, plan = best
        placed = [node for domain, take in plan for node in view.descend(domain, take)]
        return _placement(sized, view.model, placed)
    closest = max(misses, key=lambda miss: miss.closeness)
    others = len(misses) - 1
    suffix = ""
    if others:
        suffix = (
            f" ({others} other accepted card models hold less)"
            if others > 1
            else " (the other accepted model holds less)"
        )
    return Unschedulable(closest.reason, closest.message + suffix)


def place(request: GangRequest, snapshot: FleetSnapshot) -> Placement | Unschedulable:
    """Where every replica of the gang goes now, or the reason it cannot go anywhere yet.

    Never raises on bad input: invalid requests, unknown models and an empty fleet are answered with
    permanent reasons (``Unschedulable.permanent``).
    """
    models = feasible_models(request, snapshot)
    if isinstance(models, Unschedulable):
        return models
    return place_on(request, snapshot, models)
