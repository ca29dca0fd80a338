"""Defaulting and the few update rules of built-in kinds that clients depend on.

A real API server fills in many fields on create (pod phase, restart policy, a Service's clusterIP,
Secret ``stringData`` folded into ``data``...). Clients read those fields back and some crash or
hang without them, so the simulated server writes the same defaults. Workload controllers
(Deployments, StatefulSets...) are not simulated; their status is reported as fully rolled out so
that tools waiting on it proceed.

Pure functions over plain objects: ``admit_builtin(rtype, old, new) -> new``.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import zlib
from typing import Any

from accelfleet.sim.objects import metadata, resource_label
from accelfleet.sim.store import ForbiddenError, InvalidError, Object, ResourceType

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME_KINDS = frozenset({"Namespace", "Service"})
_SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
_WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"})


def _invalid(rtype: ResourceType, name: str, field: str, value: Any, detail: str) -> InvalidError:
    message = f'{rtype.kind} "{name}" is invalid: {field}: Invalid value: "{value}": {detail}'
    return InvalidError(
        message,
        name=name,
        group=rtype.group,
        kind=rtype.kind,
        causes=[
            {"reason": "FieldValueInvalid", "message": f'Invalid value: "{value}": {detail}', "field": field}
        ],
    )


def check_name(rtype: ResourceType, name: str) -> None:
    """The real server's name rules: DNS labels for namespaces and services, subdomains otherwise."""
    if rtype.kind in _LABEL_NAME_KINDS:
        if len(name) > 63 or not _DNS_LABEL.match(name):
            raise _invalid(
                rtype,
                name,
                "metadata.name",
                name,
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                "and must start and end with an alphanumeric character",
            )
    elif len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise _invalid(
            rtype,
            name,
            "metadata.name",
            name,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
            "or '.', and must start and end with an alphanumeric character",
        )


def _default_container(container: dict[str, Any]) -> None:
    image = str(container.get("image", ""))
    last = image.rsplit("/", 1)[-1]
    untagged_or_latest = "@" not in last and (":" not in last or last.endswith(":latest"))
    container.setdefault("imagePullPolicy", "Always" if untagged_or_latest else "IfNotPresent")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    resources = container.setdefault("resources", {})
    limits = resources.get("limits") or {}
    if limits:
        requests = resources.setdefault("requests", {})
        for resource, quantity in limits.items():
            requests.setdefault(resource, quantity)
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")


