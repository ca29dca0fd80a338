"""A small asynchronous Kubernetes API client: plain JSON over one aiohttp connection pool.

kopf streams the operator's watches; its writes go through this client, with the very credentials
kopf logged in with, so that a 1,000-pod gang is created by hundreds of concurrent requests on one
connection pool instead of a thread per call. Every write is counted by verb and resource for the
API-writes metric. The benchmarks drive a simulated cluster from outside with the same client (and
its watch): the kubernetes package would build a model object for every event, and on a 2-core
machine that CPU would be taken from the very processes being measured.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import orjson

from accelfleet.operator.objects import Obj
from accelfleet.sim import kubeconfig

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
REQUEST_TIMEOUT_S = 30.0
WATCH_TIMEOUT_S = 3600

WriteCounter = Callable[[str, str], None]


class ApiError(Exception):
    """A non-2xx answer: ``status`` and the metav1.Status ``reason`` tell callers what happened."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def already_exists(self) -> bool:
        return self.status == 409 and self.reason == "AlreadyExists"

    @property
    def conflict(self) -> bool:
        return self.status == 409 and self.reason != "AlreadyExists"


def _error(status: int, payload: Any) -> ApiError:
    reason = payload.get("reason", "") if isinstance(payload, dict) else ""
    message = payload.get("message", "") if isinstance(payload, dict) else str(payload)
    return ApiError(status, str(reason), str(message))


class ApiClient:
    """Requests against one API server; build it with ``from_connection`` (a kopf ConnectionInfo) in
    the operator, or ``from_kubeconfig`` outside the cluster. Closes with ``close`` or ``async with``."""

    def __init__(
        self,
        server: str,
        *,
        headers: Mapping[str, str],
        ssl_context: ssl.SSLContext | bool,
        count_write: WriteCounter | None,
        default_namespace: str | None,
        timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        self.server = server.rstrip("/")
        self.default_namespace = default_namespace
        self._headers = dict(headers)
        self._ssl = ssl_context
        self._count_write = count_write
        self._timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_connection(cls, info: Any, count_write: WriteCounter) -> ApiClient:
        """From a kopf ``ConnectionInfo``: its headers and TLS context, exactly as kopf uses them."""
        server = str(info.server)
        context: ssl.SSLContext | bool = info.as_ssl_context() if server.startswith("https") else False
        return cls(
            server,
            headers=info.as_http_headers(),
            ssl_context=context,
            count_write=count_write,
            default_namespace=info.default_namespace,
        )

    @classmethod
    def from_kubeconfig(cls, path: Path, *, timeout_s: float = REQUEST_TIMEOUT_S) -> ApiClient:
        """From the kubeconfig a simulated cluster wrote (server, bearer token, CA), for a client
        outside the cluster; its writes are not the operator's, so they are not counted."""
        access = kubeconfig.read(path)
        if access is None:
            raise ValueError(f"{path} is not a kubeconfig written by accelfleet sim")
        return cls(
            access.server,
            headers={"Authorization": f"Bearer {access.token}"},
            ssl_context=access.ssl_context(),
            count_write=None,
            default_namespace="default",
            timeout_s=timeout_s,
        )

    def refresh(self, info: Any) -> None:
        """New credentials after kopf re-authenticated (e.g. a rotated service-account token)."""
        self._headers = dict(info.as_http_headers())

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=128, ssl=self._ssl)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self._timeout_s)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content_type: str = "application/json",
        params: Mapping[str, str] | None = None,
        resource: str = "",
    ) -> Obj:
        if method != "GET" and self._count_write is not None:
            self._count_write(method.lower() if content_type != JSON_PATCH else "patch", resource)
        kwargs: dict[str, Any] = {"params": dict(params or {}), "headers": dict(self._headers)}
        if body is not None:
            kwargs["data"] = orjson.dumps(body)
            kwargs["headers"]["Content-Type"] = content_type
        async with self._session_now().request(method, self.server + path, **kwargs) as response:
            raw = await response.read()
            payload: Any = orjson.loads(raw) if raw else {}
            if response.status >= 400:
                raise _error(response.status, payload)
            return payload if isinstance(payload, dict) else {}

    async def get(self, path: str, *, params: Mapping[str, str] | None = None) -> Obj:
        return await self.request("GET", path, params=params)

    async def create(self, path: str, body: Obj, resource: str) -> Obj:
        return await self.request("POST", path, body=body, resource=resource)

    async def replace(self, path: str, body: Obj, resource: str) -> Obj:
        return await self.request("PUT", path, body=body, resource=resource)

    async def patch(self, path: str, body: Any, resource: str, *, content_type: str = MERGE_PATCH) -> Obj:
        return await self.request("PATCH", path, body=body, content_type=content_type, resource=resource)

    async def delete(
        self, path: str, resource: str, *, uid: str | None = None, grace_period: int | None = None
    ) -> Obj:
        body: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if uid:
            body["preconditions"] = {"uid": uid}
        if grace_period is not None:
            body["gracePeriodSeconds"] = grace_period
        return await self.request("DELETE", path, body=body, resource=resource)

    async def list_all(self, path: str, params: Mapping[str, str] | None = None) -> tuple[list[Obj], str]:
        """Every item of a collection (``params`` select, e.g. ``labelSelector``), page by page, and the
        resourceVersion of the list."""
        items: list[Obj] = []
        query = {**(params or {}), "limit": "500"}
        version = ""
        while True:
            page = await self.get(path, params=query)
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
        """Watch events (type, object) after ``version``; a 410 Gone comes through as ("ERROR", status).
        The stream has no deadline of its own: the server ends it after ``WATCH_TIMEOUT_S``."""
        query = {
            **(params or {}),
            "watch": "1",
            "resourceVersion": version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(WATCH_TIMEOUT_S),
        }
        async with self._session_now().get(
            self.server + path,
            params=query,
            headers=self._headers,
            timeout=aiohttp.ClientTimeout(total=None),
        ) as response:
            if response.status >= 400:
                raise _error(response.status, await response.json(content_type=None))
            pending = b""
            async for chunk in response.content.iter_any():
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        event = orjson.loads(line)
                        yield str(event.get("type", "")), event.get("object") or {}
