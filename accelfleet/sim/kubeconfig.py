"""The kubeconfig the simulated cluster writes for kubectl, helm, kopf and the kubernetes client.

The running sim's process id travels in the cluster entry's ``extensions`` (a standard kubeconfig
field that clients carry along and ignore), so ``accelfleet sim down --kubeconfig PATH`` needs
nothing but the file every client already uses.
"""

from __future__ import annotations

import base64
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

NAME = "accelfleet-sim"
EXTENSION = "accelfleet.io/sim"
DEFAULT_PATH = Path("~/.kube/accelfleet-sim.yaml")
PATH_ENV = "ACCELFLEET_SIM_KUBECONFIG"


def default_path() -> Path:
    """``$ACCELFLEET_SIM_KUBECONFIG`` or ``~/.kube/accelfleet-sim.yaml``; never the user's main kubeconfig."""
    return Path(os.environ.get(PATH_ENV) or DEFAULT_PATH).expanduser()


def target_path(given: Path | None) -> Path:
    """The kubeconfig of the running sim a command acts on (``down``, ``fail-node``, ...).

    ``given`` first, then ``$ACCELFLEET_SIM_KUBECONFIG``; then ``$KUBECONFIG`` when it names one file a
    sim wrote, since users who ``export KUBECONFIG=...`` for kubectl expect the sim's own commands to
    follow; else the default. ``sim up`` uses ``default_path``: it must never overwrite a kubeconfig.
    """
    if given is not None:
        return given.expanduser().absolute()
    if not os.environ.get(PATH_ENV):
        exported = os.environ.get("KUBECONFIG", "")
        if exported and os.pathsep not in exported and read(Path(exported).expanduser()) is not None:
            return Path(exported).expanduser().absolute()
    return default_path().absolute()


@dataclass(frozen=True)
class SimAccess:
    server: str
    token: str
    pid: int | None
    ca_pem: bytes

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.ca_pem.decode())


def render(server: str, token: str, pid: int, ca_pem: bytes) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": NAME,
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                    "extensions": [{"name": EXTENSION, "extension": {"pid": pid}}],
                },
            }
        ],
        "users": [{"name": NAME, "user": {"token": token}}],
        "contexts": [{"name": NAME, "context": {"cluster": NAME, "user": NAME, "namespace": "default"}}],
        "current-context": NAME,
        "preferences": {},
    }


def write(path: Path, server: str, token: str, pid: int, ca_pem: bytes) -> None:
    """Atomic (write then rename) and private to the user, since the file holds the token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{pid}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(render(server, token, pid, ca_pem), handle, sort_keys=False)
    temporary.replace(path)


def read(path: Path) -> SimAccess | None:
    """None when the file is missing or was not written by the sim."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    cluster = next((c.get("cluster", {}) for c in data.get("clusters") or [] if c.get("name") == NAME), None)
    user = next((u.get("user", {}) for u in data.get("users") or [] if u.get("name") == NAME), None)
    if not cluster or not user:
        return None
    extension: dict[str, Any] = next(
        (e.get("extension", {}) for e in cluster.get("extensions") or [] if e.get("name") == EXTENSION), {}
    )
    pid = extension.get("pid")
    try:
        ca_pem = base64.b64decode(cluster.get("certificate-authority-data", ""))
    except ValueError:
        return None
    return SimAccess(
        str(cluster.get("server", "")), str(user.get("token", "")), int(pid) if pid else None, ca_pem
    )
