"""Follow the README's "Install on a cluster" section command by command on a simulated cluster.

Two steps cannot run as written there, and the test says so rather than skipping them silently:
- ``docker build/push``: no registry here; tests/integration/chart/test_image.py builds the image.
- ``kubectl rollout status`` of the operator: the simulated cluster runs no containers, so the test
  starts the operator process with the installed Deployment's own arguments and waits for the
  ``/healthz`` its readiness probe asks (on a free port instead of 8080, which may be taken here).
Everything else runs verbatim with the real kubectl and helm, and at the end the cluster holds
exactly what it held before.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.chart import NAMESPACE, REPO_ROOT, expand_args
from tests.support.cluster_objects import kubectl, snapshot
from tests.support.k8s_clients import require_helm, require_kubectl
from tests.support.kubelet_harness import wait_for
from tests.support.processes import free_port, healthz, running
from tests.support.readme_steps import readme_commands
from tests.support.sim import SimHandle, running_sim

pytestmark = pytest.mark.slow

SECTION = "Install on a cluster"
STEP_TIMEOUT_S = 360


@pytest.fixture
def static_sim() -> Iterator[SimHandle]:
    """Static node mode: the platforms' nodes get capacity from labels, no plugin process per node."""
    with running_sim(extra_args=["--node-mode", "static"]) as handle:
        yield handle


def _operator_like_the_deployment(kubeconfig: Path, log: Path, stack: ExitStack) -> None:
    deployment = json.loads(
        kubectl(kubeconfig, "get", "deployment", "accelfleet-operator", "-n", NAMESPACE, "-o", "json").stdout
    )
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = expand_args(container, {"metadata.name": "accelfleet-operator-0", "metadata.namespace": NAMESPACE})
    port = free_port()
    args[args.index("--metrics-port") + 1] = str(port)
    env = {"POD_NAME": "accelfleet-operator-0", "POD_NAMESPACE": NAMESPACE}
    stack.enter_context(running(args, kubeconfig, log, env))
    wait_for(lambda: healthz(port), timeout=60)


def test_install_on_a_cluster_as_the_readme_says(static_sim: SimHandle, tmp_path: Path) -> None:
    steps = readme_commands(REPO_ROOT / "README.md", SECTION)
    assert any(step.startswith("helm install") for step in steps)
    assert any(step.startswith("helm uninstall") for step in steps)
    tools = f"{require_kubectl().parent}{os.pathsep}{require_helm().parent}"
    env = {
        **os.environ,
        "KUBECONFIG": str(static_sim.kubeconfig),
        "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
    }
    before = snapshot(static_sim.kubeconfig)
    with ExitStack() as stack:
        for step in steps:
            words = shlex.split(step)
            if words[0] == "docker":
                continue
            if words[:2] == ["kubectl", "-n"] and "rollout" in words:
                _operator_like_the_deployment(static_sim.kubeconfig, tmp_path / "operator.log", stack)
                continue
            done = subprocess.run(
                ["bash", "-c", step],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=STEP_TIMEOUT_S,
                check=False,
            )
            assert done.returncode == 0, f"README step failed: {step}\n{done.stdout}\n{done.stderr}"
    assert snapshot(static_sim.kubeconfig) == before
