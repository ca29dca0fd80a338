"""Build the image from the Dockerfile and run the operator from it against the simulated cluster,
the way the chart's Deployment runs it: read-only root, non-root user, no capabilities.

Needs a Docker engine and a base image present locally (``ACCELFLEET_BASE_IMAGE``, default
``python:3.11-slim``); no registry is needed: the package's dependencies are built into a wheelhouse
here and installed offline (``PIP_INSTALL_ARGS``). Skipped, saying why, when either is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.chart import NAMESPACE, REPO_ROOT, containers, expand_args, one, render
from tests.support.cluster_objects import kubectl
from tests.support.kubelet_harness import wait_for
from tests.support.processes import free_port, healthz
from tests.support.sim import SimHandle

# Building the wheelhouse and the image takes minutes on a busy machine; the fixture counts toward the first test.
pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1800)]

BASE_IMAGE = os.environ.get("ACCELFLEET_BASE_IMAGE", "python:3.11-slim")
IMAGE = "accelfleet:test"
BUILD_TIMEOUT_S = 1200


def _docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done


def _engine_problem() -> str | None:
    if shutil.which("docker") is None:
        return "the docker client is not installed"
    try:
        if _docker("info", timeout=30, check=False).returncode != 0:
            return "no Docker engine answers ('docker info' failed)"
    except subprocess.TimeoutExpired:
        return "no Docker engine answers ('docker info' timed out)"
    if _docker("image", "inspect", BASE_IMAGE, check=False).returncode != 0:
        return (
            f"base image {BASE_IMAGE} is not present locally (set ACCELFLEET_BASE_IMAGE; see docs/install.md)"
        )
    return None


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    problem = _engine_problem()
    if problem is not None:
        pytest.skip(problem)
    context = tmp_path_factory.mktemp("image-context")
    for name in ("Dockerfile", "pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, context / name)
    shutil.copytree(
        REPO_ROOT / "accelfleet", context / "accelfleet", ignore=shutil.ignore_patterns("__pycache__")
    )
    wheel_dir = str(context / "wheels")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--wheel-dir",
            wheel_dir,
            str(context),
            "setuptools>=69",
            "wheel",
        ],
        capture_output=True,
        timeout=BUILD_TIMEOUT_S,
        check=True,
    )
    _docker(
        "build", "--quiet", "--tag", IMAGE, "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
        "--build-arg", "PIP_INSTALL_ARGS=--no-index --find-links=wheels", str(context),
        timeout=BUILD_TIMEOUT_S,
    )  # fmt: skip
    try:
        yield IMAGE
    finally:
        _docker("image", "rm", "--force", IMAGE, check=False)


def test_image_runs_as_the_numeric_non_root_user(image: str) -> None:
    assert _docker("run", "--rm", "--entrypoint", "id", image).stdout.startswith("uid=65532(accelfleet) ")
    assert _docker("run", "--rm", image, "--version").stdout.startswith("accelfleet ")


def test_operator_image_serves_the_simulated_cluster_like_the_deployment(
    image: str, sim_cluster: SimHandle, tmp_path: Path
) -> None:
    kubectl(sim_cluster.kubeconfig, "create", "namespace", NAMESPACE)
    port = free_port()
    (container,) = containers(
        one(render(f"operator.metricsPort={port}"), "Deployment", "operator")["spec"]["template"]["spec"]
    )
    args = expand_args(container, {"metadata.name": "operator-0", "metadata.namespace": NAMESPACE})
    kubeconfig = tmp_path / "kubeconfig"
    shutil.copy(sim_cluster.kubeconfig, kubeconfig)
    kubeconfig.chmod(0o644)
    name = f"accelfleet-operator-test-{port}"
    _docker(
        "run", "--detach", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "65532:65532",
        "--volume", f"{kubeconfig}:/etc/accelfleet/kubeconfig:ro", "--env", "KUBECONFIG=/etc/accelfleet/kubeconfig",
        "--env", f"POD_NAMESPACE={NAMESPACE}", image, *args,
    )  # fmt: skip
    try:
        wait_for(lambda: healthz(port), timeout=60)
        lease = kubectl(sim_cluster.kubeconfig, "get", "lease", "-n", NAMESPACE, "-o", "name").stdout
        assert lease.split() == ["lease.coordination.k8s.io/accelfleet-operator"]
    finally:
        logs = _docker("logs", name, check=False)
        _docker("rm", "--force", name, check=False)
        kubectl(sim_cluster.kubeconfig, "delete", "namespace", NAMESPACE, "--wait=true")
    assert "Traceback" not in logs.stdout + logs.stderr
