"""The chart's workloads, run as processes with exactly the arguments the chart renders.

The simulated cluster runs no containers, so this is how the chart's command lines, ports, probes
and roles are proven: a process outside a pod gets the downward-API values the kubelet would give
it, and reaches the API through a proxy that records each call as RBAC sees it. Each component may
make only calls its chart roles grant, and the roles grant nothing it was not seen to use, except
the recovery paths named here.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.chart import (
    CHART_DIR,
    NAMESPACE,
    RELEASE,
    REPO_ROOT,
    Manifest,
    containers,
    expand_args,
    helm,
    one,
    render,
)
from tests.support.cluster_objects import kubectl
from tests.support.kubelet_harness import KubeletHarness, wait_for
from tests.support.processes import free_port, healthz, running
from tests.support.recording_proxy import Call, recording_proxy
from tests.support.sim import SimHandle, running_sim

pytestmark = pytest.mark.slow

NODE = "chart-dp-node"
RESOURCE = "huawei.com/Ascend910"
WAIT_S = 60.0

# Granted for paths a short healthy run does not take.
OPERATOR_RECOVERY_ONLY: dict[Call, str] = {
    ("", "pods", "get"): "reading a pod back after a create conflicts",
    ("", "pods", "delete"): "releasing a gang whose pods failed or timed out",
}
DEVICE_PLUGIN_POD_RESOURCES_ONLY: dict[Call, str] = {
    ("", "pods", "list"): "finding the pods that hold cards, once the kubelet's PodResources API lists some",
    ("", "pods", "patch"): "writing accelfleet.io/allocated-cards on those pods",
}


def _grants(*roles: Manifest) -> set[Call]:
    return {
        (group, resource, verb)
        for role in roles
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def _node_manifest(name: str) -> str:
    return f"""
apiVersion: v1
kind: Node
metadata:
  name: {name}
  labels:
    kubernetes.io/hostname: {name}
    accelfleet.io/card: huawei-ascend-910b
    accelfleet.io/card-count: "4"
"""


def _job_status(kubeconfig: Path, name: str) -> dict[str, object]:
    out = kubectl(kubeconfig, "get", "aij", name, "-n", "default", "-o", "json", check=False)
    status: dict[str, object] = json.loads(out.stdout).get("status", {}) if out.returncode == 0 else {}
    return status


def test_device_plugin_runs_with_the_daemonset_arguments_and_only_its_role(
    sim_cluster: SimHandle, tmp_path: Path
) -> None:
    kubeconfig = sim_cluster.kubeconfig
    kubectl(kubeconfig, "apply", "--server-side", "-f", str(CHART_DIR / "crds"))
    kubectl(kubeconfig, "wait", "--for=condition=Established", "crd", "--all", "--timeout=30s")
    kubectl(kubeconfig, "apply", "-f", str(CHART_DIR / "files" / "catalog.yaml"))
    kubectl(kubeconfig, "apply", "-f", "-", stdin=_node_manifest(NODE))
    # A short directory: unix socket paths are limited to 107 bytes, and tmp_path can be longer.
    kubelet = KubeletHarness(tempfile.mkdtemp(prefix="af-dp-"))
    kubelet.start()
    port = free_port()
    objects = render(f"devicePlugin.kubeletDir={kubelet.socket_dir}", f"devicePlugin.metricsPort={port}")
    (container,) = containers(one(objects, "DaemonSet", "device-plugin")["spec"]["template"]["spec"])
    assert container["ports"][0]["containerPort"] == port
    try:
        with recording_proxy(sim_cluster) as proxy:
            proxied = proxy.kubeconfig_for(tmp_path)
            with running(expand_args(container, {"spec.nodeName": NODE}), proxied, tmp_path / "dp.log"):
                wait_for(lambda: kubelet.capacity(RESOURCE) == 4, timeout=WAIT_S)
                wait_for(lambda: healthz(port), timeout=WAIT_S)
                granted = _grants(one(objects, "ClusterRole", "device-plugin"))
                expected = granted - DEVICE_PLUGIN_POD_RESOURCES_ONLY.keys()
                wait_for(lambda: proxy.calls >= expected, timeout=WAIT_S)
        assert DEVICE_PLUGIN_POD_RESOURCES_ONLY.keys() <= granted
        assert proxy.calls - DEVICE_PLUGIN_POD_RESOURCES_ONLY.keys() == expected
    finally:
        kubelet.stop()
        shutil.rmtree(kubelet.socket_dir, ignore_errors=True)
        kubectl(kubeconfig, "delete", "node", NODE)
        kubectl(kubeconfig, "delete", "-f", str(CHART_DIR / "crds"), "--wait=true")


def test_operator_runs_with_the_deployment_arguments_and_only_its_roles(tmp_path: Path) -> None:
    with running_sim(extra_args=["--node-mode", "static"]) as sim:
        kubeconfig = sim.kubeconfig
        kubectl(kubeconfig, "create", "namespace", NAMESPACE)
        port = free_port()
        values = [f"operator.metricsPort={port}", "platforms.install=true"]
        helm(
            "install", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE,
            *[arg for value in values for arg in ("--set", value)], kubeconfig=kubeconfig,
        )  # fmt: skip
        objects = render(*values)
        (container,) = containers(one(objects, "Deployment", "operator")["spec"]["template"]["spec"])
        pod = {"metadata.name": "operator-0", "metadata.namespace": NAMESPACE}
        env = {"POD_NAME": pod["metadata.name"], "POD_NAMESPACE": pod["metadata.namespace"]}
        with recording_proxy(sim) as proxy:
            proxied = proxy.kubeconfig_for(tmp_path)
            with running(expand_args(container, pod), proxied, tmp_path / "operator.log", env):
                wait_for(lambda: healthz(port), timeout=WAIT_S)
                kubectl(kubeconfig, "apply", "-f", str(REPO_ROOT / "examples" / "jobs" / "single-node.yaml"))
                kubectl(
                    kubeconfig, "apply", "-f", str(REPO_ROOT / "examples" / "invalid" / "unknown-model.yaml")
                )
                wait_for(
                    lambda: (
                        _job_status(kubeconfig, "ascend-single-node").get("phase") in ("Running", "Succeeded")
                    ),
                    timeout=WAIT_S,
                )
                wait_for(lambda: _job_status(kubeconfig, "unknown-model").get("message"), timeout=WAIT_S)
                wait_for(lambda: ("", "events", "create") in proxy.calls, timeout=WAIT_S)
        granted = _grants(one(objects, "ClusterRole", "operator"), one(objects, "Role", "operator"))
        assert proxy.calls - granted == set(), "the operator made calls its roles do not grant"
        assert granted - proxy.calls <= set(OPERATOR_RECOVERY_ONLY), "granted but never used"
