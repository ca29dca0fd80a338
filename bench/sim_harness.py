"""A simulated cluster and a real operator, started as a user would start them, and always stopped.

``accelfleet sim up --detach`` and ``accelfleet operator --standalone`` run as processes of their
own; the benchmark talks to them only through the API, the operator's ``/metrics`` and the process
table (CPU seconds and peak resident memory come from psutil and ``/proc``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import yaml

from accelfleet.api.catalog import builtin_cards
from accelfleet.api.crdgen import KINDS, crd
from accelfleet.api.names import GROUP, VERSION
from accelfleet.operator.client import ApiClient, ApiError
from accelfleet.operator.launcher import OperatorProcess, Samples, start_operator
from accelfleet.placement.kube import parse_quantity
from accelfleet.sim import kubeconfig, launcher

OPERATOR_START_TIMEOUT_S = 120.0
MIB = 1024 * 1024


class HarnessError(Exception):
    """A process of the benchmark did not start or answer; the message says which, in one line."""


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
    try:
        launcher.up(path, "--preset", preset, "--node-mode", node_mode)
        yield path
    except launcher.SimLaunchError as err:
        raise HarnessError(f"preset {preset}: {err}") from err
    finally:
        launcher.down(path)


def sim_pid(path: Path) -> int | None:
    access = kubeconfig.read(path)
    return None if access is None else access.pid


async def install(kube: ApiClient, platforms: Iterable[Mapping[str, Any]]) -> None:
    """The CRDs, the built-in card catalog and the fleet's platforms, as ``kubectl apply`` would."""
    for kind in KINDS:
        await _create(
            kube,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            crd(kind),
            "customresourcedefinitions",
        )
    base = f"/apis/{GROUP}/{VERSION}"
    deadline = time.monotonic() + 60
    while True:
        try:
            for kind in KINDS:
                await kube.get(f"{base}/{kind.plural}", params={"limit": "1"})
            break
        except ApiError:
            if time.monotonic() > deadline:
                raise HarnessError("the accelfleet.io CRDs were not served within 60 s") from None
            await asyncio.sleep(0.2)
    for card in builtin_cards():
        await _create(kube, f"{base}/accelcards", card.to_wire(), "accelcards")
    for platform in platforms:
        await _create(kube, f"{base}/scalexplatforms", dict(platform), "scalexplatforms")


async def _create(kube: ApiClient, path: str, body: dict[str, Any], resource: str) -> None:
    try:
        await kube.create(path, body, resource)
    except ApiError as err:
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
class MeasuredOperator:
    """The operator process and the gauge of its CPU and memory; its metrics fail once it exited."""

    handle: OperatorProcess
    gauge: ProcessGauge

    def metrics(self) -> Samples:
        why = self.handle.exited(3)
        if why is not None:
            raise HarnessError(f"the operator exited: {why}")
        return self.handle.metrics()

    async def metrics_async(self) -> Samples:
        return await asyncio.to_thread(self.metrics)


@contextmanager
def operator_process(kubeconfig_path: Path, workdir: Path) -> Iterator[MeasuredOperator]:
    """``accelfleet operator --standalone`` with ``/metrics`` on a free loopback port; stopped on exit."""
    handle = start_operator(kubeconfig_path, workdir / "operator.log", "--standalone")
    try:
        if not handle.wait_healthy(OPERATOR_START_TIMEOUT_S):
            raise HarnessError(f"the operator did not come up: {handle.log_tail(3)}")
        yield MeasuredOperator(handle, ProcessGauge(handle.process.pid))
    finally:
        handle.stop()
