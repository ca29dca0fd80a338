"""List pages and continue tokens.

A continue token records the list's resourceVersion and the last key returned; the next page resumes
after that key in the current state (the store keeps no snapshots), and reports the first page's
resourceVersion, so a client that then watches from it sees every later change.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from accelfleet.sim.objects import object_key
from accelfleet.sim.store import BadRequestError, Object


@dataclass(frozen=True)
class Page:
    items: list[Object]
    resource_version: str
    continue_token: str | None
    remaining: int | None


def encode_continue(resource_version: str, last: tuple[str, str]) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": int(resource_version), "start": list(last)})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_continue(token: str) -> tuple[str, tuple[str, str]]:
    try:
        data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.encode()))
        namespace, name = data["start"]
        return str(data["rv"]), (str(namespace), str(name))
    except (ValueError, KeyError, TypeError) as err:
        raise BadRequestError("continue key is not valid: incorrect encoded start resourceVersion") from err


def paginate(
    objects: list[Object],
    resource_version: str,
    limit: int | None,
    continue_token: str | None,
    *,
    count_remaining: bool,
) -> Page:
    """``objects`` are sorted by (namespace, name), as ``ObjectStore.select`` returns them."""
    if continue_token:
        resource_version, after = decode_continue(continue_token)
        start = next((i for i, obj in enumerate(objects) if object_key(obj) > after), len(objects))
        objects = objects[start:]
    if limit is None or limit <= 0 or len(objects) <= limit:
        return Page(objects, resource_version, None, None)
    page = objects[:limit]
    remaining = len(objects) - limit
    return Page(
        page,
        resource_version,
        encode_continue(resource_version, object_key(page[-1])),
        remaining if count_remaining else None,
    )
