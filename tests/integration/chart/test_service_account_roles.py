"""The chart's roles are enough: the operator and the device plugin, each running as its own chart
ServiceAccount on a simulated cluster that enforces RBAC, take an AIJob from submission to Succeeded.

test_workloads.py proves each component calls nothing its role lacks, by recording calls made with
the admin token; this proves the same from the other side, the way a real cluster would: with the
ServiceAccounts' own tokens (``kubectl create token``) every call the roles do not grant is refused
with 403, so a missing verb, resource or namespace shows as a job that never finishes.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from accelfleet.sim.nodes.plugin_processes import PLUGIN_COMMAND_ENV
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
    set_args,
)
from tests.support.cluster_objects import kubectl
from tests.support.kubelet_harness import wait_for
from tests.support.processes import free_port, healthz, running
from tests.support.sim import SimHandle, running_sim

pytestmark = pytest.mark.slow

JOB = "ascend-single-node"
ALLOCATED = "accelfleet.io/allocated-cards"
RUN_S = 40
RESOURCE = "huawei.com/Ascend910"
CARDS = 8
WAIT_S = 150.0
# One server of eight Ascend 910B cards: room for the example job's two ranks of four on one node.
PLATFORM = {
    "name": "rbac-proof",
    "spec": {
        "site": "rbac-proof",
        "superNodeLabel": "accelfleet.io/supernode",
        "simulate": [
            {"card": "huawei-ascend-910b", "superNodes": 1, "nodesPerSuperNode": 1, "cardsPerNode": CARDS}
        ],
    },
}


def _service_account_kubeconfig(sim: SimHandle, account: Manifest, path: Path) -> Path:
    """The sim's kubeconfig with the admin token swapped for one ``kubectl create token`` issues, which is
    what a pod's mounted ServiceAccount token amounts to."""
    name = account["metadata"]["name"]
    token = kubectl(sim.kubeconfig, "create", "token", name, "-n", NAMESPACE, "--duration=1h").stdout.strip()
    config = yaml.safe_load(sim.kubeconfig.read_text())
    config["users"] = [{"name": name, "user": {"token": token}}]
    for context in config["contexts"]:
        context["context"]["user"] = name
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path


def _plugin_command(container: Manifest, kubeconfig: Path, log: Path) -> str:
    """The DaemonSet's command line as the sim runs it on each node: ``{node}`` for the downward API's
    node name, the node's own kubelet directories in place of the hostPath mounts, the plugin
    ServiceAccount's kubeconfig instead of the sim's admin one, and its output where the test reads it."""
    args = expand_args(container, {"spec.nodeName": "{node}"})
    mounts = {"--kubelet-dir": "{kubelet_dir}", "--pod-resources-socket": "{pod_resources_socket}"}
    for flag, placeholder in mounts.items():
        args[args.index(flag) + 1] = placeholder
    shell = shutil.which("sh")
    assert shell, "a shell is needed to give the plugin its own KUBECONFIG and log"
    script = f'KUBECONFIG={shlex.quote(str(kubeconfig))} exec "$@" >>{shlex.quote(str(log))} 2>&1'
    return shlex.join([shell, "-c", script, "device-plugin", sys.executable, "-m", "accelfleet", *args])


def _job(seconds: int) -> str:
    """The example single-server job, running long enough for the plugin's periodic pass to be seen."""
    job = yaml.safe_load((REPO_ROOT / "examples" / "jobs" / "single-node.yaml").read_text())
    job["spec"]["template"]["metadata"]["annotations"]["accelfleet.io/sim-duration"] = str(seconds)
    return yaml.safe_dump(job)


def _annotations(pod: Manifest) -> dict[str, str]:
    annotations: dict[str, str] = pod["metadata"].get("annotations") or {}
    return annotations


def _annotated(kubeconfig: Path, name: str) -> bool:
    return any(p["metadata"]["name"] == name and ALLOCATED in _annotations(p) for p in _pods(kubeconfig))


