"""One empty simulated cluster per test module (tests/support/sim.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sim import SimHandle, running_sim


@pytest.fixture(scope="module")
def sim_cluster() -> Iterator[SimHandle]:
    with running_sim() as handle:
        yield handle


@pytest.fixture(scope="module")
def sim_kubeconfig(sim_cluster: SimHandle) -> Path:
    return sim_cluster.kubeconfig
