"""A lean asynchronous API client for the benchmarks that drive a simulated cluster from outside.

Plain JSON over one aiohttp connection pool, with the credentials of the sim's kubeconfig. The
benchmarks watch thousands of pods change; the kubernetes package would build a model object for
every event, and on a 2-core machine that CPU would be taken from the very processes being measured.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

from accelfleet.sim import kubeconfig

Obj = dict[str, Any]
_CONNECTIONS = 64
_REQUEST_TIMEOUT_S = 120.0
_WATCH_TIMEOUT_S = 3600


class KubeError(Exception):
    """A non-2xx answer, with the API's status code and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class Kube:
    """Requests against the simulated cluster whose kubeconfig is ``path``."""

    def __init__(self, path: Path) -> None:
        access = kubeconfig.read(path)
        if access is None:
            raise KubeError(0, f"{path} is not a kubeconfig written by accelfleet sim")
        self.server = access.server.rstrip("/")
        self._headers = {"Authorization": f"Bearer {access.token}"}
        self._ssl = access.ssl_context()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Kube:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=_CONNECTIONS, ssl=self._ssl),
            headers=self._headers,
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use Kube as an async context manager")
        return self._session

    async def request(
        self, method: str, path: str, *, body: Any = None, params: Mapping[str, str] | None = None
    ) -> Obj:
        async with self.session.request(
            method,
            self.server + path,
            json=body,
            params=dict(params or {}),
            timeout=aiohttp.ClientTimeout(total=_REQUEST_TIMEOUT_S),
        ) as response:
            payload: Any = await response.json(content_type=None)
            if response.status >= 400:
                message = payload.get("message", "") if isinstance(payload, dict) else str(payload)
                raise KubeError(response.status, str(message))
            return payload if isinstance(payload, dict) else {}

    async def create(self, path: str, body: Obj) -> Obj:
        return await self.request("POST", path, body=body)

    async def delete(self, path: str) -> None:
        try:
            await self.request("DELETE", path)
        except KubeError as err:
            if err.status != 404:
                raise

    async def list(self, path: str, params: Mapping[str, str] | None = None) -> tuple[list[Obj], str]:
        """Every item of a collection, page by page, and the list's resourceVersion."""
        items: list[Obj] = []
        query = {**(params or {}), "limit": "500"}
        version = ""
        while True:
            page = await self.request("GET", path, params=query)
            items.extend(page.get("items") or [])
            meta = page.get("metadata") or {}
            version = version or str(meta.get("resourceVersion") or "")
            token = meta.get("continue")
            if not token:
                return items, version
            query = {**query, "continue": str(token)}

    async def watch(
        self, path: str, version: str, params: Mapping[str, str] | None = None
    ) -> AsyncIterator[tuple[str, Obj]]:
        """Watch events (type, object) after ``version``; a 410 Gone comes through as ("ERROR", status)."""
        query = {
            **(params or {}),
            "watch": "1",
            "resourceVersion": version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(_WATCH_TIMEOUT_S),
        }
        async with self.session.get(
            self.server + path, params=query, timeout=aiohttp.ClientTimeout(total=None)
        ) as response:
            if response.status >= 400:
                raise KubeError(response.status, await response.text())
            pending = b""
            async for chunk in response.content.iter_any():
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        event = json.loads(line)
                        yield str(event.get("type", "")), event.get("object") or {}
