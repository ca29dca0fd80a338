"""The Kubernetes Pod Security Standards ("baseline" and "restricted", v1.33) as checks over a pod spec.

Kubernetes enforces them at admission in a namespace labelled ``pod-security.kubernetes.io/enforce``;
checking the rendered chart against the same rules tells a user before install whether a namespace
will admit the pods. Each violation is one line naming the field.
"""

from __future__ import annotations

from typing import Any

BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
Spec = dict[str, Any]


def _containers(pod_spec: Spec) -> list[Spec]:
    return [
        *pod_spec.get("initContainers", []),
        *pod_spec.get("containers", []),
        *pod_spec.get("ephemeralContainers", []),
    ]


def _contexts(pod_spec: Spec) -> list[tuple[str, Spec]]:
    """The pod's security context and each container's, with a name for messages."""
    found = [("pod", pod_spec.get("securityContext") or {})]
    found += [(f"container {c['name']}", c.get("securityContext") or {}) for c in _containers(pod_spec)]
    return found


def baseline_violations(pod_spec: Spec) -> list[str]:
    problems: list[str] = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(field):
            problems.append(f"{field} is true")
    for where, ctx in _contexts(pod_spec):
        if (ctx.get("windowsOptions") or {}).get("hostProcess"):
            problems.append(f"{where}: windowsOptions.hostProcess is true")
        if ctx.get("privileged"):
            problems.append(f"{where}: privileged is true")
        added = set((ctx.get("capabilities") or {}).get("add") or []) - BASELINE_CAPABILITIES
        if added:
            problems.append(f"{where}: adds capabilities {sorted(added)}")
        if (ctx.get("appArmorProfile") or {}).get("type") == "Unconfined":
            problems.append(f"{where}: appArmorProfile is Unconfined")
        selinux = ctx.get("seLinuxOptions") or {}
        if selinux.get("type", "") not in SELINUX_TYPES or selinux.get("user") or selinux.get("role"):
            problems.append(f"{where}: seLinuxOptions not allowed")
        if ctx.get("procMount", "Default") != "Default":
            problems.append(f"{where}: procMount is {ctx['procMount']}")
        if (ctx.get("seccompProfile") or {}).get("type") == "Unconfined":
            problems.append(f"{where}: seccompProfile is Unconfined")
    for sysctl in (pod_spec.get("securityContext") or {}).get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            problems.append(f"pod: sysctl {sysctl.get('name')} is not a safe sysctl")
    problems += [f"volume {v['name']}: hostPath" for v in pod_spec.get("volumes", []) if "hostPath" in v]
    for container in _containers(pod_spec):
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"container {container['name']}: hostPort {port['hostPort']}")
    return problems


def restricted_violations(pod_spec: Spec) -> list[str]:
    problems = baseline_violations(pod_spec)
    for volume in pod_spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            problems.append(f"volume {volume['name']}: type {sorted(kinds)} not allowed")
    pod_ctx = pod_spec.get("securityContext") or {}
    for container in _containers(pod_spec):
        where = f"container {container['name']}"
        ctx = container.get("securityContext") or {}
        if ctx.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if not ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot", False)):
            problems.append(f"{where}: runAsNonRoot is not true")
        seccomp = (ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{where}: seccompProfile is not RuntimeDefault or Localhost")
        capabilities = ctx.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            problems.append(f"{where}: capabilities do not drop ALL")
        added = set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}
        if added:
            problems.append(f"{where}: adds capabilities {sorted(added)}")
    problems += [
        f"{where}: runAsUser is 0" for where, ctx in _contexts(pod_spec) if ctx.get("runAsUser") == 0
    ]
    return problems
