"""An in-process simulated cluster (the real object store, no HTTP) with the node runtime started."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from accelfleet.sim.cluster import bootstrap
from accelfleet.sim.nodes.runtime import NodeRuntime
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.registry import Registry

FLEET = """\
apiVersion: accelfleet.io/v1alpha1
kind: ScaleXPlatform
metadata: {name: t1}
spec:
  site: test
  simulate:
  - {card: huawei-ascend-910b, superNodes: 2, nodesPerSuperNode: 2, cardsPerNode: 8}
---
apiVersion: accelfleet.io/v1alpha1
kind: ScaleXPlatform
metadata: {name: t2}
spec:
  site: test
  simulate:
  - {card: cambricon-mlu370-x8, superNodes: 1, nodesPerSuperNode: 2, cardsPerNode: 4}
"""


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    """Poll ``check`` until it holds; generous because the machine may be busy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


@pytest.fixture
def fleet_file(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(FLEET)
    return path


@pytest.fixture
async def store() -> ObjectStore:
    objects = ObjectStore(hooks=Registry())
    bootstrap(objects)
    return objects


@pytest.fixture
async def runtime(store: ObjectStore, fleet_file: Path) -> AsyncIterator[NodeRuntime]:
    with tempfile.TemporaryDirectory(prefix="afrt-", dir="/tmp") as work:
        nodes = NodeRuntime(
            store, preset=str(fleet_file), work_dir=Path(work), kubeconfig=Path(work) / "kubeconfig"
        )
        await nodes.start()
        yield nodes
        await nodes.stop()
