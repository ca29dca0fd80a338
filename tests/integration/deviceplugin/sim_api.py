"""The simulated cluster's API server, run in-process on a loopback port, with a kubeconfig for it.

The device plugin reads its Node and the AccelCards through it exactly as it would from a real
cluster; the CRD, card and Node are created through the public API, like an admin would.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from accelfleet.api.catalog import builtin_card
from accelfleet.api.names import GROUP, VERSION
from accelfleet.sim.apiserver.app import ApiServer
from accelfleet.sim.cluster import bootstrap
from accelfleet.sim.objectstore import ObjectStore
from accelfleet.sim.registry import Registry

REPO = Path(__file__).resolve().parents[3]


class SimApi:
    def __init__(self, kubeconfig_path: Path) -> None:
        self.kubeconfig_path = kubeconfig_path
        self._token = secrets.token_urlsafe(24)
        registry = Registry()
        self._store = ObjectStore(hooks=registry)
        bootstrap(self._store)
        self._api = ApiServer(self._store, registry, self._token)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.client: Any = None

    def start(self) -> None:
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(30)
        self.kubeconfig_path.write_text(yaml.safe_dump(self._kubeconfig(f"http://127.0.0.1:{port}")))
        from kubernetes import client, config

        self.client = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(self.kubeconfig_path)
        )
        crd = yaml.safe_load((REPO / "crds" / "accelfleet.io_accelcards.yaml").read_text())
        client.ApiextensionsV1Api(self.client).create_custom_resource_definition(crd)

    def _kubeconfig(self, server: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sim", "cluster": {"server": server}}],
            "users": [{"name": "admin", "user": {"token": self._token}}],
            "contexts": [{"name": "sim", "context": {"cluster": "sim", "user": "admin"}}],
            "current-context": "sim",
        }

    async def _serve(self) -> int:
        self._runner = web.AppRunner(
            self._api.make_app(), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(self._runner.addresses[0][1])

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._store.close()

    # --- what an admin does ------------------------------------------------------------------------
    def add_card(self, name: str) -> None:
        from kubernetes import client

        card = builtin_card(name)
        assert card is not None, name
        client.CustomObjectsApi(self.client).create_cluster_custom_object(
            GROUP, VERSION, "accelcards", card.to_wire()
        )

    def create_node(self, name: str, labels: dict[str, str]) -> None:
        from kubernetes import client

        node = client.V1Node(metadata=client.V1ObjectMeta(name=name, labels=labels))
        client.CoreV1Api(self.client).create_node(node)

    def patch_node(
        self,
        name: str,
        labels: dict[str, str | None] | None = None,
        annotations: dict[str, str | None] | None = None,
    ) -> None:
        from kubernetes import client

        metadata: dict[str, Any] = {}
        if labels is not None:
            metadata["labels"] = labels
        if annotations is not None:
            metadata["annotations"] = annotations
        client.CoreV1Api(self.client).patch_node(name, {"metadata": metadata})
