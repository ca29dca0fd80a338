"""Leader election over a coordination.k8s.io Lease: one replica acts, the others stand by warm.

Every replica watches and mirrors the cluster, so a standby takes over within one lease duration
without a cold start; only the holder of the Lease writes. The Lease is claimed and renewed with
optimistic concurrency (a write naming the resourceVersion it read), so two replicas can never both
believe they hold it. This needs no CRD of its own (unlike kopf peering) and is what client-go's
leader election does, so ``kubectl get lease`` shows who leads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from accelfleet.operator.client import ApiClient, ApiError
from accelfleet.operator.objects import Obj, mapping, parse_time

log = logging.getLogger("accelfleet.operator.leadership")


def _micro(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def claim(lease: Mapping[str, Any] | None, me: str, now: datetime, duration: int) -> Obj | None:
    """The Lease spec to write to lead (take a free or expired lease, or renew ours); None to stand by."""
    spec = mapping(mapping(lease).get("spec"))
    holder = str(spec.get("holderIdentity") or "")
    renewed = parse_time(spec.get("renewTime")) or parse_time(spec.get("acquireTime"))
    held_for = spec.get("leaseDurationSeconds")
    seconds = held_for if isinstance(held_for, int) else duration
    expired = renewed is None or now >= renewed + timedelta(seconds=seconds)
    if holder and holder != me and not expired:
        return None
    transitions = spec.get("leaseTransitions")
    count = transitions if isinstance(transitions, int) else 0
    taking = holder != me
    return {
        "holderIdentity": me,
        "leaseDurationSeconds": duration,
        "acquireTime": _micro(now) if taking else spec.get("acquireTime", _micro(now)),
        "renewTime": _micro(now),
        "leaseTransitions": count + 1 if taking and holder else count,
    }


class Elector:
    """Holds the Lease while it can; ``on_lost`` is called if leadership is lost after being held."""

    def __init__(
        self,
        client: ApiClient,
        *,
        namespace: str,
        name: str,
        identity: str,
        duration: int,
        now: Callable[[], datetime],
        on_change: Callable[[bool], None],
    ) -> None:
        self.client = client
        self.path = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.duration = duration
        self.now = now
        self.on_change = on_change
        self.leader = False
        self._renewed: datetime | None = None

    async def _try_once(self) -> bool:
        try:
            lease: Obj | None = await self.client.get(f"{self.path}/{self.name}")
        except ApiError as err:
            if not err.not_found:
                raise
            lease = None
        spec = claim(lease, self.identity, self.now(), self.duration)
        if spec is None:
            return False
        body: Obj = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": spec,
        }
        try:
            if lease is None:
                await self.client.create(self.path, body, "leases")
            else:
                body["metadata"]["resourceVersion"] = mapping(lease.get("metadata")).get("resourceVersion")
                await self.client.replace(f"{self.path}/{self.name}", body, "leases")
        except ApiError as err:
            if err.status == 409:
                return False
            raise
        return True

    def _set(self, leader: bool) -> None:
        if leader != self.leader:
            self.leader = leader
            log.info("%s the lease %s/%s", "holding" if leader else "lost", self.namespace, self.name)
            self.on_change(leader)

    async def run(self) -> None:
        """Claim or renew every third of the lease duration, forever."""
        period = max(0.2, self.duration / 3)
        while True:
            try:
                held = await self._try_once()
                if held:
                    self._renewed = self.now()
            except (ApiError, OSError, TimeoutError, aiohttp.ClientError) as err:
                log.warning("lease %s/%s: %s", self.namespace, self.name, err)
                held = False
            if not held and self.leader and self._renewed is not None:
                held = self.now() < self._renewed + timedelta(seconds=self.duration * 2 / 3)
            self._set(held)
            await asyncio.sleep(period)

    async def release(self) -> None:
        """Hand the Lease over at once on a clean shutdown instead of letting it expire."""
        if not self.leader:
            return
        try:
            lease = await self.client.get(f"{self.path}/{self.name}")
            spec = dict(mapping(lease.get("spec")))
            if spec.get("holderIdentity") != self.identity:
                return
            spec["holderIdentity"] = ""
            lease["spec"] = spec
            await self.client.replace(f"{self.path}/{self.name}", lease, "leases")
        except (ApiError, OSError, TimeoutError, aiohttp.ClientError) as err:
            log.warning("releasing lease %s/%s: %s", self.namespace, self.name, err)