def default_pod_spec(spec: dict[str, Any]) -> None:
    """Pod-template defaults; shared by Pods and the templates of workloads."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or []:
            _default_container(container)


def _qos_class(spec: dict[str, Any]) -> str:
    containers = spec.get("containers") or []
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        {"cpu", "memory"} <= set((r.get("limits") or {}).keys())
        and all((r.get("requests") or {}).get(k, v) == v for k, v in (r.get("limits") or {}).items())
        for r in resources
    )
    return "Guaranteed" if guaranteed else "Burstable"


def _create_pod(obj: Object) -> None:
    spec = obj.setdefault("spec", {})
    default_pod_spec(spec)
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    tolerations = spec.setdefault("tolerations", [])
    for taint in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key") == taint for t in tolerations):
            tolerations.append(
                {"key": taint, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            )
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status.setdefault("qosClass", _qos_class(spec))
    if spec.get("schedulingGates"):
        status.setdefault(
            "conditions",
            [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "SchedulingGated",
                    "message": "Scheduling is blocked due to non-empty scheduling gates",
                    "lastProbeTime": None,
                    "lastTransitionTime": obj["metadata"]["creationTimestamp"],
                }
            ],
        )


def _gate_names(pod: Object) -> list[str]:
    return [g.get("name", "") for g in (pod.get("spec") or {}).get("schedulingGates") or []]


def _update_pod(rtype: ResourceType, old: Object, new: Object) -> None:
    name = new["metadata"]["name"]
    old_gates, new_gates = _gate_names(old), _gate_names(new)
    added = [g for g in new_gates if g not in old_gates]
    if added:
        raise InvalidError(
            f'Pod "{name}" is invalid: spec.schedulingGates: Forbidden: only deletion is allowed, '
            f"but found new scheduling gate '{added[0]}'",
            name=name,
            kind="Pod",
            causes=[
                {
                    "reason": "FieldValueForbidden",
                    "message": f"Forbidden: only deletion is allowed, but found new scheduling gate '{added[0]}'",
                    "field": "spec.schedulingGates",
                }
            ],
        )
    old_node = (old.get("spec") or {}).get("nodeName")
    new_node = (new.get("spec") or {}).get("nodeName")
    if old_node and new_node != old_node:
        raise _invalid(
            rtype, name, "spec.nodeName", new_node or "", "field is immutable once the pod is bound"
        )
    if new_node and not old_node and new_gates:
        raise ForbiddenError(
            f"pod {name} has non-empty .spec.schedulingGates", name=name, kind=resource_label(rtype)
        )
    if old_gates and not new_gates:
        conditions = (new.get("status") or {}).get("conditions") or []
        kept = [
            c
            for c in conditions
            if not (c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated")
        ]
        if len(kept) != len(conditions):
            new["status"]["conditions"] = kept


def _fold_string_data(obj: Object) -> None:
    string_data = obj.pop("stringData", None) or {}
    if string_data:
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    obj.setdefault("type", "Opaque")


def _cluster_ip(namespace: str, name: str) -> str:
    """A stable address per service inside the service CIDR; collisions are harmless in a simulator."""
    offset = zlib.crc32(f"{namespace}/{name}".encode()) % (_SERVICE_CIDR.num_addresses - 2) + 1
    return str(_SERVICE_CIDR.network_address + offset)


def _create_service(obj: Object) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        meta = obj["metadata"]
        cluster_ip = spec.get("clusterIP") or _cluster_ip(meta.get("namespace", ""), meta["name"])
        spec["clusterIP"] = cluster_ip
        spec.setdefault("clusterIPs", [cluster_ip])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def _rolled_out_status(obj: Object) -> None:
    spec = obj.get("spec") or {}
    generation = obj["metadata"].get("generation", 1)
    replicas = spec.get("replicas", 1)
    status: dict[str, Any] = {"observedGeneration": generation}
    if obj["kind"] == "DaemonSet":
        status.update(currentNumberScheduled=0, desiredNumberScheduled=0, numberMisscheduled=0, numberReady=0)
    else:
        status.update(replicas=replicas, readyReplicas=replicas, availableReplicas=replicas)
        status["updatedReplicas"] = replicas
    if obj["kind"] == "Deployment":
        status["conditions"] = [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
        ]
    obj["status"] = status


def _default_workload(obj: Object) -> None:
    spec = obj.setdefault("spec", {})
    if obj["kind"] != "DaemonSet":
        spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    if obj["kind"] == "Deployment":
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault(
            "strategy",
            {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        )
    template_spec = (spec.get("template") or {}).get("spec")
    if isinstance(template_spec, dict):
        default_pod_spec(template_spec)
    _rolled_out_status(obj)


def _create_namespace(obj: Object) -> None:
    name = obj["metadata"]["name"]
    obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


def admit_builtin(rtype: ResourceType, old: Object | None, new: Object) -> Object:
    """Defaults on create and the update rules of built-in kinds; called for built-in types only."""
    kind = rtype.kind
    meta = metadata(new)
    if old is None:
        check_name(rtype, meta.get("name", ""))
        if kind == "Pod":
            _create_pod(new)
        elif kind == "Service":
            _create_service(new)
        elif kind == "Namespace":
            _create_namespace(new)
    if kind == "Secret":
        _fold_string_data(new)
    elif kind in _WORKLOAD_KINDS:
        _default_workload(new)
    elif kind == "Pod" and old is not None:
        _update_pod(rtype, old, new)
    return new
