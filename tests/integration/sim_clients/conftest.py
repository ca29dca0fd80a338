"""Real kubectl and helm, pointed at one simulated cluster per test module."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.k8s_clients import require_helm, require_kubectl
from tests.support.sim import SimHandle, running_sim

REPO = Path(__file__).resolve().parents[3]
COMMAND_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class Client:
    """Runs one real client binary against the sim, with its caches kept inside the sim's directory."""

    binary: Path
    env: dict[str, str]

    def run(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.binary), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=REPO,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"{self.binary.name} {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}"
            )
        return done

    def out(self, *args: str, stdin: str | None = None) -> str:
        return self.run(*args, stdin=stdin).stdout


def eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Polls ``check`` until it holds; the machine is shared, so waits are generous."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def cluster() -> Iterator[SimHandle]:
    with running_sim() as handle:
        yield handle


def _client_env(handle: SimHandle) -> dict[str, str]:
    caches = handle.directory / "client-cache"
    return handle.env(
        KUBECACHEDIR=str(caches / "kube"),
        HELM_CACHE_HOME=str(caches / "helm-cache"),
        HELM_CONFIG_HOME=str(caches / "helm-config"),
        HELM_DATA_HOME=str(caches / "helm-data"),
    )


@pytest.fixture(scope="module")
def kubectl(cluster: SimHandle) -> Client:
    return Client(require_kubectl(), _client_env(cluster))


@pytest.fixture(scope="module")
def helm(cluster: SimHandle) -> Client:
    return Client(require_helm(), _client_env(cluster))
