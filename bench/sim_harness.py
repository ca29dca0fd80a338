"""A simulated cluster and a real operator, started as a user would start them, and always stopped.

``accelfleet sim up --detach`` and ``accelfleet operator --standalone`` run as processes of their
own; the benchmark talks to them only through the API, the operator's ``/metrics`` and the process
table (CPU seconds and peak resident memory come from psutil and ``/proc``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import yaml
from prometheus_client.parser import text_string_to_metric_families

from accelfleet.api.catalog import builtin_cards
from accelfleet.api.crdgen import KINDS, crd
from accelfleet.api.names import GROUP, VERSION
from accelfleet.placement.kube import parse_quantity
from accelfleet.sim import kubeconfig
from accelfleet.sim.daemon import is_sim_process
from bench.kube import Kube, KubeError

SIM_UP_TIMEOUT_S = 300.0
SIM_DOWN_TIMEOUT_S = 90.0
OPERATOR_START_TIMEOUT_S = 120.0
OPERATOR_STOP_TIMEOUT_S = 20.0
MIB = 1024 * 1024

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class HarnessError(Exception):
    """A process of the benchmark did not start or answer; the message says which, in one line."""


def _accelfleet(*args: str) -> list[str]:
    return [sys.executable, "-m", "accelfleet", *args]


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "no log"
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fleet_cards(platforms: Iterable[Mapping[str, Any]]) -> int:
    """Cards the ``simulate`` blocks of these ScaleXPlatform manifests create."""
    return sum(
        pool["superNodes"] * pool["nodesPerSuperNode"] * pool["cardsPerNode"]
        for platform in platforms
        for pool in platform["spec"].get("simulate") or []
    )


@contextmanager
def simulated_cluster(preset: str, node_mode: str, workdir: Path) -> Iterator[Path]:
    """``accelfleet sim up --detach``; yields its kubeconfig; ``sim down`` (or a kill) on the way out."""
    path = workdir / "kubeconfig"
    log = workdir / "sim-up.log"
    try:
        with log.open("wb") as output:
            done = subprocess.run(
                _accelfleet(
                    "sim",
                    "up",
                    "--preset",
                    preset,
                    "--node-mode",
                    node_mode,
                    "--port",
                    "0",
                    "--kubeconfig",
                    str(path),
                    "--detach",
                ),
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=SIM_UP_TIMEOUT_S,
                check=False,
            )
        if done.returncode != 0:
            raise HarnessError(f"accelfleet sim up --preset {preset} failed: {_tail(log)}")
        yield path
    finally:
        _stop_sim(path)


def _stop_sim(path: Path) -> None:
    access = kubeconfig.read(path)
    if access is None:
        return
    with suppress(subprocess.TimeoutExpired):
        subprocess.run(
            _accelfleet("sim", "down", "--kubeconfig", str(path)),
            capture_output=True,
            timeout=SIM_DOWN_TIMEOUT_S,
            check=False,
        )
    if access.pid is not None and is_sim_process(access.pid):
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(access.pid, signal.SIGKILL)


def sim_pid(path: Path) -> int | None:
    access = kubeconfig.read(path)
    return None if access is None else access.pid


async def install(kube: Kube, platforms: Iterable[Mapping[str, Any]]) -> None:
    """The CRDs, the built-in card catalog and the fleet's platforms, as ``kubectl apply`` would."""
    for kind in KINDS:
        await _create(kube, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd(kind))
    base = f"/apis/{GROUP}/{VERSION}"
    deadline = time.monotonic() + 60
    while True:
        try:
            for kind in KINDS:
                await kube.request("GET", f"{base}/{kind.plural}", params={"limit": "1"})
            break
        except KubeError:
            if time.monotonic() > deadline:
                raise HarnessError("the accelfleet.io CRDs were not served within 60 s") from None
            await asyncio.sleep(0.2)
    for card in builtin_cards():
        await _create(kube, f"{base}/accelcards", card.to_wire())
    for platform in platforms:
        await _create(kube, f"{base}/scalexplatforms", dict(platform))


