"""Columns and cells of the built-in kinds' Tables, following the real server's printers.

``kubectl get`` prints whatever columns the server's Table holds, so these decide what users see
for pods (READY, STATUS, RESTARTS, ...), nodes (STATUS, ROLES, VERSION, ...) and the other
built-ins. Columns with priority 1 appear only with ``-o wide``. Kinds without a printer get the
real server's default table: NAME and CREATED AT.

Public: ``Column``, ``human_duration(seconds)``, ``age(timestamp, now)``, ``printer_for(group,
kind) -> (columns, cells_fn)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Object = dict[str, Any]
Cells = Callable[[Object, datetime], list[Any]]

NONE = "<none>"


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    priority: int = 0
    format: str = ""
    description: str = ""

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME = Column("Name", format="name", description="Name must be unique within a namespace.")
AGE = Column("Age", description="CreationTimestamp of the object.")


def human_duration(seconds: float) -> str:
    """apimachinery's ``duration.HumanDuration``: the compact ages kubectl shows."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        return f"{hours // 24 // 365}y{rest}d" if rest else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def parse_time(timestamp: Any) -> datetime | None:
    if not isinstance(timestamp, str) or not timestamp:
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def age(timestamp: Any, now: datetime) -> str:
    moment = parse_time(timestamp)
    return "<unknown>" if moment is None else human_duration((now - moment).total_seconds())


def _meta(obj: Object) -> Object:
    return obj.get("metadata") or {}


def _spec(obj: Object) -> Object:
    return obj.get("spec") or {}


def _status(obj: Object) -> Object:
    return obj.get("status") or {}


def _created(obj: Object, now: datetime) -> str:
    return age(_meta(obj).get("creationTimestamp"), now)


def _name(obj: Object) -> str:
    return str(_meta(obj).get("name", ""))


def _pod_status(pod: Object) -> str:
    status, spec = _status(pod), _spec(pod)
    reason = str(status.get("reason") or status.get("phase") or "Pending")
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    if (spec.get("schedulingGates") and not spec.get("nodeName")) or conditions.get("PodScheduled", {}).get(
        "reason"
    ) == "SchedulingGated":
        reason = "SchedulingGated"
    running = False
    for container in reversed(status.get("containerStatuses") or []):
        state = container.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated and terminated.get("reason"):
            reason = terminated["reason"]
        elif terminated:
            signal = terminated.get("signal")
            reason = f"Signal:{signal}" if signal else f"ExitCode:{terminated.get('exitCode', 0)}"
        elif container.get("ready") and state.get("running") is not None:
            running = True
    if reason == "Completed" and running:
        reason = "Running" if conditions.get("Ready", {}).get("status") == "True" else "NotReady"
    if _meta(pod).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason


def _pod_restarts(pod: Object, now: datetime) -> str:
    statuses = _status(pod).get("containerStatuses") or []
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    finished = [
        parse_time(((c.get("lastState") or {}).get("terminated") or {}).get("finishedAt")) for c in statuses
    ]
    latest = max((t for t in finished if t is not None), default=None)
    if restarts and latest is not None:
        return f"{restarts} ({human_duration((now - latest).total_seconds())} ago)"
    return str(restarts)


def _pod(pod: Object, now: datetime) -> list[Any]:
    spec, status = _spec(pod), _status(pod)
    containers = spec.get("containers") or []
    ready = sum(1 for c in status.get("containerStatuses") or [] if c.get("ready"))
    gates = spec.get("readinessGates") or []
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    gates_ready = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
    return [
        _name(pod),
        f"{ready}/{len(containers)}",
        _pod_status(pod),
        _pod_restarts(pod, now),
        _created(pod, now),
        status.get("podIP") or NONE,
        spec.get("nodeName") or NONE,
        status.get("nominatedNodeName") or NONE,
        f"{gates_ready}/{len(gates)}" if gates else NONE,
    ]


