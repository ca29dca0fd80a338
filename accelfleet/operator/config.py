"""How an operator process is set up: from the ``accelfleet operator`` flags, or from the environment
when started as ``kopf run -m accelfleet.operator``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from accelfleet.operator.names import DEFAULT_LEASE_NAME

SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
DEFAULT_METRICS_PORT = 8080
DEFAULT_LEASE_SECONDS = 15


@dataclass(frozen=True)
class OperatorConfig:
    """``namespaces`` empty means all namespaces; ``lease_namespace`` None means the pod's own."""

    namespaces: tuple[str, ...] = ()
    metrics_port: int = DEFAULT_METRICS_PORT
    metrics_address: str = "0.0.0.0"
    standalone: bool = False
    lease_name: str = DEFAULT_LEASE_NAME
    lease_namespace: str | None = None
    lease_seconds: int = DEFAULT_LEASE_SECONDS
    debounce_seconds: float = 0.05
    resync_seconds: float = 10.0
    starvation_seconds: float = 300.0

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> OperatorConfig:
        """ACCELFLEET_NAMESPACES (comma list), ACCELFLEET_METRICS_PORT, ACCELFLEET_STANDALONE=1,
        ACCELFLEET_LEASE_NAME, ACCELFLEET_LEASE_SECONDS, POD_NAMESPACE (the lease's namespace)."""
        env = os.environ if env is None else env
        namespaces = tuple(ns.strip() for ns in env.get("ACCELFLEET_NAMESPACES", "").split(",") if ns.strip())
        return OperatorConfig(
            namespaces=namespaces,
            metrics_port=int(env.get("ACCELFLEET_METRICS_PORT", DEFAULT_METRICS_PORT)),
            standalone=env.get("ACCELFLEET_STANDALONE", "") in ("1", "true", "yes"),
            lease_name=env.get("ACCELFLEET_LEASE_NAME", DEFAULT_LEASE_NAME),
            lease_namespace=env.get("POD_NAMESPACE") or None,
            lease_seconds=int(env.get("ACCELFLEET_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)),
        )


def lease_namespace(config: OperatorConfig, kubeconfig_namespace: str | None) -> str:
    """Where the Lease lives: as configured, else the pod's own namespace, else the kubeconfig's."""
    if config.lease_namespace:
        return config.lease_namespace
    if SERVICE_ACCOUNT_NAMESPACE.is_file():
        found = SERVICE_ACCOUNT_NAMESPACE.read_text().strip()
        if found:
            return found
    return kubeconfig_namespace or "default"