def _pods(kubeconfig: Path) -> list[Manifest]:
    out = kubectl(kubeconfig, "get", "pods", "-n", "default", "-o", "json").stdout
    pods: list[Manifest] = json.loads(out)["items"]
    return pods


def _phase(kubeconfig: Path) -> str:
    done = kubectl(
        kubeconfig, "get", "aij", JOB, "-n", "default", "-o", "jsonpath={.status.phase}", check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def _allocatable(kubeconfig: Path) -> int:
    out = kubectl(kubeconfig, "get", "nodes", "-o", "json").stdout
    return sum(
        int(node["status"].get("allocatable", {}).get(RESOURCE, 0)) for node in json.loads(out)["items"]
    )


def test_a_job_succeeds_with_only_the_chart_service_accounts_rights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator_port, plugin_port = free_port(), free_port()
    values = [f"operator.metricsPort={operator_port}", f"devicePlugin.metricsPort={plugin_port}"]
    objects = render(*values)
    (plugin,) = containers(one(objects, "DaemonSet", "device-plugin")["spec"]["template"]["spec"])
    (operator,) = containers(one(objects, "Deployment", "operator")["spec"]["template"]["spec"])
    plugin_kubeconfig, plugin_log = tmp_path / "device-plugin-kubeconfig", tmp_path / "device-plugin.log"
    # The sim starts a plugin per node with this command once the platform below creates the node.
    monkeypatch.setenv(PLUGIN_COMMAND_ENV, _plugin_command(plugin, plugin_kubeconfig, plugin_log))
    with running_sim() as sim:
        admin = sim.kubeconfig
        kubectl(admin, "create", "namespace", NAMESPACE)
        helm(
            "install", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE, *set_args(values), kubeconfig=admin
        )
        operator_kubeconfig = _service_account_kubeconfig(
            sim, one(objects, "ServiceAccount", "operator"), tmp_path / "operator-kubeconfig"
        )
        _service_account_kubeconfig(sim, one(objects, "ServiceAccount", "device-plugin"), plugin_kubeconfig)
        assert kubectl(operator_kubeconfig, "get", "pods", "-n", "default", check=False).returncode == 0
        assert (
            "forbidden" in kubectl(plugin_kubeconfig, "get", "secrets", "-n", NAMESPACE, check=False).stderr
        )

        pod = {"metadata.name": "operator-0", "metadata.namespace": NAMESPACE}
        env = {"POD_NAME": pod["metadata.name"], "POD_NAMESPACE": pod["metadata.namespace"]}
        log = tmp_path / "operator.log"
        with running(expand_args(operator, pod), operator_kubeconfig, log, env):
            wait_for(lambda: healthz(operator_port), timeout=WAIT_S)
            helm(
                "upgrade", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE, "--reuse-values",
                "--set", "platforms.install=true", "--set-json", f"platforms.items={json.dumps([PLATFORM])}",
                kubeconfig=admin,
            )  # fmt: skip
            wait_for(lambda: _allocatable(admin) == CARDS, timeout=WAIT_S)
            kubectl(admin, "apply", "-f", "-", stdin=_job(RUN_S))
            held = wait_for(lambda: [p for p in _pods(admin) if ALLOCATED in _annotations(p)], WAIT_S)
            # The simulated kubelet annotated the pod at admission; without the annotation the plugin
            # puts it back from the kubelet's PodResources API: a list and a patch as its ServiceAccount.
            name = held[0]["metadata"]["name"]
            kubectl(admin, "annotate", "pod", name, "-n", "default", f"{ALLOCATED}-")
            wait_for(lambda: _annotated(admin, name), timeout=RUN_S)
            wait_for(lambda: _phase(admin) == "Succeeded", timeout=WAIT_S)
        for component, output in (("operator", log), ("device plugin", plugin_log)):
            refused = [
                line for line in output.read_text().splitlines() if "403" in line or "orbidden" in line
            ]
            assert refused == [], f"the {component} was refused calls its roles should grant"
