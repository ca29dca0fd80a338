"""kopf wiring: watch the five resources into the mirror; start and stop the operator's shell.

Only ``on.event`` handlers are used: they persist nothing, so kopf never writes progress annotations
or finalizers on pods, nodes or jobs (each would cost an API write per object). They are coroutines,
so each event reaches the mirror on the event loop itself instead of through a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import kopf

from accelfleet.api.names import GROUP, VERSION
from accelfleet.operator.config import OperatorConfig
from accelfleet.operator.mirror import ACCELCARDS, AIJOBS, NODES, PLATFORMS, PODS
from accelfleet.operator.runtime import Operator

MEMO_CONFIG = "accelfleet_config"
_MEMO_OPERATOR = "accelfleet_operator"
_MEMO_LOGIN = "accelfleet_login"


class NoDiffBase(kopf.DiffBaseStorage):
    """kopf deep-copies every object on every watch event as the base of change handlers' diffs.

    With event handlers alone nothing ever reads that base, and on a 1,000-pod gang the copies cost
    more CPU than everything else the operator does, so none is built or kept.
    """

    def build(self, *, body: kopf.Body, extra_fields: Iterable[Any] | None = None) -> kopf.BodyEssence:
        return kopf.BodyEssence()

    def fetch(self, *, body: kopf.Body) -> kopf.BodyEssence | None:
        return None

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        return None


@kopf.on.login()
async def login(
    settings: kopf.OperatorSettings, memo: kopf.Memo, **kwargs: Any
) -> kopf.ConnectionInfo | None:
    """kopf's own login (kubeconfig like kubectl, or the in-cluster service account), shared with our writes."""
    info: kopf.ConnectionInfo | None = kopf.login_via_client(settings=settings, **kwargs)
    if info is None:
        return None
    operator = memo.get(_MEMO_OPERATOR)
    if isinstance(operator, Operator):
        operator.login(info)
    else:
        memo[_MEMO_LOGIN] = info
    return info


@kopf.on.startup()
async def startup(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    settings.posting.enabled = False
    settings.persistence.diffbase_storage = NoDiffBase()
    settings.peering.standalone = True
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)
    config = memo.get(MEMO_CONFIG)
    operator = Operator(config if isinstance(config, OperatorConfig) else OperatorConfig.from_env())
    memo[_MEMO_OPERATOR] = operator
    if memo.get(_MEMO_LOGIN) is not None:
        operator.login(memo[_MEMO_LOGIN])
    await operator.start()


@kopf.on.cleanup()
async def cleanup(memo: kopf.Memo, **_: Any) -> None:
    operator = memo.get(_MEMO_OPERATOR)
    if isinstance(operator, Operator):
        await operator.stop()


def _observe(kind: str, event: kopf.RawEvent, memo: Any) -> None:
    operator = memo.get(_MEMO_OPERATOR)
    if isinstance(operator, Operator):
        operator.observe(kind, event.get("type"), event["object"])


@kopf.on.event(GROUP, VERSION, "aijobs")
async def aijobs(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(AIJOBS, event, memo)


@kopf.on.event("", "v1", "pods")
async def pods(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(PODS, event, memo)


@kopf.on.event("", "v1", "nodes")
async def nodes(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(NODES, event, memo)


@kopf.on.event(GROUP, VERSION, "accelcards")
async def accelcards(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(ACCELCARDS, event, memo)


@kopf.on.event(GROUP, VERSION, "scalexplatforms")
async def scalexplatforms(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(PLATFORMS, event, memo)
