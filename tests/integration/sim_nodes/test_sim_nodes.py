"""Nodes of a running ``accelfleet sim up``, seen through its API with the kubernetes client and CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS, ANNOTATION_SIM_ALLOCATE_ENV, LABEL_HOSTNAME
from tests.support.mini_device_plugin import VISIBLE_ENV
from tests.support.sim import SimHandle, running_sim, start_sim, stop_sim

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
RESOURCE = "example.com/card"
FLEET = """\
apiVersion: accelfleet.io/v1alpha1
kind: ScaleXPlatform
metadata: {name: h1}
spec:
  site: test
  simulate:
  - {card: huawei-ascend-910b, superNodes: 1, nodesPerSuperNode: 2, cardsPerNode: 4}
"""


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.2)


def core(handle: SimHandle) -> Any:
    from kubernetes import client

    return client.CoreV1Api(handle.api_client())


@pytest.fixture(scope="module")
def harness_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    """A plugin-mode sim whose nodes each run the test harness plugin as a real process."""
    fleet = tmp_path_factory.mktemp("fleet") / "fleet.yaml"
    fleet.write_text(FLEET)
    plugin = f"{sys.executable} -m tests.support.mini_device_plugin --kubelet-dir {{kubelet_dir}} --count 4"
    # Only the sim process may see the override: later tests in this module start real plugins.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ACCELFLEET_SIM_DEVICE_PLUGIN", plugin)
        patch.setenv("PYTHONPATH", str(REPO))
        handle = start_sim(tmp_path_factory.mktemp("sim"), str(fleet), extra_args=["--node-mode", "plugin"])
    try:
        yield handle
    finally:
        stop_sim(handle)


def node_resources(api: Any, name: str) -> tuple[str | None, str | None]:
    status = api.read_node(name).status
    return (status.capacity or {}).get(RESOURCE), (status.allocatable or {}).get(RESOURCE)


def test_plugin_cards_appear_in_node_capacity_and_allocatable(harness_sim: SimHandle) -> None:
    api = core(harness_sim)
    for name in ("h1-sn01-n01", "h1-sn01-n02"):
        wait_for(lambda name=name: node_resources(api, name) == ("4", "4"))  # type: ignore[misc]
    node = api.read_node("h1-sn01-n01")
    assert node.metadata.labels[LABEL_HOSTNAME] == "h1-sn01-n01"


def test_a_pod_gets_the_plugins_allocation(harness_sim: SimHandle) -> None:
    from kubernetes import client

    api = core(harness_sim)
    wait_for(lambda: node_resources(api, "h1-sn01-n02") == ("4", "4"))
    container = client.V1Container(
        name="main", image="busybox", resources=client.V1ResourceRequirements(limits={RESOURCE: "2"})
    )
    spec = client.V1PodSpec(containers=[container], node_selector={LABEL_HOSTNAME: "h1-sn01-n02"})
    api.create_namespaced_pod("default", client.V1Pod(metadata=client.V1ObjectMeta(name="dp-pod"), spec=spec))
    wait_for(lambda: api.read_namespaced_pod("dp-pod", "default").status.phase == "Running")
    pod = api.read_namespaced_pod("dp-pod", "default")
    # The harness prefers the highest free cards, so these prove GetPreferredAllocation was honoured.
    assert pod.metadata.annotations[ANNOTATION_ALLOCATED_CARDS] == "2,3"
    assert json.loads(pod.metadata.annotations[ANNOTATION_SIM_ALLOCATE_ENV])[VISIBLE_ENV] in ("2,3", "3,2")


def test_fail_node_and_recover_node_commands(harness_sim: SimHandle) -> None:
    api = core(harness_sim)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "accelfleet", "sim", *args, "--kubeconfig", str(harness_sim.kubeconfig)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ready(name: str) -> str:
        conditions = api.read_node(name).status.conditions or []
        return next(c.status for c in conditions if c.type == "Ready")

    done = cli("fail-node", "h1-sn01-n01")
    assert done.returncode == 0, done.stderr
    wait_for(lambda: ready("h1-sn01-n01") == "Unknown")
    taints = {(t.key, t.effect) for t in api.read_node("h1-sn01-n01").spec.taints or []}
    assert ("node.kubernetes.io/unreachable", "NoExecute") in taints
    done = cli("recover-node", "h1-sn01-n01")
    assert done.returncode == 0, done.stderr
    wait_for(lambda: ready("h1-sn01-n01") == "True")
    missing = cli("fail-node", "no-such-node")
    assert missing.returncode != 0
    assert missing.stderr.strip().splitlines() == ['accelfleet sim: error: node "no-such-node" not found']


def test_scnet_preset_reports_30720_cards() -> None:
    began = time.monotonic()
    with running_sim("scnet") as handle:
        ready_after = time.monotonic() - began
        from kubernetes import client

        api = client.CoreV1Api(handle.api_client())
        nodes = api.list_node().items
        cards = sum(
            int(value)
            for node in nodes
            for name, value in (node.status.allocatable or {}).items()
            if "/" in name
        )
        print(
            f"\nscnet preset (static mode): {len(nodes)} nodes, {cards} cards, ready in {ready_after:.1f} s"
        )
        assert len(nodes) == 3840
        assert cards == 30720


def test_small_preset_runs_real_device_plugins() -> None:
    import yaml
    from kubernetes import client, utils

    with running_sim("small") as handle:
        api_client = handle.api_client()
        api = client.CoreV1Api(api_client)
        nodes = api.list_node().items
        assert len(nodes) == 12
        for path in sorted((REPO / "crds").glob("*.yaml")):
            utils.create_from_yaml(api_client, str(path))
        wait_for(lambda: _served(api_client), timeout=60)
        custom = client.CustomObjectsApi(api_client)
        for card in yaml.safe_load_all((REPO / "examples" / "catalog.yaml").read_text()):
            if card:
                custom.create_cluster_custom_object("accelfleet.io", "v1alpha1", "accelcards", card)
        resources = {
            c["metadata"]["name"]: c["spec"]["resourceName"]
            for c in custom.list_cluster_custom_object("accelfleet.io", "v1alpha1", "accelcards")["items"]
        }

        def missing() -> list[str]:
            return [
                node.metadata.name
                for node in api.list_node().items
                if (node.status.allocatable or {}).get(resources[node.metadata.labels["accelfleet.io/card"]])
                != "8"
            ]

        deadline = time.monotonic() + 180
        while missing() and time.monotonic() < deadline:
            time.sleep(1)
        log = (handle.directory / "kubeconfig.log").read_text()[-4000:]
        assert missing() == [], f"nodes without their 8 cards; sim log tail:\n{log}"


def _served(api_client: Any) -> bool:
    from kubernetes import client

    try:
        client.CustomObjectsApi(api_client).list_cluster_custom_object(
            "accelfleet.io", "v1alpha1", "accelcards"
        )
    except client.ApiException:
        return False
    return True
