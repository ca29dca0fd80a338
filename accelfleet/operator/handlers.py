"""kopf wiring: watch the five resources into the mirror; start and stop the operator's shell.

Only ``on.event`` handlers are used: they persist nothing, so kopf never writes progress annotations
or finalizers on pods, nodes or jobs (each would cost an API write per object).
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from accelfleet.api.names import GROUP, VERSION
from accelfleet.operator.config import OperatorConfig
from accelfleet.operator.mirror import ACCELCARDS, AIJOBS, NODES, PLATFORMS, PODS
from accelfleet.operator.runtime import Operator

MEMO_CONFIG = "accelfleet_config"
_MEMO_OPERATOR = "accelfleet_operator"
_MEMO_LOGIN = "accelfleet_login"


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
def aijobs(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(AIJOBS, event, memo)


@kopf.on.event("", "v1", "pods")
def pods(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(PODS, event, memo)


@kopf.on.event("", "v1", "nodes")
def nodes(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(NODES, event, memo)


@kopf.on.event(GROUP, VERSION, "accelcards")
def accelcards(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(ACCELCARDS, event, memo)


@kopf.on.event(GROUP, VERSION, "scalexplatforms")
def scalexplatforms(event: kopf.RawEvent, memo: Any, **_: Any) -> None:
    _observe(PLATFORMS, event, memo)
