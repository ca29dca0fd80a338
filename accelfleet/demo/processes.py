"""The demo's one-line errors, its start of the simulated cluster, and its waits.

The cluster and the operator run as the real commands a user would type (``accelfleet sim up
--detach``, ``accelfleet operator``, started by ``accelfleet.sim.launcher`` and
``accelfleet.operator.launcher``), each in a session of its own so that a Ctrl-C reaches the demo
alone, which then stops them in order: the operator first (it would only retry against a vanished
API), then the cluster and every device plugin it started.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from accelfleet.sim import launcher


class DemoError(Exception):
    """A step of the demo failed; the message says which, in one line."""


def start_sim(preset: str, kubeconfig: Path) -> None:
    """``accelfleet sim up --detach``: returns once the API answers."""
    try:
        launcher.up(kubeconfig, "--preset", preset)
    except launcher.SimLaunchError as err:
        raise DemoError(str(err)) from err


def wait_until(what: str, probe: Callable[[], bool], timeout: float, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(every)
    raise DemoError(f"timed out after {timeout:.0f}s waiting for {what}")
