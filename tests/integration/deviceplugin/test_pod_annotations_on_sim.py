"""On the simulated cluster in plugin mode, the plugin writes the annotation the simulated kubelet writes.

Each simulated node serves the PodResources API from its admission records, and runs the real plugin
with ``--pod-resources-socket`` pointing there. The simulated kubelet writes
``accelfleet.io/allocated-cards`` once, at admission; when that annotation is lost or altered, only
the plugin can bring it back, and it must bring back the very same value.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS, LABEL_HOSTNAME
from tests.support.sim import SimHandle, running_sim

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
ASCEND = "huawei.com/Ascend910"
NODE = "pr-sn01-n01"
FLEET = """\
apiVersion: accelfleet.io/v1alpha1
kind: ScaleXPlatform
metadata: {name: pr}
spec:
  site: test
  simulate:
  - {card: huawei-ascend-910b, superNodes: 1, nodesPerSuperNode: 1, cardsPerNode: 8}
"""
WAIT_S = 60.0


def wait_for(check: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.2)
    return value


@pytest.fixture(scope="module")
def plugin_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    fleet = tmp_path_factory.mktemp("fleet") / "fleet.yaml"
    fleet.write_text(FLEET)
    with running_sim(str(fleet), extra_args=["--node-mode", "plugin"]) as handle:
        from kubernetes import client, utils

        api_client = handle.api_client()
        utils.create_from_yaml(  # type: ignore[no-untyped-call]
            api_client, str(REPO / "crds" / "accelfleet.io_accelcards.yaml")
        )
        custom = client.CustomObjectsApi(api_client)
        card = next(
            c
            for c in yaml.safe_load_all((REPO / "examples" / "catalog.yaml").read_text())
            if c and c["metadata"]["name"] == "huawei-ascend-910b"
        )
        wait_for(lambda: _create_card(custom, card))
        yield handle


def _create_card(custom: Any, card: dict[str, Any]) -> bool:
    from kubernetes import client

    try:
        custom.create_cluster_custom_object("accelfleet.io", "v1alpha1", "accelcards", card)
    except client.ApiException as err:  # the CRD may not be served yet
        return bool(err.status == 409)
    return True


def allocated(api: Any, name: str) -> str | None:
    annotations = api.read_namespaced_pod(name, "default").metadata.annotations or {}
    value: str | None = annotations.get(ANNOTATION_ALLOCATED_CARDS)
    return value


def allocatable(api: Any, node: str) -> str | None:
    value: str | None = (api.read_node(node).status.allocatable or {}).get(ASCEND)
    return value


def phase(api: Any, name: str) -> str | None:
    value: str | None = api.read_namespaced_pod(name, "default").status.phase
    return value


def test_the_plugin_restores_the_annotation_the_simulated_kubelet_wrote(plugin_sim: SimHandle) -> None:
    from kubernetes import client

    api: Any = client.CoreV1Api(plugin_sim.api_client())
    wait_for(lambda: allocatable(api, NODE) == "8")
    for name, cards in (("gang-0", "2"), ("gang-1", "4")):
        container = client.V1Container(
            name="main", image="busybox", resources=client.V1ResourceRequirements(limits={ASCEND: cards})
        )
        spec = client.V1PodSpec(containers=[container], node_selector={LABEL_HOSTNAME: NODE})
        api.create_namespaced_pod("default", client.V1Pod(metadata=client.V1ObjectMeta(name=name), spec=spec))
    written: dict[str, str] = {}
    for name in ("gang-0", "gang-1"):
        wait_for(lambda name=name: phase(api, name) == "Running")  # type: ignore[misc]
        written[name] = str(allocated(api, name))
    held = {name: set(value.split(",")) for name, value in written.items()}
    assert (len(held["gang-0"]), len(held["gang-1"])) == (2, 4)
    assert not held["gang-0"] & held["gang-1"]

    api.patch_namespaced_pod(
        "gang-0", "default", {"metadata": {"annotations": {ANNOTATION_ALLOCATED_CARDS: None}}}
    )
    api.patch_namespaced_pod(
        "gang-1", "default", {"metadata": {"annotations": {ANNOTATION_ALLOCATED_CARDS: "7"}}}
    )
    wait_for(lambda: allocated(api, "gang-0") == written["gang-0"])
    wait_for(lambda: allocated(api, "gang-1") == written["gang-1"])
