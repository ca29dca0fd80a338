"""``/metrics`` and ``/healthz`` over HTTP, served on the plugin's event loop."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from accelfleet.deviceplugin.runtime import PluginRuntime


def health_report(runtime: PluginRuntime) -> tuple[int, str]:
    """503 only when the plugin cannot serve its socket; waiting for labels or the kubelet is healthy."""
    advertisement = runtime.state.current
    lines = [
        f"resource: {advertisement.resource_name or '-'}",
        f"cards: {len(advertisement.cards)} (healthy {advertisement.healthy_count()})",
        f"registered: {'yes' if runtime.registered else 'no'}",
    ]
    if advertisement.problem:
        lines.append(f"problem: {advertisement.problem}")
    if runtime.serving_failed:
        return 503, "\n".join(["cannot serve the plugin socket", *lines]) + "\n"
    return 200, "\n".join(["ok", *lines]) + "\n"


async def start_http(runtime: PluginRuntime, address: str, port: int) -> web.AppRunner:
    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(runtime.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        status, text = health_report(runtime)
        return web.Response(status=status, text=text)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, address, port).start()
    return runner
