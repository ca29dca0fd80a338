"""Which kubeconfig the sim's own commands (down, fail-node, recover-node) act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelfleet.sim import kubeconfig


def test_an_exported_kubeconfig_written_by_a_sim_is_followed_and_any_other_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(kubeconfig.PATH_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    sim_written = tmp_path / "sim" / "kubeconfig"
    sim_written.parent.mkdir()
    kubeconfig.write(sim_written, "https://127.0.0.1:6443", "token", 4242, b"ca")
    foreign = tmp_path / "real-cluster.yaml"
    foreign.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    default = tmp_path / ".kube" / "accelfleet-sim.yaml"

    monkeypatch.setenv("KUBECONFIG", str(sim_written))
    assert kubeconfig.target_path(None) == sim_written
    monkeypatch.setenv("KUBECONFIG", str(foreign))
    assert kubeconfig.target_path(None) == default
    monkeypatch.setenv("KUBECONFIG", f"{sim_written}:{foreign}")
    assert kubeconfig.target_path(None) == default
    assert kubeconfig.target_path(foreign) == foreign
    monkeypatch.setenv(kubeconfig.PATH_ENV, str(tmp_path / "chosen.yaml"))
    monkeypatch.setenv("KUBECONFIG", str(sim_written))
    assert kubeconfig.target_path(None) == tmp_path / "chosen.yaml"
