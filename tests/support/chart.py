"""Render and inspect the Helm chart with the real helm binary.

Chart tests judge what Kubernetes would receive, so they parse ``helm template`` output instead of
reading the templates.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.support.k8s_clients import require_helm

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "charts" / "accelfleet"
RELEASE = "accelfleet"
NAMESPACE = "accelfleet-system"
HELM_TIMEOUT_S = 120

Manifest = dict[str, Any]


def helm(
    *args: str, kubeconfig: Path | None = None, check: bool = True, timeout: float = HELM_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)} if kubeconfig else None
    done = subprocess.run(
        [str(require_helm()), *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def set_args(values: Iterable[str]) -> list[str]:
    """``["a.b=1", ...]`` as helm ``--set`` flags."""
    return [arg for value in values for arg in ("--set", value)]


@functools.cache
def _render(values: tuple[str, ...], include_crds: bool) -> tuple[Manifest, ...]:
    cmd = ["template", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE, *set_args(values)]
    if include_crds:
        cmd.append("--include-crds")
    docs = yaml.safe_load_all(helm(*cmd).stdout)
    return tuple(doc for doc in docs if doc)


def render(*values: str, include_crds: bool = False) -> list[Manifest]:
    """The objects ``helm template`` produces with these ``--set`` values (cached; do not mutate)."""
    return list(_render(tuple(values), include_crds))


def render_error(*values: str) -> str:
    """The error ``helm template`` reports for values it must refuse."""
    done = helm("template", RELEASE, str(CHART_DIR), *set_args(values), check=False)
    assert done.returncode != 0, f"helm accepted {values}"
    return done.stderr


def of_kind(objects: Iterable[Manifest], kind: str) -> list[Manifest]:
    return [obj for obj in objects if obj.get("kind") == kind]


def one(objects: Iterable[Manifest], kind: str, component: str | None = None) -> Manifest:
    found = [
        obj
        for obj in of_kind(objects, kind)
        if component is None or obj["metadata"]["labels"].get("app.kubernetes.io/component") == component
    ]
    assert len(found) == 1, f"expected one {kind} {component or ''}, found {len(found)}"
    return found[0]


def load_documents(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def containers(pod_spec: Manifest) -> Iterator[Manifest]:
    yield from pod_spec.get("initContainers", [])
    yield from pod_spec.get("containers", [])
    yield from pod_spec.get("ephemeralContainers", [])


def expand_args(container: Manifest, field_values: dict[str, str]) -> list[str]:
    """The container's args as the kubelet would pass them: ``$(VAR)`` replaced from its env.

    ``field_values`` gives the downward-API fields (``spec.nodeName`` ...) a process outside a pod
    lacks; plain ``value`` entries are used as they are.
    """
    env: dict[str, str] = {}
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        elif "fieldRef" in entry.get("valueFrom", {}):
            env[entry["name"]] = field_values[entry["valueFrom"]["fieldRef"]["fieldPath"]]
    args: list[str] = []
    for arg in container.get("args", []):
        for name, value in env.items():
            arg = arg.replace(f"$({name})", value)
        args.append(arg)
    return args
