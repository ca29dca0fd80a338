"""The processes the demo starts, and their stopping: the simulated cluster and the operator.

Both run as the real commands a user would type (``accelfleet sim up --detach``, ``accelfleet
operator``), each in a session of its own so that a Ctrl-C reaches the demo alone, which then stops
them in order: the operator first (it would only retry against a vanished API), then the cluster and
every device plugin it started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

SIM_UP_TIMEOUT_S = 300.0
SIM_DOWN_TIMEOUT_S = 90.0
OPERATOR_STOP_S = 20.0


class DemoError(Exception):
    """A step of the demo failed; the message says which, in one line."""


def _accelfleet(*args: str) -> list[str]:
    return [sys.executable, "-m", "accelfleet", *args]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def start_sim(preset: str, kubeconfig: Path) -> None:
    """``accelfleet sim up --detach``: returns once the API answers."""
    try:
        done = subprocess.run(
            _accelfleet(
                "sim", "up", "--preset", preset, "--port", "0", "--kubeconfig", str(kubeconfig), "--detach"
            ),
            capture_output=True,
            text=True,
            timeout=SIM_UP_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise DemoError(f"the simulated cluster did not start within {SIM_UP_TIMEOUT_S:.0f}s") from err
    if done.returncode != 0:
        raise DemoError(f"the simulated cluster did not start: {_last_line(done.stderr or done.stdout)}")


def stop_sim(kubeconfig: Path) -> None:
    """``accelfleet sim down``: stops the cluster and every process it started; quiet when none runs."""
    if not kubeconfig.exists():
        return
    try:
        subprocess.run(
            _accelfleet("sim", "down", "--kubeconfig", str(kubeconfig)),
            capture_output=True,
            timeout=SIM_DOWN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Operator:
    process: subprocess.Popen[bytes]
    metrics_port: int
    log: Path

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/healthz", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def exited(self) -> str | None:
        """None while it runs; else the last line of its log."""
        if self.process.poll() is None:
            return None
        try:
            return _last_line(self.log.read_text(errors="replace"))
        except OSError:
            return f"exit code {self.process.returncode}"

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=OPERATOR_STOP_S)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=OPERATOR_STOP_S)


def start_operator(kubeconfig: Path, log: Path) -> Operator:
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            _accelfleet(
                "operator", "--standalone", "--metrics-port", str(port), "--metrics-address", "127.0.0.1"
            ),
            env={**os.environ, "KUBECONFIG": str(kubeconfig)},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Operator(process, port, log)


def wait_until(what: str, probe: Callable[[], bool], timeout: float, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(every)
    raise DemoError(f"timed out after {timeout:.0f}s waiting for {what}")
