"""A pure stand-in for the API server: applies a round's plan to plain dicts, like the real writes would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from accelfleet.api.catalog import builtin_cards
from accelfleet.api.names import (
    ANNOTATION_ALLOCATED_CARDS,
    ANNOTATION_UNHEALTHY_CARDS,
    LABEL_CARD,
    LABEL_CARD_COUNT,
    LABEL_HOSTNAME,
    LABEL_JOB,
    LABEL_PLATFORM,
    LABEL_SUPERNODE,
    SCHEDULING_GATE,
)
from accelfleet.operator.plan import RoundPlan
from accelfleet.operator.planner import World, plan_round

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_rv = itertools.count(1)


def node(
    name: str, platform: str, super_node: str, card: str, cards: int = 8, resource: str = ""
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "resourceVersion": str(next(_rv)),
            "labels": {
                LABEL_PLATFORM: platform,
                LABEL_SUPERNODE: super_node,
                LABEL_CARD: card,
                LABEL_CARD_COUNT: str(cards),
                LABEL_HOSTNAME: name,
            },
        },
        "spec": {},
        "status": {
            "capacity": {resource: str(cards)},
            "allocatable": {resource: str(cards)},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def aijob(name: str, replicas: int, per_replica: int, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "accelfleet.io/v1alpha1",
        "kind": "AIJob",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "generation": 1,
            "resourceVersion": str(next(_rv)),
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {
            "replicas": replicas,
            "cardsPerReplica": per_replica,
            "template": {
                "metadata": {"annotations": {"accelfleet.io/sim-duration": "5"}},
                "spec": {"containers": [{"name": "main", "image": "app:1"}]},
            },
            **spec,
        },
    }


@dataclass
class FakeCluster:
    """Nodes of the example 'small' fleet shape: two platforms, two super-nodes each, 2 nodes of 8 cards."""

    jobs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    pods: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    accelcards: dict[str, dict[str, Any]] = field(default_factory=dict)
    platforms: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[tuple[str, str, str]] = field(default_factory=list)
    writes: dict[str, int] = field(default_factory=dict)
    now: datetime = T0
    applied_status_only: bool = False

    @staticmethod
    def small() -> FakeCluster:
        cluster = FakeCluster()
        for accelcard in builtin_cards():
            cluster.accelcards[accelcard.metadata.name] = accelcard.to_wire()
        shape = {"zz1": "hygon-bw1000", "zz2": "huawei-ascend-910b"}
        for platform, card in shape.items():
            resource = cluster.accelcards[card]["spec"]["resourceName"]
            for sn in range(2):
                for n in range(2):
                    name = f"{platform}-sn{sn:02d}-n{n:02d}"
                    cluster.nodes[name] = node(name, platform, f"{platform}-sn{sn:02d}", card, 8, resource)
            cluster.platforms[platform] = {
                "metadata": {"name": platform, "generation": 1},
                "spec": {"site": "test"},
            }
        return cluster

    def world(self) -> World:
        return World(self.jobs, self.pods, self.nodes, self.accelcards, self.platforms)

    def add(self, job: dict[str, Any]) -> None:
        self.jobs[("default", job["metadata"]["name"])] = job

    def job(self, name: str) -> dict[str, Any]:
        return self.jobs[("default", name)]

    def status(self, name: str) -> dict[str, Any]:
        return dict(self.job(name).get("status") or {})

    def job_pods(self, name: str) -> list[dict[str, Any]]:
        return [p for p in self.pods.values() if p["metadata"]["labels"].get(LABEL_JOB) == name]

    def _count(self, verb: str) -> None:
        self.writes[verb] = self.writes.get(verb, 0) + 1

    def plan(self) -> RoundPlan:
        return plan_round(self.world(), self.now)

    def step(self, *, status_only: bool = False) -> RoundPlan:
        """One round; ``status_only`` stops after the status writes, as a crash right after them would."""
        plan = self.plan()
        for action in plan.jobs:
            key = (action.job.namespace, action.job.name)
            if action.status is not None:
                self.jobs[key] = {**self.jobs[key], "status": action.status}
                self._count("status")
            if status_only:
                continue
            for manifest in action.create:
                pkey = ("default", manifest["metadata"]["name"])
                self._count("create")
                if pkey in self.pods:
                    continue
                pod = {
                    **manifest,
                    "metadata": {**manifest["metadata"], "uid": f"pod-{next(_rv)}"},
                    "status": {"phase": "Pending"},
                }
                self.pods[pkey] = pod
            if action.create:
                for manifest in action.create:
                    self._ungate(manifest["metadata"]["name"])
                for ungate in action.ungate_after_create:
                    self._ungate(ungate.name)
            for ungate in action.ungate:
                self._ungate(ungate.name)
            for name, _uid in action.delete:
                self._count("delete")
                self.pods.pop(("default", name), None)
            for event in action.events:
                self.events.append((action.job.name, event.reason, event.message))
        for name, status in plan.accelcard_status:
            self.accelcards[name] = {**self.accelcards[name], "status": status}
            self._count("accelcard-status")
        for name, status in plan.platform_status:
            self.platforms[name] = {**self.platforms[name], "status": status}
            self._count("platform-status")
        return plan

    def _ungate(self, name: str) -> None:
        """Lift our gate, as the executor does: only from a pod that carries it."""
        pod = self.pods[("default", name)]
        current = pod["spec"].get("schedulingGates") or []
        if any(g["name"] == SCHEDULING_GATE for g in current):
            self._count("ungate")
            pod["spec"]["schedulingGates"] = [g for g in current if g["name"] != SCHEDULING_GATE]

    def run_pods(self, name: str, phase: str = "Running", exit_code: int = 0) -> None:
        """The kubelet's part: bind ungated pods and move them to ``phase``."""
        for index, pod in enumerate(sorted(self.job_pods(name), key=lambda p: p["metadata"]["name"])):
            assert not pod["spec"].get("schedulingGates"), "a gated pod must not run"
            pod["spec"]["nodeName"] = pod["spec"]["nodeSelector"][LABEL_HOSTNAME]
            pod["metadata"].setdefault("annotations", {})[ANNOTATION_ALLOCATED_CARDS] = str(index % 2)
            pod["status"] = {"phase": phase}
            if phase == "Failed":
                pod["status"]["exitCodes"] = [exit_code]

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def mark_unhealthy(self, node_name: str, cards: str) -> None:
        self.nodes[node_name]["metadata"]["annotations"] = {ANNOTATION_UNHEALTHY_CARDS: cards}

    def fail_node(self, node_name: str) -> None:
        self.nodes[node_name]["status"]["conditions"] = [{"type": "Ready", "status": "Unknown"}]

    def condition(self, name: str, kind: str) -> dict[str, Any]:
        return next(c for c in self.status(name).get("conditions", []) if c["type"] == kind)
