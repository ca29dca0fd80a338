"""``/metrics`` and ``/healthz`` on one port, for Prometheus and the kubelet's probes."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


async def serve(port: int, health: Callable[[], tuple[bool, str]], address: str = "0.0.0.0") -> web.AppRunner:
    """Start serving; ``health`` answers (ok, one-line detail). Returns the runner to clean up."""

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        ok, detail = health()
        return web.Response(status=200 if ok else 503, text=detail + "\n")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, address, port).start()
    return runner