def _node(node: Object, now: datetime) -> list[Any]:
    status, labels = _status(node), _meta(node).get("labels") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    state = {"True": "Ready", "False": "NotReady"}.get((ready or {}).get("status", ""), "Unknown")
    if _spec(node).get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted(
        {k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/")}
        | ({labels["kubernetes.io/role"]} if labels.get("kubernetes.io/role") else set())
    )
    info = status.get("nodeInfo") or {}
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    return [
        _name(node),
        state,
        ",".join(r for r in roles if r) or NONE,
        _created(node, now),
        info.get("kubeletVersion", ""),
        addresses.get("InternalIP") or NONE,
        addresses.get("ExternalIP") or NONE,
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _selector(labels: Any) -> str:
    if not isinstance(labels, dict) or not labels:
        return NONE
    return ",".join(f"{k}={v}" for k, v in labels.items())


def _service(svc: Object, now: datetime) -> list[Any]:
    spec = _spec(svc)
    ports = []
    for port in spec.get("ports") or []:
        node_port = f":{port['nodePort']}" if port.get("nodePort") else ""
        ports.append(f"{port.get('port')}{node_port}/{port.get('protocol', 'TCP')}")
    ingress = [
        i.get("ip") or i.get("hostname")
        for i in (_status(svc).get("loadBalancer") or {}).get("ingress") or []
    ]
    external = [*spec.get("externalIPs", []), *[i for i in ingress if i]]
    svc_type = spec.get("type", "ClusterIP")
    return [
        _name(svc),
        svc_type,
        spec.get("clusterIP") or NONE,
        ",".join(external) or ("<pending>" if svc_type == "LoadBalancer" else NONE),
        ",".join(ports) or NONE,
        _created(svc, now),
        _selector(spec.get("selector")),
    ]


def _containers(template: Object) -> tuple[str, str]:
    containers = (template.get("spec") or {}).get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _label_selector(spec: Object) -> str:
    selector = spec.get("selector") or {}
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        parts.append(
            f"{expr.get('key')} {expr.get('operator', '').lower()} ({','.join(expr.get('values') or [])})"
        )
    return ",".join(parts) or NONE


def _deployment(obj: Object, now: datetime) -> list[Any]:
    spec, status = _spec(obj), _status(obj)
    names, images = _containers(spec.get("template") or {})
    return [
        _name(obj),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        int(status.get("updatedReplicas", 0)),
        int(status.get("availableReplicas", 0)),
        _created(obj, now),
        names,
        images,
        _label_selector(spec),
    ]


def _replicaset(obj: Object, now: datetime) -> list[Any]:
    spec, status = _spec(obj), _status(obj)
    names, images = _containers(spec.get("template") or {})
    return [
        _name(obj),
        int(spec.get("replicas", 1)),
        int(status.get("replicas", 0)),
        int(status.get("readyReplicas", 0)),
        _created(obj, now),
        names,
        images,
        _label_selector(spec),
    ]


def _statefulset(obj: Object, now: datetime) -> list[Any]:
    spec, status = _spec(obj), _status(obj)
    names, images = _containers(spec.get("template") or {})
    return [
        _name(obj),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        _created(obj, now),
        names,
        images,
    ]


def _daemonset(obj: Object, now: datetime) -> list[Any]:
    spec, status = _spec(obj), _status(obj)
    names, images = _containers(spec.get("template") or {})
    return [
        _name(obj),
        int(status.get("desiredNumberScheduled", 0)),
        int(status.get("currentNumberScheduled", 0)),
        int(status.get("numberReady", 0)),
        int(status.get("updatedNumberScheduled", 0)),
        int(status.get("numberAvailable", 0)),
        _selector(((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")),
        _created(obj, now),
        names,
        images,
        _label_selector(spec),
    ]


def _job(obj: Object, now: datetime) -> list[Any]:
    spec, status = _spec(obj), _status(obj)
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    state = "Running"
    if conditions.get("Complete") == "True":
        state = "Complete"
    elif conditions.get("Failed") == "True":
        state = "Failed"
    start, end = parse_time(status.get("startTime")), parse_time(status.get("completionTime"))
    duration = human_duration(((end or now) - start).total_seconds()) if start else ""
    names, images = _containers(spec.get("template") or {})
    return [
        _name(obj),
        state,
        f"{status.get('succeeded', 0)}/{spec.get('completions', 1)}",
        duration,
        _created(obj, now),
        names,
        images,
    ]


def _event(event: Object, now: datetime) -> list[Any]:
    involved = event.get("involvedObject") or event.get("regarding") or {}
    source = event.get("source") or {}
    component = (
        source.get("component") or event.get("reportingController") or event.get("reportingComponent") or ""
    )
    host = source.get("host")
    last = (
        event.get("lastTimestamp")
        or event.get("deprecatedLastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
    )
    first = event.get("firstTimestamp") or event.get("deprecatedFirstTimestamp") or event.get("eventTime")
    return [
        age(last, now),
        event.get("type", ""),
        event.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        involved.get("fieldPath", ""),
        f"{component}, {host}" if host else component,
        str(event.get("message") or event.get("note") or "").strip(),
        age(first, now),
        int(event.get("count") or event.get("deprecatedCount") or 1),
        _name(event),
    ]


def _endpoints(obj: Object, now: datetime) -> list[Any]:
    endpoints = []
    for subset in obj.get("subsets") or []:
        for address in subset.get("addresses") or []:
            for port in subset.get("ports") or [{}]:
                suffix = f":{port['port']}" if port.get("port") else ""
                endpoints.append(f"{address.get('ip')}{suffix}")
    return [_name(obj), ",".join(endpoints) or NONE, _created(obj, now)]


def _created_at(obj: Object, now: datetime) -> list[Any]:
    return [_name(obj), _meta(obj).get("creationTimestamp")]


def _binding(obj: Object, now: datetime) -> list[Any]:
    ref = obj.get("roleRef") or {}
    subjects = obj.get("subjects") or []

    def names(kind: str) -> str:
        return ",".join(
            f"{s.get('namespace')}/{s.get('name')}" if kind == "ServiceAccount" else str(s.get("name"))
            for s in subjects
            if s.get("kind") == kind
        )

    return [
        _name(obj),
        f"{ref.get('kind')}/{ref.get('name')}",
        _created(obj, now),
        names("User"),
        names("Group"),
        names("ServiceAccount"),
    ]


def _simple(*cells: Callable[[Object], Any]) -> Cells:
    def row(obj: Object, now: datetime) -> list[Any]:
        return [_name(obj), *(cell(obj) for cell in cells), _created(obj, now)]

    return row


_WIDE_CONTAINERS = (Column("Containers", priority=1), Column("Images", priority=1))
_WIDE_SELECTOR = Column("Selector", priority=1)
CREATED_AT = Column("Created At", type="date", description="CreationTimestamp of the object.")

_PRINTERS: dict[tuple[str, str], tuple[tuple[Column, ...], Cells]] = {
    ("", "Pod"): (
        (
            NAME,
            Column("Ready"),
            Column("Status"),
            Column("Restarts"),
            AGE,
            Column("IP", priority=1),
            Column("Node", priority=1),
            Column("Nominated Node", priority=1),
            Column("Readiness Gates", priority=1),
        ),
        _pod,
    ),
    ("", "Node"): (
        (
            NAME,
            Column("Status"),
            Column("Roles"),
            AGE,
            Column("Version"),
            Column("Internal-IP", priority=1),
            Column("External-IP", priority=1),
            Column("OS-Image", priority=1),
            Column("Kernel-Version", priority=1),
            Column("Container-Runtime", priority=1),
        ),
        _node,
    ),
    ("", "Namespace"): (
        (NAME, Column("Status"), AGE),
        _simple(lambda o: _status(o).get("phase", "Active")),
    ),
    ("", "Service"): (
        (
            NAME,
            Column("Type"),
            Column("Cluster-IP"),
            Column("External-IP"),
            Column("Port(s)"),
            AGE,
            _WIDE_SELECTOR,
        ),
        _service,
    ),
    ("", "ConfigMap"): (
        (NAME, Column("Data", type="integer"), AGE),
        _simple(lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {})),
    ),
    ("", "Secret"): (
        (NAME, Column("Type"), Column("Data", type="integer"), AGE),
        _simple(lambda o: o.get("type", "Opaque"), lambda o: len(o.get("data") or {})),
    ),
    ("", "ServiceAccount"): (
        (NAME, Column("Secrets", type="integer"), AGE),
        _simple(lambda o: len(o.get("secrets") or [])),
    ),
    ("", "Event"): (
        (
            Column("Last Seen"),
            Column("Type"),
            Column("Reason"),
            Column("Object"),
            Column("Subobject", priority=1),
            Column("Source", priority=1),
            Column("Message"),
            Column("First Seen", priority=1),
            Column("Count", type="integer", priority=1),
            Column("Name", priority=1),
        ),
        _event,
    ),
    ("", "Endpoints"): ((NAME, Column("Endpoints"), AGE), _endpoints),
    ("apps", "Deployment"): (
        (
            NAME,
            Column("Ready"),
            Column("Up-to-date", type="integer"),
            Column("Available", type="integer"),
            AGE,
            *_WIDE_CONTAINERS,
            _WIDE_SELECTOR,
        ),
        _deployment,
    ),
    ("apps", "ReplicaSet"): (
        (
            NAME,
            Column("Desired", type="integer"),
            Column("Current", type="integer"),
            Column("Ready", type="integer"),
            AGE,
            *_WIDE_CONTAINERS,
            _WIDE_SELECTOR,
        ),
        _replicaset,
    ),
    ("apps", "StatefulSet"): ((NAME, Column("Ready"), AGE, *_WIDE_CONTAINERS), _statefulset),
    ("apps", "DaemonSet"): (
        (
            NAME,
            Column("Desired", type="integer"),
            Column("Current", type="integer"),
            Column("Ready", type="integer"),
            Column("Up-to-date", type="integer"),
            Column("Available", type="integer"),
            Column("Node Selector"),
            AGE,
            *_WIDE_CONTAINERS,
            _WIDE_SELECTOR,
        ),
        _daemonset,
    ),
    ("batch", "Job"): (
        (NAME, Column("Status"), Column("Completions"), Column("Duration"), AGE, *_WIDE_CONTAINERS),
        _job,
    ),
    ("coordination.k8s.io", "Lease"): (
        (NAME, Column("Holder"), AGE),
        _simple(lambda o: _spec(o).get("holderIdentity", "")),
    ),
    ("rbac.authorization.k8s.io", "Role"): ((NAME, CREATED_AT), _created_at),
    ("rbac.authorization.k8s.io", "ClusterRole"): ((NAME, CREATED_AT), _created_at),
    ("rbac.authorization.k8s.io", "RoleBinding"): (
        (
            NAME,
            Column("Role"),
            AGE,
            Column("Users", priority=1),
            Column("Groups", priority=1),
            Column("ServiceAccounts", priority=1),
        ),
        _binding,
    ),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): (
        (
            NAME,
            Column("Role"),
            AGE,
            Column("Users", priority=1),
            Column("Groups", priority=1),
            Column("ServiceAccounts", priority=1),
        ),
        _binding,
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): ((NAME, CREATED_AT), _created_at),
}
_PRINTERS[("events.k8s.io", "Event")] = _PRINTERS[("", "Event")]


def printer_for(group: str, kind: str) -> tuple[tuple[Column, ...], Cells]:
    return _PRINTERS.get((group, kind), ((NAME, CREATED_AT), _created_at))
