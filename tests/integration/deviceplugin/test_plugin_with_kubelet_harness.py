"""The plugin process as a kubelet sees it: registration, snapshots, health, restarts, Allocate."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.deviceplugin.conftest import PluginProcess
from tests.support.kubelet_harness import KubeletHarness, wait_for

ASCEND = "huawei.com/Ascend910"
CAMBRICON = "cambricon.com/mlu"

StartPlugin = Callable[..., PluginProcess]


def registered(kubelet: KubeletHarness, resource: str, count: int, healthy: int | None = None) -> bool:
    want_healthy = count if healthy is None else healthy
    return kubelet.capacity(resource) == count and kubelet.allocatable(resource) == want_healthy


def test_registers_and_advertises_every_card(kubelet: KubeletHarness, start_plugin: StartPlugin) -> None:
    start_plugin("--card", "huawei-ascend-910b", "--count", "8")
    wait_for(lambda: registered(kubelet, ASCEND, 8))

    request = kubelet.registrations[-1]
    assert request.version == "v1beta1"
    assert request.resource_name == ASCEND
    assert "/" not in request.endpoint
    assert (Path(kubelet.socket_dir) / request.endpoint).is_socket()
    assert kubelet.endpoint(ASCEND).options.get_preferred_allocation_available
    assert sorted(kubelet.devices(ASCEND)) == sorted(f"huawei-ascend-910b-{i}" for i in range(8))
    assert kubelet.refused == []


def test_health_changes_reach_the_kubelet(
    kubelet: KubeletHarness, start_plugin: StartPlugin, tmp_path: Path
) -> None:
    faults = tmp_path / "unhealthy"
    start_plugin("--card", "huawei-ascend-910b", "--count", "8", "--unhealthy-file", str(faults))
    wait_for(lambda: registered(kubelet, ASCEND, 8))

    started = time.monotonic()
    faults.write_text("3")
    wait_for(lambda: registered(kubelet, ASCEND, 8, healthy=7))
    print(f"unhealthy card reached the kubelet after {time.monotonic() - started:.2f} s")
    assert kubelet.devices(ASCEND)["huawei-ascend-910b-3"] == "Unhealthy"

    faults.write_text("")
    wait_for(lambda: registered(kubelet, ASCEND, 8))


def test_kubelet_restart_leads_to_registration_again(
    kubelet: KubeletHarness, start_plugin: StartPlugin
) -> None:
    start_plugin("--card", "cambricon-mlu370-x8", "--count", "4")
    wait_for(lambda: registered(kubelet, CAMBRICON, 4))
    before = len(kubelet.registrations)

    started = time.monotonic()
    kubelet.restart()
    assert kubelet.allocatable(CAMBRICON) == 0
    wait_for(lambda: registered(kubelet, CAMBRICON, 4))
    print(f"registered again {time.monotonic() - started:.2f} s after kubelet.sock was recreated")
    assert len(kubelet.registrations) > before


def test_removed_plugin_socket_is_served_again(kubelet: KubeletHarness, start_plugin: StartPlugin) -> None:
    start_plugin("--card", "huawei-ascend-910b", "--count", "2")
    wait_for(lambda: registered(kubelet, ASCEND, 2))
    socket = Path(kubelet.socket_dir) / kubelet.registrations[-1].endpoint
    before = len(kubelet.registrations)

    socket.unlink()
    wait_for(lambda: len(kubelet.registrations) > before and socket.is_socket())
    wait_for(lambda: registered(kubelet, ASCEND, 2))


def test_stopping_the_plugin_drops_allocatable_and_keeps_capacity(
    kubelet: KubeletHarness, start_plugin: StartPlugin
) -> None:
    plugin = start_plugin("--card", "huawei-ascend-910b", "--count", "8")
    wait_for(lambda: registered(kubelet, ASCEND, 8))

    assert plugin.terminate() == 0
    wait_for(lambda: kubelet.allocatable(ASCEND) == 0)
    assert kubelet.capacity(ASCEND) == 8


@pytest.mark.parametrize(
    ("card", "resource", "env_name"),
    [
        ("huawei-ascend-910b", ASCEND, "ASCEND_VISIBLE_DEVICES"),
        ("cambricon-mlu370-x8", CAMBRICON, "CAMBRICON_VISIBLE_DEVICES"),
    ],
)
def test_allocate_returns_the_vendor_environment(
    kubelet: KubeletHarness, start_plugin: StartPlugin, card: str, resource: str, env_name: str
) -> None:
    start_plugin("--card", card, "--count", "8")
    wait_for(lambda: registered(kubelet, resource, 8))

    response = kubelet.allocate(resource, [f"{card}-5", f"{card}-1"])
    assert response.envs[env_name] == "1,5"
    assert response.envs["ACCELFLEET_CARD_IDS"] == f"{card}-1,{card}-5"
    # Simulated cards have no device nodes on this host, and the default mode returns only real ones.
    assert [d.host_path for d in response.devices if not os.path.exists(d.host_path)] == []


def test_allocate_can_return_the_device_nodes_a_real_plugin_would(
    kubelet: KubeletHarness, start_plugin: StartPlugin
) -> None:
    start_plugin("--card", "huawei-ascend-910b", "--count", "8", "--device-specs", "always")
    wait_for(lambda: registered(kubelet, ASCEND, 8))

    response = kubelet.allocate(ASCEND, ["huawei-ascend-910b-2"])
    assert {(d.container_path, d.host_path, d.permissions) for d in response.devices} == {
        (path, path, "rw")
        for path in ("/dev/davinci2", "/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc")
    }


def test_preferred_allocation_stays_inside_one_link_group(
    kubelet: KubeletHarness, start_plugin: StartPlugin
) -> None:
    start_plugin("--card", "cambricon-mlu370-x8", "--count", "8")
    wait_for(lambda: registered(kubelet, CAMBRICON, 8))
    ids = [f"cambricon-mlu370-x8-{i}" for i in range(8)]

    # Cards 0-3 and 4-7 form the two link groups; 3 is taken, so 4 cards fit only in 4-7.
    available = [i for i in ids if not i.endswith("-3")]
    assert kubelet.preferred(CAMBRICON, available, [], 4) == ids[4:]


def test_unknown_device_ids_are_refused(kubelet: KubeletHarness, start_plugin: StartPlugin) -> None:
    import grpc

    start_plugin("--card", "huawei-ascend-910b", "--count", "2")
    wait_for(lambda: registered(kubelet, ASCEND, 2))
    with pytest.raises(grpc.RpcError) as err:
        kubelet.allocate(ASCEND, ["huawei-ascend-910b-9"])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_metrics_and_healthz(kubelet: KubeletHarness, start_plugin: StartPlugin, tmp_path: Path) -> None:
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    faults = tmp_path / "unhealthy"
    faults.write_text("1")
    start_plugin(
        "--card", "huawei-ascend-910b", "--count", "4", "--unhealthy-file", str(faults),
        "--metrics-port", str(port), "--metrics-address", "127.0.0.1",
    )  # fmt: skip
    wait_for(lambda: registered(kubelet, ASCEND, 4, healthy=3))
    kubelet.allocate(ASCEND, ["huawei-ascend-910b-0", "huawei-ascend-910b-2"])

    def get(path: str) -> tuple[int, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()

    status, health = get("/healthz")
    assert status == 200
    assert "registered: yes" in health
    _, metrics = get("/metrics")
    lines = set(metrics.splitlines())
    assert 'accelfleet_deviceplugin_cards{health="Healthy",resource="huawei.com/Ascend910"} 3.0' in lines
    assert 'accelfleet_deviceplugin_cards{health="Unhealthy",resource="huawei.com/Ascend910"} 1.0' in lines
    assert 'accelfleet_deviceplugin_allocations_total{resource="huawei.com/Ascend910"} 1.0' in lines
    assert 'accelfleet_deviceplugin_allocated_cards_total{resource="huawei.com/Ascend910"} 2.0' in lines
    assert (
        'accelfleet_deviceplugin_registrations_total{resource="huawei.com/Ascend910",result="success"} 1.0'
        in lines
    )
