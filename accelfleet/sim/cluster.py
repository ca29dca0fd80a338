"""Assembly of the simulated cluster: store, registry, API server, and the nodes once the API answers.

Start-up order matters to clients: the kubeconfig is written only after the API has answered a real
HTTP request with the token, so anything that finds the kubeconfig can use it at once; the node
runtime starts after that (its device-plugin processes read the kubeconfig); ``/readyz`` turns
ready last, which is what ``sim up --detach`` waits for. Shutdown runs in reverse.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import aiohttp
from aiohttp import web

from accelfleet.sim import certs, kubeconfig
from accelfleet.sim.apiserver.app import ApiServer
from accelfleet.sim.builtin_types import NAMESPACES
from accelfleet.sim.objectstore import DEFAULT_HISTORY, ObjectStore
from accelfleet.sim.registry import Registry
from accelfleet.sim.store import AlreadyExistsError

log = logging.getLogger(__name__)

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
LOOPBACK = "127.0.0.1"


class SimStartError(Exception):
    """The cluster could not start; the message is one line for the user."""


class NodeRunner(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class SimConfig:
    kubeconfig: Path
    port: int = 6443
    preset: str | None = None
    state_dir: Path | None = None
    node_mode: str | None = None
    watch_history: int = DEFAULT_HISTORY


def bootstrap(store: ObjectStore) -> None:
    """The namespaces every cluster has; kept when a persisted store already holds them."""
    for name in SYSTEM_NAMESPACES:
        try:
            store.create_sync(NAMESPACES, {"metadata": {"name": name}})
        except AlreadyExistsError:
            continue


def build_store(config: SimConfig, registry: Registry) -> ObjectStore:
    if config.state_dir is None:
        return ObjectStore(hooks=registry, history_size=config.watch_history)
    from accelfleet.sim.persistence import SqlitePersistence

    try:
        config.state_dir.mkdir(parents=True, exist_ok=True)
        persistence = SqlitePersistence(config.state_dir / "objects.sqlite")
        return ObjectStore(hooks=registry, persistence=persistence, history_size=config.watch_history)
    except (OSError, sqlite3.Error) as err:
        raise SimStartError(f"cannot keep state in {config.state_dir}: {err}") from err


def _node_runtime(store: ObjectStore, config: SimConfig, work_dir: Path) -> NodeRunner:
    from accelfleet.sim.nodes.runtime import NodeRuntime

    runtime: NodeRunner = NodeRuntime(
        store,
        preset=config.preset,
        work_dir=work_dir,
        kubeconfig=config.kubeconfig,
        node_mode=config.node_mode,
    )
    return runtime


class SimCluster:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.token = secrets.token_urlsafe(32)
        self.certificates = certs.issue(LOOPBACK)
        self.registry = Registry()
        self.store = build_store(config, self.registry)
        bootstrap(self.store)
        self._ready = False
        self.api = ApiServer(self.store, self.registry, self.token, ready=lambda: self._ready)
        self._runner: web.AppRunner | None = None
        self._nodes: NodeRunner | None = None
        self._work_dir: Path | None = None
        self.port = 0

    @property
    def server(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.api.make_app(),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            LOOPBACK,
            self.config.port,
            reuse_address=True,
            ssl_context=self.certificates.server_context(),
        )
        try:
            await site.start()
        except OSError as err:
            raise SimStartError(
                f"cannot serve on {LOOPBACK}:{self.config.port}: {err.strerror or err}"
            ) from err
        self.port = int(self._runner.addresses[0][1])
        await self._wait_answering()
        kubeconfig.write(
            self.config.kubeconfig, self.server, self.token, os.getpid(), self.certificates.ca_pem
        )
        self._work_dir = Path(tempfile.mkdtemp(prefix="accelfleet-sim-"))
        self._nodes = _node_runtime(self.store, self.config, self._work_dir)
        await self._nodes.start()
        self._ready = True
        log.info("simulated cluster serving at %s (kubeconfig %s)", self.server, self.config.kubeconfig)

    async def _wait_answering(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        connector = aiohttp.TCPConnector(ssl=self.certificates.client_context())
        async with aiohttp.ClientSession(connector=connector) as session:
            for _ in range(100):
                try:
                    async with session.get(f"{self.server}/livez", headers=headers) as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise SimStartError(f"the API server at {self.server} did not answer its own health check")

    async def stop(self) -> None:
        self._ready = False
        if self._nodes is not None:
            await self._nodes.stop()
            self._nodes = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.store.close()
        current = kubeconfig.read(self.config.kubeconfig)
        if current is not None and current.token == self.token:
            self.config.kubeconfig.unlink(missing_ok=True)
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None


async def serve(config: SimConfig, stop: asyncio.Event, on_ready: asyncio.Event | None = None) -> None:
    """Runs the cluster until ``stop`` is set; always shuts down what it started."""
    cluster = SimCluster(config)
    try:
        await cluster.start()
        if on_ready is not None:
            on_ready.set()
        flush = asyncio.create_task(cluster.store.flush_periodically())
        await stop.wait()
        flush.cancel()
    finally:
        await cluster.stop()
