"""Pod statuses a kubelet writes, as pure functions of the pod and the moment.

Shapes follow what a real kubelet reports (conditions, container statuses with containerd IDs), so
``kubectl get pods``/``describe`` and operators read simulated pods like real ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

PHASE_RUNNING = "Running"
PHASE_SUCCEEDED = "Succeeded"
PHASE_FAILED = "Failed"
TERMINAL_PHASES = (PHASE_SUCCEEDED, PHASE_FAILED)
REASON_NODE_LOST = "NodeLost"
EXIT_CODE_TERMINATED = 143


def is_terminal(pod: Mapping[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in TERMINAL_PHASES


def container_id(pod_uid: str, container: str) -> str:
    digest = hashlib.sha256(f"{pod_uid}/{container}".encode()).hexdigest()
    return f"containerd://{digest}"


def _condition(kind: str, status: str, now: str, reason: str | None = None) -> dict[str, Any]:
    condition: dict[str, Any] = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": now,
    }
    if reason:
        condition["reason"] = reason
    return condition


def _keep_transition(old: Mapping[str, Any], conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    previous = {c.get("type"): c for c in old.get("conditions") or []}
    for condition in conditions:
        before = previous.get(condition["type"])
        if before is not None and before.get("status") == condition["status"]:
            condition["lastTransitionTime"] = before.get(
                "lastTransitionTime", condition["lastTransitionTime"]
            )
    return conditions


def _image(container: Mapping[str, Any]) -> str:
    image = str(container.get("image") or "")
    return image if "/" in image else f"docker.io/library/{image}"


def running_status(pod: Mapping[str, Any], host_ip: str, pod_ip: str, now: str) -> dict[str, Any]:
    old = pod.get("status") or {}
    spec = pod.get("spec") or {}
    uid = pod["metadata"].get("uid", "")
    started = old.get("startTime") or now
    conditions = [
        _condition("PodReadyToStartContainers", "True", now),
        _condition("Initialized", "True", now),
        _condition("Ready", "True", now),
        _condition("ContainersReady", "True", now),
        _condition("PodScheduled", "True", now),
    ]
    status: dict[str, Any] = {
        "phase": PHASE_RUNNING,
        "conditions": _keep_transition(old, conditions),
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": started,
        "containerStatuses": [
            {
                "name": c.get("name", ""),
                "image": _image(c),
                "imageID": _image(c),
                "containerID": container_id(uid, c.get("name", "")),
                "ready": True,
                "started": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": now}},
                "lastState": {},
            }
            for c in spec.get("containers") or []
        ],
    }
    if spec.get("initContainers"):
        status["initContainerStatuses"] = [
            {
                "name": c.get("name", ""),
                "image": _image(c),
                "imageID": _image(c),
                "containerID": container_id(uid, c.get("name", "")),
                "ready": True,
                "started": False,
                "restartCount": 0,
                "state": {
                    "terminated": {
                        "exitCode": 0,
                        "reason": "Completed",
                        "startedAt": now,
                        "finishedAt": now,
                        "containerID": container_id(uid, c.get("name", "")),
                    }
                },
                "lastState": {},
            }
            for c in spec["initContainers"]
        ]
    if old.get("qosClass"):
        status["qosClass"] = old["qosClass"]
    return status


def terminated_status(
    pod: Mapping[str, Any], exit_code: int, now: str, *, reason: str | None = None, message: str | None = None
) -> dict[str, Any]:
    """Every container exited with ``exit_code``; the pod ends Succeeded (0) or Failed."""
    status = dict(pod.get("status") or {})
    uid = pod["metadata"].get("uid", "")
    terminated_reason = "Completed" if exit_code == 0 else "Error"
    statuses = []
    for c in (pod.get("spec") or {}).get("containers") or []:
        name = c.get("name", "")
        previous: dict[str, Any] = next(
            (s for s in status.get("containerStatuses") or [] if s.get("name") == name), {}
        )
        started_at = ((previous.get("state") or {}).get("running") or {}).get("startedAt") or now
        statuses.append(
            {
                "name": name,
                "image": _image(c),
                "imageID": _image(c),
                "containerID": container_id(uid, name),
                "ready": False,
                "started": False,
                "restartCount": 0,
                "state": {
                    "terminated": {
                        "exitCode": exit_code,
                        "reason": terminated_reason,
                        "startedAt": started_at,
                        "finishedAt": now,
                        "containerID": container_id(uid, name),
                    }
                },
                "lastState": {},
            }
        )
    completed = "PodCompleted"
    conditions = [
        _condition("PodReadyToStartContainers", "False", now),
        _condition("Initialized", "True", now, completed),
        _condition("Ready", "False", now, completed),
        _condition("ContainersReady", "False", now, completed),
        _condition("PodScheduled", "True", now),
    ]
    status["phase"] = PHASE_SUCCEEDED if exit_code == 0 else PHASE_FAILED
    status["conditions"] = _keep_transition(status, conditions)
    status["containerStatuses"] = statuses
    status.setdefault("startTime", now)
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    return status


def rejected_status(pod: Mapping[str, Any], reason: str, message: str) -> dict[str, Any]:
    """Admission refused the pod: Failed, with the kubelet's ``Pod was rejected:`` message."""
    status: dict[str, Any] = {
        "phase": PHASE_FAILED,
        "reason": reason,
        "message": f"Pod was rejected: {message}",
    }
    qos = (pod.get("status") or {}).get("qosClass")
    if qos:
        status["qosClass"] = qos
    return status


def node_lost_status(pod: Mapping[str, Any], node: str, now: str) -> dict[str, Any]:
    name = pod["metadata"].get("name", "")
    return terminated_status(
        pod,
        EXIT_CODE_TERMINATED,
        now,
        reason=REASON_NODE_LOST,
        message=f"Node {node} which was running pod {name} is unresponsive",
    )