async def _create(kube: Kube, path: str, body: dict[str, Any]) -> None:
    try:
        await kube.create(path, body)
    except KubeError as err:
        if err.status != 409:
            raise


def advertised_cards(nodes: Iterable[Mapping[str, Any]]) -> int:
    """Cards the nodes report allocatable, over every extended resource (``vendor/name``)."""
    total = 0
    for node in nodes:
        for resource, value in ((node.get("status") or {}).get("allocatable") or {}).items():
            number = parse_quantity(value) if "/" in resource else None
            total += int(number) if number is not None and number > 0 else 0
    return total


def write_preset(platforms: Iterable[Mapping[str, Any]], path: Path) -> Path:
    path.write_text(yaml.safe_dump_all([dict(p) for p in platforms], sort_keys=False))
    return path


def samples(text: str) -> Samples:
    """Every sample of a Prometheus text exposition, by name and sorted labels."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = float(sample.value)
    return found


def total(found: Samples, name: str, **labels: str) -> float:
    """Sum of a metric's samples whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(value for (metric, have), value in found.items() if metric == name and wanted <= set(have))


@dataclass
class ProcessGauge:
    """CPU seconds and peak resident memory of one process, read from outside."""

    pid: int
    sampled_peak: int = 0
    _process: psutil.Process | None = field(default=None, repr=False)

    def _proc(self) -> psutil.Process | None:
        if self._process is None:
            with suppress(psutil.Error):
                self._process = psutil.Process(self.pid)
        return self._process

    def cpu_seconds(self) -> float | None:
        process = self._proc()
        if process is None:
            return None
        try:
            times = process.cpu_times()
        except psutil.Error:
            return None
        return float(times.user + times.system)

    def sample(self) -> None:
        process = self._proc()
        if process is None:
            return
        with suppress(psutil.Error):
            self.sampled_peak = max(self.sampled_peak, int(process.memory_info().rss))

    def peak_rss_bytes(self) -> int:
        """The kernel's high-water mark (``VmHWM``) where there is one, else the highest sample."""
        self.sample()
        with suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(self.sampled_peak, int(line.split()[1]) * 1024)
        return self.sampled_peak


@dataclass
class OperatorProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    gauge: ProcessGauge

    def _get(self, path: str) -> tuple[int, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as answer:
            return int(answer.status), answer.read().decode()

    def healthy(self) -> bool:
        try:
            return self._get("/healthz")[0] == 200
        except OSError:
            return False

    def metrics(self) -> Samples:
        if self.process.poll() is not None:
            raise HarnessError(f"the operator exited ({self.process.returncode}): {_tail(self.log)}")
        return samples(self._get("/metrics")[1])

    async def metrics_async(self) -> Samples:
        return await asyncio.to_thread(self.metrics)


@contextmanager
def operator_process(kubeconfig_path: Path, workdir: Path) -> Iterator[OperatorProcess]:
    """``accelfleet operator --standalone`` with ``/metrics`` on a free loopback port; stopped on exit."""
    port = free_port()
    log = workdir / "operator.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            _accelfleet(
                "operator", "--standalone", "--metrics-port", str(port), "--metrics-address", "127.0.0.1"
            ),
            env={**os.environ, "KUBECONFIG": str(kubeconfig_path)},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    handle = OperatorProcess(process, port, log, ProcessGauge(process.pid))
    try:
        deadline = time.monotonic() + OPERATOR_START_TIMEOUT_S
        while not handle.healthy():
            if process.poll() is not None or time.monotonic() > deadline:
                raise HarnessError(f"the operator did not come up: {_tail(log)}")
            time.sleep(0.2)
        yield handle
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=OPERATOR_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=OPERATOR_STOP_TIMEOUT_S)
