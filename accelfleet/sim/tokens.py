"""Bearer tokens: the kubeconfig's admin token and the ServiceAccount tokens the TokenRequest API issues.

A component is only proven to work with its chart role when it runs as that role's ServiceAccount,
so the sim issues ServiceAccount tokens the way ``kubectl create token`` gets them from a real
server. They are opaque random strings kept in memory (a restarted sim has forgotten them, as a
real server forgets a rotated signing key) and carry the identity a real token would:
``system:serviceaccount:<ns>:<name>`` in the ServiceAccount groups. A token is good until it expires,
and only for the API server's own audience; the caller also checks that the ServiceAccount it names
still exists with the same uid, as bound tokens require.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from accelfleet.sim.rbac import AUTHENTICATED_GROUP, MASTERS_GROUP, UserInfo, service_account_username

ADMIN = UserInfo("kubernetes-admin", (MASTERS_GROUP, AUTHENTICATED_GROUP))
API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
DEFAULT_EXPIRATION_SECONDS = 3600
MIN_EXPIRATION_SECONDS = 600
MAX_EXPIRATION_SECONDS = 1 << 32


@dataclass(frozen=True)
class ServiceAccountToken:
    """What a token stands for; ``uid`` is the ServiceAccount's, checked on every use."""

    namespace: str
    name: str
    uid: str
    expires: float
    audiences: tuple[str, ...]

    @property
    def user(self) -> UserInfo:
        return UserInfo(
            service_account_username(self.namespace, self.name),
            ("system:serviceaccounts", f"system:serviceaccounts:{self.namespace}", AUTHENTICATED_GROUP),
            self.uid,
        )


class Tokens:
    """The admin token plus every unexpired ServiceAccount token issued since start-up."""

    def __init__(self, admin_token: str, clock: Callable[[], float] = time.time) -> None:
        self._admin = admin_token.encode()
        self._clock = clock
        self._issued: dict[str, ServiceAccountToken] = {}

    def issue(
        self, namespace: str, name: str, uid: str, expiration_seconds: int, audiences: tuple[str, ...]
    ) -> tuple[str, ServiceAccountToken]:
        now = self._clock()
        self._issued = {t: s for t, s in self._issued.items() if s.expires > now}
        token = secrets.token_urlsafe(32)
        issued = ServiceAccountToken(namespace, name, uid, now + expiration_seconds, audiences)
        self._issued[token] = issued
        return token, issued

    def is_admin(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self._admin)

    def service_account(self, token: str) -> ServiceAccountToken | None:
        """The unexpired token for this API server's audience, or None (the request gets 401)."""
        issued = self._issued.get(token)
        if issued is None or issued.expires <= self._clock() or API_AUDIENCE not in issued.audiences:
            return None
        return issued
