"""A plain-HTTP proxy in front of the simulated cluster's API that records every call as RBAC sees it.

A component pointed at the proxy (through the kubeconfig ``kubeconfig_for``) makes its real calls;
``calls`` then holds each one as (apiGroup, resource[/subresource], verb), the same triple a
Role rule grants. That proves a ClusterRole against what the code really does, not against a
list someone wrote down.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web

from tests.support.sim import SimHandle

Call = tuple[str, str, str]
HOP_HEADERS = frozenset({"host", "authorization", "content-length", "transfer-encoding", "connection"})


def rbac_call(method: str, path: str, query: dict[str, str]) -> Call | None:
    """The (apiGroup, resource, verb) of a request, or None for discovery and other non-resource paths."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, rest = "", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, rest = parts[1], parts[3:]
    else:
        return None
    if not rest:
        return None
    if rest[0] == "namespaces" and len(rest) >= 3:
        rest = rest[2:]
    resource, name, sub = rest[0], rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None
    if method == "GET":
        verb = "get" if name else ("watch" if query.get("watch") in ("1", "true") else "list")
    else:
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, "")
        if method == "DELETE":
            verb = "delete" if name else "deletecollection"
    return (group, f"{resource}/{sub}" if sub else resource, verb)


class RecordingProxy:
    def __init__(self, sim: SimHandle) -> None:
        self.sim = sim
        self.calls: set[Call] = set()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="recording-proxy", daemon=True)

    def kubeconfig_for(self, directory: Path) -> Path:
        path = directory / "proxied-kubeconfig"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "proxy", "cluster": {"server": f"http://127.0.0.1:{self.port}"}}],
            "users": [{"name": "proxy", "user": {"token": "recorded"}}],
            "contexts": [{"name": "proxy", "context": {"cluster": "proxy", "user": "proxy"}}],
            "current-context": "proxy",
        }
        path.write_text(yaml.safe_dump(config))
        return path

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        ssl_context = ssl.create_default_context(cafile=str(self.sim.ca_file))
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ssl_context), timeout=aiohttp.ClientTimeout(total=None)
        )

        async def forward(request: web.Request) -> web.StreamResponse:
            call = rbac_call(request.method, request.path, dict(request.query))
            if call is not None:
                self.calls.add(call)
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
            headers.update(self.sim.headers())
            async with session.request(
                request.method,
                self.sim.server + request.path_qs,
                headers=headers,
                data=await request.read(),
            ) as upstream:
                response = web.StreamResponse(
                    status=upstream.status,
                    headers={k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS},
                )
                await response.prepare(request)
                try:
                    async for chunk in upstream.content.iter_any():
                        await response.write(chunk)
                except (ConnectionResetError, aiohttp.ClientError):
                    return response
                await response.write_eof()
                return response

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await session.close()  # ends the streaming watches first, so their handlers can finish
        await runner.cleanup()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise AssertionError("recording proxy did not start")

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)


@contextmanager
def recording_proxy(sim: SimHandle) -> Iterator[RecordingProxy]:
    proxy = RecordingProxy(sim)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
