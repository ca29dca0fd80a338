"""The plugin annotates its node's pods with the cards they hold, read from the kubelet's PodResources API.

A real kubelet never copies Allocate's annotations onto the Pod; here a minimal PodResources server
stands in for it, and the pods live in the simulated cluster's API.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS, LABEL_CARD, LABEL_CARD_COUNT
from tests.integration.deviceplugin.conftest import PluginProcess
from tests.integration.deviceplugin.sim_api import SimApi
from tests.support.kubelet_harness import KubeletHarness, wait_for
from tests.support.pod_resources_server import PodResourcesServer

ASCEND = "huawei.com/Ascend910"
NODE = "n1"
StartPlugin = Callable[..., PluginProcess]


def card(index: int) -> str:
    return f"huawei-ascend-910b-{index}"


@pytest.fixture
def pod_resources(socket_dir: str) -> Iterator[PodResourcesServer]:
    server = PodResourcesServer(Path(socket_dir) / "pod-resources" / "kubelet.sock")
    yield server
    server.stop()


def create_pod(sim_api: SimApi, name: str, acknowledged: bool) -> None:
    from kubernetes import client

    core = client.CoreV1Api(sim_api.client)
    spec = client.V1PodSpec(node_name=NODE, containers=[client.V1Container(name="main", image="busybox")])
    core.create_namespaced_pod("default", client.V1Pod(metadata=client.V1ObjectMeta(name=name), spec=spec))
    if acknowledged:
        acknowledge(sim_api, name)


def acknowledge(sim_api: SimApi, name: str) -> None:
    """What the kubelet writes when it takes a pod in."""
    from kubernetes import client

    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    client.CoreV1Api(sim_api.client).patch_namespaced_pod_status(
        name, "default", {"status": {"phase": "Running", "startTime": now}}
    )


def annotations_of(sim_api: SimApi, name: str) -> dict[str, str]:
    from kubernetes import client

    pod = client.CoreV1Api(sim_api.client).read_namespaced_pod(name, "default")
    assert pod.metadata is not None
    return dict(pod.metadata.annotations or {})


def set_annotation(sim_api: SimApi, name: str, value: str | None) -> None:
    from kubernetes import client

    client.CoreV1Api(sim_api.client).patch_namespaced_pod(
        name, "default", {"metadata": {"annotations": {ANNOTATION_ALLOCATED_CARDS: value}}}
    )


def test_pods_get_the_cards_the_kubelet_lists_for_them(
    kubelet: KubeletHarness,
    start_plugin: StartPlugin,
    sim_api: SimApi,
    pod_resources: PodResourcesServer,
) -> None:
    sim_api.add_card("huawei-ascend-910b")
    sim_api.create_node(NODE, {LABEL_CARD: "huawei-ascend-910b", LABEL_CARD_COUNT: "4"})
    create_pod(sim_api, "worker-0", acknowledged=True)
    create_pod(sim_api, "worker-1", acknowledged=False)
    plugin = start_plugin(
        "--node",
        NODE,
        "--pod-resources-socket",
        str(pod_resources.socket_path),
        "--pod-resources-interval",
        "0.5",
        env={"KUBECONFIG": str(sim_api.kubeconfig_path)},
    )
    wait_for(lambda: kubelet.allocatable(ASCEND) == 4)
    # No PodResources socket yet: one log line, and the plugin keeps serving.
    wait_for(lambda: "no PodResources socket" in plugin.log())

    pod_resources.set_pod("default", "worker-0", {"main": {ASCEND: [card(3), card(1)]}})
    pod_resources.set_pod("default", "worker-1", {"main": {ASCEND: [card(2)]}})
    pod_resources.start()
    kubelet.allocate(ASCEND, [card(3), card(1)])  # a pass follows Allocate at once
    wait_for(lambda: annotations_of(sim_api, "worker-0").get(ANNOTATION_ALLOCATED_CARDS) == "1,3")
    # The same pass saw worker-1, which the kubelet has not acknowledged yet.
    assert ANNOTATION_ALLOCATED_CARDS not in annotations_of(sim_api, "worker-1")

    acknowledge(sim_api, "worker-1")
    wait_for(lambda: annotations_of(sim_api, "worker-1").get(ANNOTATION_ALLOCATED_CARDS) == "2")

    # A lost or wrong annotation is put right by the periodic pass.
    set_annotation(sim_api, "worker-0", None)
    set_annotation(sim_api, "worker-1", "0")
    wait_for(lambda: annotations_of(sim_api, "worker-0").get(ANNOTATION_ALLOCATED_CARDS) == "1,3")
    wait_for(lambda: annotations_of(sim_api, "worker-1").get(ANNOTATION_ALLOCATED_CARDS) == "2")

    assert plugin.proc.poll() is None
    log = plugin.log()
    assert log.count("no PodResources socket") == 1
    assert "Traceback" not in log


def test_without_a_pod_resources_socket_the_plugin_still_serves(
    kubelet: KubeletHarness, start_plugin: StartPlugin, sim_api: SimApi, socket_dir: str
) -> None:
    sim_api.add_card("huawei-ascend-910b")
    sim_api.create_node(NODE, {LABEL_CARD: "huawei-ascend-910b", LABEL_CARD_COUNT: "4"})
    plugin = start_plugin(
        "--node",
        NODE,
        "--pod-resources-socket",
        str(Path(socket_dir) / "absent" / "kubelet.sock"),
        env={"KUBECONFIG": str(sim_api.kubeconfig_path)},
    )
    wait_for(lambda: kubelet.allocatable(ASCEND) == 4)
    response = kubelet.allocate(ASCEND, [card(0)])
    assert response.annotations[ANNOTATION_ALLOCATED_CARDS] == "0"
    wait_for(lambda: "no PodResources socket" in plugin.log())
    assert plugin.proc.poll() is None
    assert plugin.log().count("no PodResources socket") == 1
