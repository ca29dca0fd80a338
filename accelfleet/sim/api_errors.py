"""Errors of the API-semantics modules that carry a full metav1.Status.

Real clients read more than the HTTP code: kubectl prints the Status ``message`` verbatim, helm and
kopf inspect ``reason``, and field-level ``details.causes`` tell users which field was wrong. The
store's errors only carry a code and a reason, so these subclasses add the rest, and ``status_body``
renders any StoreError the way the real API server does.

Public: ``BadRequestError`` (400), ``UnsupportedMediaTypeError`` (415), ``ApplyConflictError`` (409
with field-manager causes), ``FieldInvalidError`` (422 with field causes), ``status_body(err)``.
"""

from __future__ import annotations

from typing import Any

from accelfleet.sim.store import ConflictError, InvalidError, StoreError


class DetailedError(StoreError):
    """A StoreError with the Status ``details`` the real server would send."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequestError(DetailedError):
    status_code = 400
    reason = "BadRequest"


class UnsupportedMediaTypeError(DetailedError):
    status_code = 415
    reason = "UnsupportedMediaType"


class ApplyConflictError(ConflictError, DetailedError):
    """Server-side apply touched fields another manager owns with a different value."""


class FieldInvalidError(InvalidError, DetailedError):
    """Validation failed; ``details.causes`` names each field like the real server."""


def status_body(err: StoreError) -> dict[str, Any]:
    """The metav1.Status the real API server sends for this error."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": getattr(err, "message", None) or str(err),
        "reason": err.reason,
        "code": err.status_code,
    }
    details = getattr(err, "details", None)
    if details:
        body["details"] = details
    return body
