"""The plugin driven by its Node and the AccelCards through the simulated cluster's API."""

from __future__ import annotations

import time
from collections.abc import Callable

from accelfleet.api.names import ANNOTATION_UNHEALTHY_CARDS, LABEL_CARD, LABEL_CARD_COUNT
from tests.integration.deviceplugin.conftest import PluginProcess
from tests.integration.deviceplugin.sim_api import SimApi
from tests.support.kubelet_harness import KubeletHarness, wait_for

ASCEND = "huawei.com/Ascend910"
StartPlugin = Callable[..., PluginProcess]


def start_for_node(start_plugin: StartPlugin, sim_api: SimApi, node: str) -> PluginProcess:
    return start_plugin("--node", node, env={"KUBECONFIG": str(sim_api.kubeconfig_path)})


def counts(kubelet: KubeletHarness) -> tuple[int | None, int | None]:
    return kubelet.capacity(ASCEND), kubelet.allocatable(ASCEND)


def test_node_labels_and_annotation_drive_what_the_kubelet_sees(
    kubelet: KubeletHarness, start_plugin: StartPlugin, sim_api: SimApi
) -> None:
    sim_api.add_card("huawei-ascend-910b")
    sim_api.create_node("n1", {LABEL_CARD: "huawei-ascend-910b", LABEL_CARD_COUNT: "8"})
    start_for_node(start_plugin, sim_api, "n1")
    wait_for(lambda: counts(kubelet) == (8, 8))

    started = time.monotonic()
    sim_api.patch_node("n1", annotations={ANNOTATION_UNHEALTHY_CARDS: "0,3"})
    wait_for(lambda: counts(kubelet) == (8, 6))
    print(f"unhealthy annotation reached the kubelet after {time.monotonic() - started:.2f} s")

    sim_api.patch_node("n1", annotations={ANNOTATION_UNHEALTHY_CARDS: None})
    wait_for(lambda: counts(kubelet) == (8, 8))

    sim_api.patch_node("n1", labels={LABEL_CARD_COUNT: "4"})
    wait_for(lambda: counts(kubelet) == (4, 4))


def test_bad_labels_advertise_nothing_and_recover_by_themselves(
    kubelet: KubeletHarness, start_plugin: StartPlugin, sim_api: SimApi
) -> None:
    sim_api.add_card("huawei-ascend-910b")
    sim_api.create_node("n1", {})
    plugin = start_for_node(start_plugin, sim_api, "n1")
    wait_for(lambda: "has no label" in plugin.log())

    sim_api.patch_node("n1", labels={LABEL_CARD: "no-such-card", LABEL_CARD_COUNT: "8"})
    wait_for(lambda: "unknown AccelCard 'no-such-card'" in plugin.log())
    assert kubelet.registrations == []  # nothing to register: the resource name is not known

    sim_api.patch_node("n1", labels={LABEL_CARD: "huawei-ascend-910b", LABEL_CARD_COUNT: "eight"})
    wait_for(lambda: counts(kubelet) == (0, 0))

    sim_api.patch_node("n1", labels={LABEL_CARD_COUNT: "8"})
    wait_for(lambda: counts(kubelet) == (8, 8))

    assert plugin.proc.poll() is None
    log = plugin.log()
    assert log.count("has no label") == 1
    assert log.count("advertising no cards: node n1: unknown AccelCard") == 1
    assert log.count("is not a non-negative whole number") == 2  # reported once, then once as resolved
    assert "Traceback" not in log
