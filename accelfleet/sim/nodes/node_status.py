"""What a simulated kubelet reports in its Node's status and taints, as pure functions.

Written only when something a reader could notice changed: comparisons ignore heartbeat times,
so an idle fleet of thousands of nodes costs no writes (liveness goes through Leases instead).
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accelfleet.sim.nodes.devices import ResourceAmount
from accelfleet.sim.nodes.node_factory import BASE_CAPACITY
from accelfleet.sim.nodes.sim_names import KUBELET_VERSION, TAINT_UNREACHABLE

KUBELET_PORT = 10250
_UUID_NAMESPACE = uuid.UUID("6f1c1f4e-5a0b-4c7e-9a51-5c1e0d7a1f00")

_HEALTHY_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
NODE_STATUS_UNKNOWN = "NodeStatusUnknown"
STOPPED_POSTING = "Kubelet stopped posting node status."


@dataclass(frozen=True)
class NodeFacts:
    name: str
    internal_ip: str
    failed: bool = False
    devices: Mapping[str, ResourceAmount] = field(default_factory=dict)


def node_ip(index: int) -> str:
    """A stable address in 10.0.0.0/8 for the index-th node (index from 0)."""
    value = index + 1
    return f"10.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def pod_ip(node_index: int, pod_number: int) -> str:
    """Pod addresses come from the node's own /24 in 100.64.0.0/10 (node index < 16384)."""
    block = 100 * 2**24 + 64 * 2**16 + node_index * 256
    host = 2 + pod_number % 253
    value = block + host
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def _conditions(facts: NodeFacts) -> list[tuple[str, str, str, str]]:
    if facts.failed:
        return [(kind, "Unknown", NODE_STATUS_UNKNOWN, STOPPED_POSTING) for kind, *_ in _HEALTHY_CONDITIONS]
    return list(_HEALTHY_CONDITIONS)


def _resources(current: Mapping[str, Any], facts: NodeFacts) -> tuple[dict[str, str], dict[str, str]]:
    capacity = dict(BASE_CAPACITY)
    allocatable = dict(BASE_CAPACITY)
    # Extended resources someone else advertised (e.g. by patching the status) are kept, as a kubelet does.
    old_capacity = current.get("capacity") or {}
    for name, value in old_capacity.items():
        if "/" in name and name not in facts.devices:
            capacity[name] = value
            allocatable[name] = (current.get("allocatable") or {}).get(name, value)
    for name, amount in facts.devices.items():
        capacity[name] = str(amount.capacity)
        allocatable[name] = str(amount.allocatable)
    return capacity, allocatable


def node_info(name: str) -> dict[str, str]:
    return dict(_node_info(name))


@functools.lru_cache(maxsize=8192)
def _node_info(name: str) -> tuple[tuple[str, str], ...]:
    digest = hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()
    info = {
        "machineID": digest,
        "systemUUID": str(uuid.uuid5(_UUID_NAMESPACE, name)),
        "bootID": str(uuid.uuid5(_UUID_NAMESPACE, f"boot/{name}")),
        "kernelVersion": "6.8.0-accelfleet-sim",
        "osImage": "accelfleet simulated node",
        "containerRuntimeVersion": "containerd://1.7.27",
        "kubeletVersion": KUBELET_VERSION,
        "kubeProxyVersion": "",
        "operatingSystem": "linux",
        "architecture": "amd64",
    }
    return tuple(info.items())


def desired_node_status(current: Mapping[str, Any] | None, facts: NodeFacts, now: str) -> dict[str, Any]:
    """The status to write; equal to ``current`` (so no write) when nothing observable changed."""
    current = current or {}
    old_conditions = {c.get("type"): c for c in current.get("conditions") or []}
    capacity, allocatable = _resources(current, facts)
    conditions: list[dict[str, Any]] = []
    for kind, state, reason, message in _conditions(facts):
        old = old_conditions.get(kind) or {}
        same = old.get("status") == state
        conditions.append(
            {
                "type": kind,
                "status": state,
                "lastHeartbeatTime": old.get("lastHeartbeatTime") or now,
                "lastTransitionTime": old.get("lastTransitionTime", now) if same else now,
                "reason": reason,
                "message": message,
            }
        )
    status: dict[str, Any] = {
        "capacity": capacity,
        "allocatable": allocatable,
        "conditions": conditions,
        "addresses": [
            {"type": "InternalIP", "address": facts.internal_ip},
            {"type": "Hostname", "address": facts.name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
        "nodeInfo": node_info(facts.name),
    }
    if status != {k: current.get(k) for k in status}:
        for condition in conditions:
            if facts.failed and condition["status"] == "Unknown":
                continue  # nobody heard from the node: its heartbeat time stays the last one seen
            condition["lastHeartbeatTime"] = now
    merged = dict(current)
    merged.update(status)
    return merged


def desired_taints(taints: Sequence[Mapping[str, Any]], failed: bool, now: str) -> list[dict[str, Any]]:
    """The node-lifecycle taints of an unreachable node added or lifted; other taints untouched."""
    kept = [dict(t) for t in taints if t.get("key") != TAINT_UNREACHABLE]
    if not failed:
        return kept
    existing = {t.get("effect"): dict(t) for t in taints if t.get("key") == TAINT_UNREACHABLE}
    no_schedule = existing.get("NoSchedule") or {"key": TAINT_UNREACHABLE, "effect": "NoSchedule"}
    no_execute = existing.get("NoExecute") or {
        "key": TAINT_UNREACHABLE,
        "effect": "NoExecute",
        "timeAdded": now,
    }
    return [*kept, no_schedule, no_execute]


def internal_ip(node: Mapping[str, Any]) -> str | None:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            value = address.get("address")
            return value if isinstance(value, str) else None
    return None
