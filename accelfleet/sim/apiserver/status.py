"""metav1.Status bodies shaped exactly like the real server's, which kubectl, helm and kopf parse."""

from __future__ import annotations

from typing import Any

from accelfleet.sim.store import StoreError

_REASON_BY_CODE = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "InternalError",
    503: "ServiceUnavailable",
}


def failure(
    code: int, message: str, reason: str | None = None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason or _REASON_BY_CODE.get(code, "Unknown"),
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def status_of_error(err: StoreError) -> dict[str, Any]:
    """Renders any StoreError; errors that already carry a full ``details`` dict keep it."""
    details: dict[str, Any] | None = getattr(err, "details", None)
    if not details:
        details = {}
        for key in ("name", "group", "kind"):
            value = getattr(err, key, None)
            if value:
                details[key] = value
        causes = getattr(err, "causes", None)
        if causes:
            details["causes"] = causes
        retry = getattr(err, "retry_after_seconds", None)
        if retry:
            details["retryAfterSeconds"] = retry
    message = getattr(err, "message", None) or str(err)
    return failure(err.status_code, message, err.reason, details or None)


def success(details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        body["details"] = details
    return body
