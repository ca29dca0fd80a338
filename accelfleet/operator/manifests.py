"""The Pods and the headless Service of a placed gang, exactly as DESIGN.md section 4 lays them out."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from accelfleet.api.names import (
    API_VERSION,
    ENV_CARD_MODEL,
    ENV_JOB,
    ENV_MASTER_ADDR,
    ENV_MASTER_PORT,
    ENV_RANK,
    ENV_WORLD_SIZE,
    LABEL_HOSTNAME,
    LABEL_JOB,
    LABEL_REPLICA,
    SCHEDULING_GATE,
)
from accelfleet.operator.jobs import JobView
from accelfleet.operator.names import DEFAULT_MASTER_PORT, LABEL_ATTEMPT
from accelfleet.operator.objects import Obj, mapping, sequence


def pod_name(job: str, index: int) -> str:
    return f"{job}-{index}"


def owner_reference(job: JobView) -> Obj:
    return {
        "apiVersion": API_VERSION,
        "kind": "AIJob",
        "name": job.name,
        "uid": job.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def master_addr(job: JobView) -> str:
    return f"{pod_name(job.name, 0)}.{job.name}.{job.namespace}.svc"


def _env(job: JobView, index: int, replicas: int, card_model: str) -> list[Obj]:
    return [
        {"name": ENV_JOB, "value": job.name},
        {"name": ENV_RANK, "value": str(index)},
        {"name": ENV_WORLD_SIZE, "value": str(replicas)},
        {"name": ENV_CARD_MODEL, "value": card_model},
        {"name": ENV_MASTER_ADDR, "value": master_addr(job)},
        {"name": ENV_MASTER_PORT, "value": str(DEFAULT_MASTER_PORT)},
    ]


def _with_env(container: Obj, env: list[Obj]) -> Obj:
    ours = {item["name"] for item in env}
    kept = [item for item in sequence(container.get("env")) if mapping(item).get("name") not in ours]
    return {**container, "env": [*kept, *env]}


def _with_cards(container: Obj, resource_name: str, cards: int) -> Obj:
    resources = dict(mapping(container.get("resources")))
    for kind in ("limits", "requests"):
        resources[kind] = {**mapping(resources.get(kind)), resource_name: str(cards)}
    return {**container, "resources": resources}


def gang_pod(
    job: JobView,
    template: Mapping[str, Any],
    *,
    index: int,
    replicas: int,
    node: str,
    card_model: str,
    resource_name: str,
    cards_per_replica: int,
    attempt: int,
) -> Obj:
    """Rank ``index`` of the gang: pinned to ``node``, holding its cards, gated until the gang exists.

    A gang of one pod exists as soon as that pod does, so it is created without the gang gate: the
    gate would only cost a second write per job, which is most jobs of a busy queue.
    """
    meta = mapping(template.get("metadata"))
    spec = copy.deepcopy(dict(mapping(template.get("spec"))))
    env = _env(job, index, replicas, card_model)
    containers = [_with_env(dict(mapping(c)), env) for c in sequence(spec.get("containers"))]
    containers[0] = _with_cards(containers[0], resource_name, cards_per_replica)
    gates = [g for g in sequence(spec.get("schedulingGates")) if mapping(g).get("name") != SCHEDULING_GATE]
    if replicas > 1:
        gates.append({"name": SCHEDULING_GATE})
    spec.pop("schedulingGates", None)
    if gates:
        spec["schedulingGates"] = gates
    spec.update(
        {
            "containers": containers,
            "nodeSelector": {**mapping(spec.get("nodeSelector")), LABEL_HOSTNAME: node},
            "restartPolicy": "Never",
            "hostname": pod_name(job.name, index),
            "subdomain": job.name,
        }
    )
    labels = {
        **mapping(meta.get("labels")),
        LABEL_JOB: job.name,
        LABEL_REPLICA: str(index),
        LABEL_ATTEMPT: str(attempt),
    }
    metadata: Obj = {
        "name": pod_name(job.name, index),
        "namespace": job.namespace,
        "labels": labels,
        "ownerReferences": [owner_reference(job)],
    }
    annotations = mapping(meta.get("annotations"))
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def headless_service(job: JobView) -> Obj:
    """``<job>-<i>.<job>.<ns>.svc`` resolves for every rank, ready or not, so rendezvous can start."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": job.name,
            "namespace": job.namespace,
            "labels": {LABEL_JOB: job.name},
            "ownerReferences": [owner_reference(job)],
        },
        "spec": {
            "clusterIP": "None",
            "selector": {LABEL_JOB: job.name},
            "publishNotReadyAddresses": True,
            "ports": [{"name": "rendezvous", "port": DEFAULT_MASTER_PORT, "protocol": "TCP"}],
        },
    }
