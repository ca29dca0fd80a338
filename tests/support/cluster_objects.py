"""Everything a cluster holds, as names, through the real kubectl: what an install must leave behind is
judged by comparing two of these snapshots."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.support.k8s_clients import require_kubectl

KUBECTL_TIMEOUT_S = 120


def kubectl(
    kubeconfig: Path, *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env: Mapping[str, str] = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    done = subprocess.run(
        [str(require_kubectl()), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=KUBECTL_TIMEOUT_S,
        env=dict(env),
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def snapshot(
    kubeconfig: Path, ignore_kinds: frozenset[str] = frozenset({"events", "events.events.k8s.io"})
) -> set[str]:
    """``kind/namespace/name`` of every listable object, events aside (they come and go on their own)."""
    kinds = kubectl(kubeconfig, "api-resources", "--verbs=list", "-o", "name").stdout.split()
    kinds = [k for k in kinds if k not in ignore_kinds]
    listed = kubectl(
        kubeconfig,
        "get",
        ",".join(kinds),
        "--all-namespaces",
        "-o",
        "custom-columns=KIND:.kind,NS:.metadata.namespace,NAME:.metadata.name",
        "--no-headers",
    ).stdout
    return {"/".join(line.split()) for line in listed.splitlines() if line.strip()}
