"""``/metrics`` and ``/healthz`` on one port, for Prometheus and the kubelet's probes.

Shared by the operator and the device plugin, so both answer scrapers and probes the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest


async def serve_metrics(
    address: str,
    port: int,
    health: Callable[[], tuple[bool, str]],
    registry: CollectorRegistry = REGISTRY,
) -> web.AppRunner:
    """Start serving; ``health`` answers (ok, text), 503 when not ok. Returns the runner to clean up."""

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        ok, text = health()
        return web.Response(status=200 if ok else 503, text=text + "\n")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, address, port).start()
    return runner
