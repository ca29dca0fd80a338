"""Running the sim in the foreground, detached in its own process group, and stopping it again.

A detached sim is a new session (so its process group holds the sim and every process it starts,
and a terminal's Ctrl-C does not reach it); ``stop`` asks it to shut down cleanly with SIGTERM and
only kills the whole group if it does not finish in time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from accelfleet.sim import kubeconfig
from accelfleet.sim.kubeconfig import SimAccess

if TYPE_CHECKING:
    from accelfleet.sim.cluster import SimConfig

READY_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


class DaemonError(Exception):
    """Something the user must hear about in one line."""


def run_foreground(config: SimConfig) -> None:
    """Serves until SIGINT or SIGTERM, then shuts down cleanly."""
    from accelfleet.sim.cluster import serve

    async def main() -> None:
        stop = asyncio.Event()
        ready = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        server = asyncio.create_task(serve(config, stop, ready))
        ready_wait = asyncio.create_task(ready.wait())
        await asyncio.wait({server, ready_wait}, return_when=asyncio.FIRST_COMPLETED)
        if ready.is_set():
            sys.stdout.write(f"accelfleet sim: serving; kubeconfig {config.kubeconfig}\n")
            sys.stdout.flush()
        ready_wait.cancel()
        await server

    asyncio.run(main())


def spawn(argv: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "accelfleet", *argv],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )


def api_ready(access: SimAccess, path: str = "/readyz") -> bool:
    request = urllib.request.Request(
        access.server + path, headers={"Authorization": f"Bearer {access.token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2, context=access.ssl_context()) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _log_tail(log_path: Path, lines: int = 5) -> str:
    try:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return " | ".join(line.strip() for line in tail)


def wait_ready(
    path: Path, process: subprocess.Popen[bytes], log_path: Path, timeout: float = READY_TIMEOUT
) -> SimAccess:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise DaemonError(f"the simulated cluster exited with code {code}: {_log_tail(log_path)}")
        access = kubeconfig.read(path)
        if access is not None and access.pid == process.pid and api_ready(access):
            return access
        time.sleep(0.05)
    stop_process(process.pid)
    raise DaemonError(f"the simulated cluster was not ready within {timeout:.0f}s (log: {log_path})")


def is_sim_process(pid: int) -> bool:
    """True for a live ``accelfleet sim up`` process (guards against a recycled process id)."""
    import psutil

    try:
        cmdline = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    joined = " ".join(cmdline)
    return "accelfleet" in joined and " sim " in f" {joined} " and "up" in cmdline


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stop_process(pid: int, timeout: float = STOP_TIMEOUT) -> bool:
    """SIGTERM, wait, then SIGKILL its process group if it leads one; True if it had to be killed."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return False
        time.sleep(0.05)
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
