"""A detached simulated cluster started and stopped from another program, as a user would from a shell.

The demo, the benchmarks and the tests run the real ``accelfleet sim up --detach`` and ``accelfleet
sim down`` rather than serving the cluster in-process, so that what they start is what a user gets.
Stopping never leaves a cluster behind: when ``sim down`` fails or hangs, the sim's process group
(the sim and every device plugin it started) is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from accelfleet.sim import kubeconfig
from accelfleet.sim.daemon import is_sim_process
from accelfleet.sim.kubeconfig import SimAccess

UP_TIMEOUT_S = 300.0
DOWN_TIMEOUT_S = 90.0
CLI_TIMEOUT_S = 120.0


class SimLaunchError(Exception):
    """``accelfleet sim up`` failed or did not finish in time; the message says why, in one line."""


def sim_cli(*args: str, timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """``accelfleet sim ARGS`` as a user types it, its output captured as text; a failure shows in ``returncode``."""
    return subprocess.run(
        [sys.executable, "-m", "accelfleet", "sim", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def up(path: Path, *args: str) -> SimAccess:
    """``accelfleet sim up --detach`` on a free port with its kubeconfig at ``path``; ``args`` are further
    ``sim up`` options (``--preset``, ``--node-mode``, ...). Returns once the API answers."""
    try:
        done = sim_cli(
            "up", "--port", "0", "--kubeconfig", str(path), "--detach", *args, timeout=UP_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as err:
        raise SimLaunchError(f"the simulated cluster did not start within {UP_TIMEOUT_S:.0f}s") from err
    if done.returncode != 0:
        raise SimLaunchError(f"the simulated cluster did not start: {_last_line(done.stderr or done.stdout)}")
    access = kubeconfig.read(path)
    if access is None:
        raise SimLaunchError(f"the simulated cluster started but wrote no kubeconfig at {path}")
    return access


def down(path: Path, pid: int | None = None) -> None:
    """``accelfleet sim down``; quiet when no sim runs. ``pid`` is the sim's, for when its kubeconfig may
    already be gone; else it is read from ``path`` before ``sim down`` removes the file."""
    if pid is None:
        access = kubeconfig.read(path)
        if access is None:
            return
        pid = access.pid
    with suppress(subprocess.TimeoutExpired):
        sim_cli("down", "--kubeconfig", str(path), timeout=DOWN_TIMEOUT_S)
    if pid is not None and is_sim_process(pid):
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
