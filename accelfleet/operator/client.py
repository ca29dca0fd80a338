"""A small asynchronous Kubernetes API client for the operator's writes.

kopf streams the watches; the writes go through this client, with the very credentials kopf logged in
with, so that a 1,000-pod gang is created by hundreds of concurrent requests on one connection pool
instead of a thread per call. Every write is counted by verb and resource for the API-writes metric.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from accelfleet.operator.objects import Obj

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"

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


class ApiClient:
    """Requests against one API server; build it with ``from_connection`` (a kopf ConnectionInfo)."""

    def __init__(
        self,
        server: str,
        *,
        headers: Mapping[str, str],
        ssl_context: ssl.SSLContext | bool,
        count_write: WriteCounter,
        default_namespace: str | None,
    ) -> None:
        self.server = server.rstrip("/")
        self.default_namespace = default_namespace
        self._headers = dict(headers)
        self._ssl = ssl_context
        self._count_write = count_write
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

    def refresh(self, info: Any) -> None:
        """New credentials after kopf re-authenticated (e.g. a rotated service-account token)."""
        self._headers = dict(info.as_http_headers())

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=128, ssl=self._ssl)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=30)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

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
        if method != "GET":
            self._count_write(method.lower() if content_type != JSON_PATCH else "patch", resource)
        kwargs: dict[str, Any] = {"params": dict(params or {}), "headers": dict(self._headers)}
        if body is not None:
            kwargs["json"] = body
            kwargs["headers"]["Content-Type"] = content_type
        async with self._session_now().request(method, self.server + path, **kwargs) as response:
            payload: Any = await response.json(content_type=None) if response.content_length != 0 else {}
            if response.status >= 400:
                reason = payload.get("reason", "") if isinstance(payload, dict) else ""
                message = payload.get("message", "") if isinstance(payload, dict) else str(payload)
                raise ApiError(response.status, str(reason), str(message))
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

    async def list_all(self, path: str) -> tuple[list[Obj], str]:
        """Every item of a collection, page by page, and the resourceVersion of the list."""
        items: list[Obj] = []
        params = {"limit": "500"}
        version = ""
        while True:
            page = await self.get(path, params=params)
            items.extend(page.get("items") or [])
            meta = page.get("metadata") or {}
            version = version or str(meta.get("resourceVersion") or "")
            token = meta.get("continue")
            if not token:
                return items, version
            params = {"limit": "500", "continue": token}
