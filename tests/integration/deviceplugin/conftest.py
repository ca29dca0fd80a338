"""Real plugin processes against the kubelet harness, in short temporary socket directories."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.deviceplugin.sim_api import SimApi
from tests.support.kubelet_harness import KubeletHarness

REPO = Path(__file__).resolve().parents[3]


class PluginProcess:
    def __init__(self, args: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "accelfleet", "deviceplugin", *args],
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def terminate(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


@pytest.fixture
def socket_dir() -> Iterator[str]:
    # Unix socket paths are limited to 107 bytes: keep the directory short.
    path = tempfile.mkdtemp(prefix="afdp", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def kubelet(socket_dir: str) -> Iterator[KubeletHarness]:
    harness = KubeletHarness(socket_dir)
    harness.start()
    yield harness
    harness.stop()


@pytest.fixture
def start_plugin(socket_dir: str, tmp_path: Path) -> Iterator[Callable[..., PluginProcess]]:
    started: list[PluginProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> PluginProcess:
        full = ["--kubelet-dir", socket_dir, "--metrics-port", "0", *args]
        plugin = PluginProcess(full, tmp_path / f"plugin-{len(started)}.log", env)
        started.append(plugin)
        return plugin

    yield start
    for plugin in started:
        plugin.kill()


@pytest.fixture
def sim_api(tmp_path: Path) -> Iterator[SimApi]:
    api = SimApi(tmp_path / "kubeconfig")
    api.start()
    yield api
    api.stop()
