"""The operator run as a process of its own, as a user starts it, and read from outside.

The demo, the benchmarks and the integration tests start the real ``accelfleet operator`` and learn
how it fares only the way a user or a kubelet would: its ``/healthz``, its ``/metrics`` and its log.
Each runs in a session of its own, so that a Ctrl-C at a terminal reaches the program that started
it, which then stops it in order.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

STOP_TIMEOUT_S = 20.0
HTTP_TIMEOUT_S = 10.0
POLL_S = 0.2

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    """A loopback port nothing listens on now, for a process to serve on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
class OperatorProcess:
    """An operator process whose ``/metrics`` and ``/healthz`` are on loopback ``port``."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"

    def _get(self, path: str) -> tuple[int, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=HTTP_TIMEOUT_S) as answer:
            return int(answer.status), answer.read().decode()

    def healthy(self) -> bool:
        """What the chart's probes ask: does ``/healthz`` answer 200?"""
        try:
            return self._get("/healthz")[0] == 200
        except OSError:
            return False

    def wait_healthy(self, timeout: float) -> bool:
        """True once ``/healthz`` answers; False if the process exits or ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(POLL_S)
        return True

    def metrics(self) -> Samples:
        return samples(self._get("/metrics")[1])

    def metric(self, name: str, **labels: str) -> float:
        """One metric now, summed over the samples whose labels include ``labels``."""
        return total(self.metrics(), name, **labels)

    def log_tail(self, lines: int = 1) -> str:
        """The last ``lines`` lines of its log in one line, for an error message."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "no log"
        found = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
        return " | ".join(found) if found else "nothing in its log"

    def exited(self, lines: int = 1) -> str | None:
        """None while it runs; else why it stopped: the last ``lines`` lines of its log and its exit code."""
        code = self.process.poll()
        return None if code is None else f"{self.log_tail(lines)} (exit code {code})"

    def stop(self) -> None:
        """SIGTERM, so that it shuts down cleanly (and hands its lease on); SIGKILL if it does not."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: no clean-up and no lease release, as when its node dies."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=STOP_TIMEOUT_S)


def start_operator(kubeconfig: Path, log: Path, *args: str) -> OperatorProcess:
    """``accelfleet operator`` against the cluster of ``kubeconfig`` with its output in ``log``, serving
    ``/metrics`` on a free loopback port; ``args`` are further options (``--standalone``, ...)."""
    port = free_port()
    command = ["accelfleet", "operator", "--metrics-port", str(port), "--metrics-address", "127.0.0.1"]
    return start_module(kubeconfig, log, port, *command, *args)


def start_module(
    kubeconfig: Path, log: Path, port: int, module: str, *args: str, env: Mapping[str, str] | None = None
) -> OperatorProcess:
    """``python -m MODULE ARGS`` as the operator, for entry points other than ``accelfleet operator``
    (``kopf run``); ``env`` must then tell it to serve ``/metrics`` on ``port``."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env={**os.environ, **(env or {}), "KUBECONFIG": str(kubeconfig)},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return OperatorProcess(process, port, log)
