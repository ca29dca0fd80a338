"""The operator passes the "restricted" Pod Security profile; the device plugin is as tight as a
hostPath socket allows and runs only where cards are."""

from __future__ import annotations

from typing import Any

from tests.support.chart import NAMESPACE, containers, one, render
from tests.support.pod_security import baseline_violations, restricted_violations


def _pod_spec(kind: str, component: str, *values: str) -> dict[str, Any]:
    spec: dict[str, Any] = one(render(*values), kind, component)["spec"]["template"]["spec"]
    return spec


def test_operator_passes_the_restricted_profile() -> None:
    assert restricted_violations(_pod_spec("Deployment", "operator")) == []


def test_operator_passes_restricted_with_any_namespace_list() -> None:
    spec = _pod_spec("Deployment", "operator", "operator.namespaces={team-a,team-b}")
    assert restricted_violations(spec) == []


def test_operator_runs_as_a_numeric_non_root_user_on_a_read_only_root() -> None:
    spec = _pod_spec("Deployment", "operator")
    for container in containers(spec):
        ctx = container["securityContext"]
        assert isinstance(ctx["runAsUser"], int)
        assert ctx["runAsUser"] > 0
        assert ctx["readOnlyRootFilesystem"] is True


def test_operator_has_probes_and_resources() -> None:
    (container,) = containers(_pod_spec("Deployment", "operator"))
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["limits"]["memory"]


def test_the_checker_catches_what_restricted_forbids() -> None:
    risky = {
        "hostNetwork": True,
        "containers": [{"name": "c", "securityContext": {"privileged": True, "runAsUser": 0}}],
        "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
    }
    problems = restricted_violations(risky)
    for expected in ("hostNetwork", "privileged", "hostPath", "runAsUser is 0", "drop ALL", "seccompProfile"):
        assert any(expected in p for p in problems), expected


def test_device_plugin_breaks_restricted_only_for_its_socket_directories() -> None:
    """hostPath and root (the kubelet's directories are root-owned) are the only departures."""
    spec = _pod_spec("DaemonSet", "device-plugin")
    assert sorted(restricted_violations(spec)) == sorted(
        [
            "volume device-plugins: hostPath",
            "volume device-plugins: type ['hostPath'] not allowed",
            "volume pod-resources: hostPath",
            "volume pod-resources: type ['hostPath'] not allowed",
            "container device-plugin: runAsNonRoot is not true",
            "container device-plugin: runAsUser is 0",
        ]
    )
    assert baseline_violations(spec) == ["volume device-plugins: hostPath", "volume pod-resources: hostPath"]


def test_device_plugin_mounts_only_the_kubelets_socket_directories() -> None:
    """The device-plugin directory, and the PodResources one read-only (dialing a socket needs no more)."""
    spec = _pod_spec("DaemonSet", "device-plugin")
    host_paths = [v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v]
    assert host_paths == ["/var/lib/kubelet/device-plugins", "/var/lib/kubelet/pod-resources"]
    (container,) = containers(spec)
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["pod-resources"] == {
        "name": "pod-resources",
        "mountPath": "/var/lib/kubelet/pod-resources",
        "readOnly": True,
    }
    args = container["args"]
    assert args[args.index("--pod-resources-socket") + 1] == "/var/lib/kubelet/pod-resources/kubelet.sock"
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_device_plugin_runs_only_on_card_nodes_and_tolerates_their_taints() -> None:
    spec = _pod_spec("DaemonSet", "device-plugin")
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert terms == [{"matchExpressions": [{"key": "accelfleet.io/card", "operator": "Exists"}]}]
    assert {"operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]


def test_device_plugin_gets_its_node_name_from_the_downward_api() -> None:
    (container,) = containers(_pod_spec("DaemonSet", "device-plugin"))
    args = container["args"]
    assert args[:3] == ["deviceplugin", "--node", "$(NODE_NAME)"]
    assert args[args.index("--kubelet-dir") + 1] == "/var/lib/kubelet/device-plugins"
    assert args[args.index("--device-specs") + 1] == "auto"
    env = {e["name"]: e for e in container["env"]}
    assert env["NODE_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}


def test_device_plugin_can_be_disabled() -> None:
    objects = render("devicePlugin.enabled=false")
    assert not [
        o
        for o in objects
        if o["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "device-plugin"
    ]


def test_everything_namespaced_lands_in_the_release_namespace() -> None:
    for obj in render():
        if obj["kind"] in ("Deployment", "DaemonSet", "Service", "ServiceAccount", "ConfigMap"):
            assert obj["metadata"]["namespace"] == NAMESPACE, obj["metadata"]["name"]
