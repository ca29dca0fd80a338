"""A kind cluster made the way the README's "Try it on kind" section says: ``hack/kind-up.sh``.

pytest-kind creates the cluster from ``hack/kind/cluster.yaml`` (so the suite owns its kubeconfig);
kind-up.sh then builds and loads the image, installs the chart and applies the platform and a gang,
exactly as a user runs it, and ``hack/kind-down.sh`` deletes the cluster at the end. Everything here needs Docker and kind, and is
skipped with the reason when either is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.chart import REPO_ROOT
from tests.support.k8s_clients import helm_path, kubectl_path

CLUSTER_NAME = "accelfleet-e2e"
IMAGE = "accelfleet:e2e"
KIND_UP_TIMEOUT_S = 1200


def missing_prerequisite() -> str | None:
    """Why the kind suite cannot run here, or None."""
    if shutil.which("kind") is None:
        return "kind is not installed (the e2e suite creates a kind cluster)"
    if shutil.which("docker") is None:
        return "the docker client is not installed"
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "no Docker engine answers ('docker info' timed out)"
    if info.returncode != 0:
        return "no Docker engine answers ('docker info' failed)"
    if kubectl_path() is None or helm_path() is None:
        return "real kubectl and helm are unavailable (hack/get-k8s-clients.py)"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = missing_prerequisite()
    e2e_dir = Path(__file__).parent
    for item in items:
        if e2e_dir in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.kind)
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass(frozen=True)
class KindHandle:
    kubeconfig: Path
    kubectl: Path
    helm: Path
    context: str

    def env(self) -> dict[str, str]:
        tools = f"{self.kubectl.parent}{os.pathsep}{self.helm.parent}"
        return {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
        }

    def run(
        self, *cmd: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            list(cmd), input=stdin, capture_output=True, text=True, env=self.env(), timeout=600, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
        return done

    def kubectl_(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.kubectl), "--context", self.context, *args, stdin=stdin, check=check)


@pytest.fixture(scope="session")
def kind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KindHandle]:
    from pytest_kind import KindCluster

    kubectl, helm = kubectl_path(), helm_path()
    assert kubectl is not None
    assert helm is not None
    kubeconfig = tmp_path_factory.mktemp("kind") / "kubeconfig"
    kind_bin = shutil.which("kind")
    assert kind_bin is not None
    cluster = KindCluster(CLUSTER_NAME, kubeconfig=kubeconfig, kind_path=Path(kind_bin), kubectl_path=kubectl)
    cluster.create(config_file=REPO_ROOT / "hack" / "kind" / "cluster.yaml")
    handle = KindHandle(kubeconfig, kubectl, helm, f"kind-{CLUSTER_NAME}")
    try:
        handle.run(
            "env",
            f"KIND_CLUSTER_NAME={CLUSTER_NAME}",
            f"IMAGE={IMAGE}",
            str(REPO_ROOT / "hack" / "kind-up.sh"),
        )
        yield handle
    finally:
        down = handle.run(
            "env", f"KIND_CLUSTER_NAME={CLUSTER_NAME}", str(REPO_ROOT / "hack" / "kind-down.sh"), check=False
        )
        if down.returncode != 0:
            cluster.delete()
