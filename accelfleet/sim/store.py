"""The object store every in-process part of the simulated cluster shares.

The API server's HTTP layer, the scheduler and the kubelets all read and write objects through
this interface, so the scheduler and kubelets see exactly what kubectl sees, with the same
resourceVersion, conflict and watch semantics, without paying for HTTP on the hot path.

Objects are plain JSON-like dicts shaped as the Kubernetes API returns them. Every method that
returns an object returns a copy the caller may mutate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Object = dict[str, Any]
WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]


@dataclass(frozen=True)
class ResourceType:
    """One served resource, e.g. ``ResourceType("", "v1", "pods", "Pod", True)``."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


@dataclass(frozen=True)
class WatchEvent:
    type: WatchEventType
    object: Object


class StoreError(Exception):
    """Base of the errors below; each maps to one HTTP status and metav1.Status reason.

    The optional details become ``details`` of the metav1.Status the API server answers with, which
    kubectl and helm print and kopf inspects (``kind`` holds the resource's plural, as the real server
    puts it; ``causes`` holds ``{"reason", "message", "field"}`` dicts).
    """

    status_code = 500
    reason = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        group: str | None = None,
        kind: str | None = None,
        causes: list[dict[str, str]] | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes or []
        self.retry_after_seconds = retry_after_seconds


class NotFoundError(StoreError):
    status_code = 404
    reason = "NotFound"


class AlreadyExistsError(StoreError):
    status_code = 409
    reason = "AlreadyExists"


class ConflictError(StoreError):
    """The caller's resourceVersion is stale (optimistic concurrency)."""

    status_code = 409
    reason = "Conflict"


class InvalidError(StoreError):
    status_code = 422
    reason = "Invalid"


class BadRequestError(StoreError):
    """A malformed request, e.g. an unparsable selector or an unsupported field label."""

    status_code = 400
    reason = "BadRequest"


class ForbiddenError(StoreError):
    """Refused by policy, e.g. creating an object in a namespace that is being deleted."""

    status_code = 403
    reason = "Forbidden"


class GoneError(StoreError):
    """A watch asked to resume from a resourceVersion older than the retained history."""

    status_code = 410
    reason = "Expired"


class Store(Protocol):
    """What in-process controllers (scheduler, kubelets, node factories) may rely on."""

    async def create(self, rtype: ResourceType, obj: Object) -> Object:
        """Assign uid, creationTimestamp, resourceVersion, generation; raise AlreadyExistsError."""
        ...

    async def get(self, rtype: ResourceType, name: str, namespace: str | None = None) -> Object:
        """Return the object or raise NotFoundError."""
        ...

    async def list(
        self,
        rtype: ResourceType,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Object], str]:
        """Return the matching objects and the list's resourceVersion (selectors in kubectl syntax)."""
        ...

    async def update(
        self, rtype: ResourceType, obj: Object, subresource: str | None = None, *, handover: bool = False
    ) -> Object:
        """Replace the object (or only its ``status`` when subresource == "status").

        Raises ConflictError when ``metadata.resourceVersion`` is set and stale; an empty
        resourceVersion means an unconditional update. With ``handover`` the caller gives ``obj``
        away (the store may keep it) and gets the stored object back, shared: never mutate either.
        """
        ...

    async def delete(self, rtype: ResourceType, name: str, namespace: str | None = None) -> Object:
        """Delete, honouring finalizers (sets deletionTimestamp instead) and garbage collection."""
        ...

    def watch(
        self,
        rtype: ResourceType,
        namespace: str | None = None,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        *,
        shared: bool = False,
    ) -> AsyncIterator[WatchEvent]:
        """Events after ``resource_version`` (or from now); raises GoneError if it is compacted.

        ``shared`` events carry the stored objects themselves, read-only, instead of copies."""
        ...
