"""Start a real ``accelfleet sim up --detach`` for a test and always stop it again.

Use the context manager directly, or the fixtures (import them into a conftest):

    from tests.support.sim import sim, sim_module  # noqa: F401  (pytest fixtures)

    def test_something(sim: SimHandle) -> None:
        subprocess.run(["kubectl", "get", "ns"], env=sim.env(), check=True)

Every sim gets a free port and a kubeconfig in its own temporary directory, so tests never touch a
user's kubeconfig and can run side by side.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from accelfleet.sim import launcher


@dataclass(frozen=True)
class SimHandle:
    kubeconfig: Path
    server: str
    token: str
    port: int
    ca_file: Path
    pid: int
    directory: Path
    state_dir: Path | None

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a client process (kubectl, helm, an operator) pointed at this sim."""
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig), **extra}

    def api_client(self) -> Any:
        """A kubernetes.client.ApiClient for this sim (the caller closes it)."""
        from kubernetes import config

        return config.new_client_from_config(config_file=str(self.kubeconfig))  # type: ignore[no-untyped-call]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def start_sim(
    directory: Path,
    preset: str | None = None,
    extra_args: Sequence[str] = (),
    state_dir: Path | None = None,
) -> SimHandle:
    """Starts a detached sim whose kubeconfig is ``directory/kubeconfig``; fails the test if it cannot."""
    kubeconfig = directory / "kubeconfig"
    args = list(extra_args)
    if preset:
        args += ["--preset", preset]
    if state_dir is not None:
        args += ["--state-dir", str(state_dir)]
    try:
        access = launcher.up(kubeconfig, *args)
    except launcher.SimLaunchError as err:
        pytest.fail(f"accelfleet sim up failed: {err}")
    assert access.pid is not None, f"{kubeconfig} names no sim process"
    ca_file = directory / "ca.crt"
    ca_file.write_bytes(access.ca_pem)
    return SimHandle(
        kubeconfig=kubeconfig,
        server=access.server,
        token=access.token,
        port=int(access.server.rsplit(":", 1)[1]),
        ca_file=ca_file,
        pid=access.pid,
        directory=directory,
        state_dir=state_dir,
    )


def stop_sim(handle: SimHandle) -> None:
    """``accelfleet sim down``; kills the process group if that did not work, so no test leaks a sim."""
    launcher.down(handle.kubeconfig, handle.pid)


@contextmanager
def running_sim(
    preset: str | None = None,
    extra_args: Sequence[str] = (),
    state_dir: Path | None = None,
) -> Iterator[SimHandle]:
    with tempfile.TemporaryDirectory(prefix="accelfleet-sim-test-") as directory:
        handle = start_sim(Path(directory), preset, extra_args, state_dir)
        try:
            yield handle
        finally:
            stop_sim(handle)


@pytest.fixture
def sim() -> Iterator[SimHandle]:
    """A fresh, empty sim (no nodes) for one test."""
    with running_sim() as handle:
        yield handle


@pytest.fixture(scope="module")
def sim_module() -> Iterator[SimHandle]:
    """One empty sim shared by the tests of a module (cheaper; tests must use distinct names)."""
    with running_sim() as handle:
        yield handle
