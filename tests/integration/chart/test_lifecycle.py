"""Install, upgrade and uninstall the chart on a simulated cluster, the way docs/install.md says.

The simulated cluster runs no containers: these tests judge the objects Helm creates, changes and
removes. test_processes.py runs the operator and device plugin with the chart's arguments.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.chart import CHART_DIR, NAMESPACE, RELEASE, REPO_ROOT, helm, load_documents
from tests.support.cluster_objects import kubectl, snapshot

pytestmark = pytest.mark.slow

CATALOG_SIZE = len(
    [d for d in load_documents(CHART_DIR / "files" / "catalog.yaml") if d["kind"] == "AccelCard"]
)


def _names(kubeconfig: Path, *args: str) -> list[str]:
    return kubectl(kubeconfig, "get", *args, "-o", "name").stdout.split()


def _prepare_namespace(kubeconfig: Path) -> None:
    kubectl(kubeconfig, "create", "namespace", NAMESPACE)
    kubectl(kubeconfig, "label", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce=privileged")


def test_rendered_chart_passes_server_side_dry_run(sim_kubeconfig: Path) -> None:
    """The API server accepts every object (schema, field validation) without storing any; so do
    the platform and job that hack/kind-up.sh applies."""
    before = snapshot(sim_kubeconfig)
    kubectl(sim_kubeconfig, "apply", "--server-side", "-f", str(CHART_DIR / "crds"))
    kubectl(sim_kubeconfig, "wait", "--for=condition=Established", "crd", "--all", "--timeout=30s")
    _prepare_namespace(sim_kubeconfig)
    try:
        for values in ([], ["--set", "platforms.install=true"]):
            rendered = helm("template", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE, *values).stdout
            done = kubectl(
                sim_kubeconfig, "apply", "--dry-run=server", "-f", "-", stdin=rendered, check=False
            )
            assert done.returncode == 0, done.stderr
            assert "(server dry run)" in done.stdout
        for manifest in ("platform.yaml", "job.yaml"):
            done = kubectl(
                sim_kubeconfig, "apply", "--dry-run=server", "-f", str(REPO_ROOT / "hack" / "kind" / manifest)
            )
            assert "(server dry run)" in done.stdout
        assert _names(sim_kubeconfig, "accelcards") == []
        assert _names(sim_kubeconfig, "deployments", "-n", NAMESPACE) == []
    finally:
        kubectl(sim_kubeconfig, "delete", "namespace", NAMESPACE, "--wait=true")
        kubectl(sim_kubeconfig, "delete", "-f", str(CHART_DIR / "crds"), "--wait=true")
    assert snapshot(sim_kubeconfig) == before


def test_install_upgrade_uninstall_leaves_nothing_behind(sim_kubeconfig: Path) -> None:
    before = snapshot(sim_kubeconfig)
    _prepare_namespace(sim_kubeconfig)

    installed = helm("install", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE, kubeconfig=sim_kubeconfig)
    assert "kubectl apply -f examples/jobs/single-node.yaml" in installed.stdout
    assert "kubectl get aij -w" in installed.stdout
    assert len(_names(sim_kubeconfig, "accelcards")) == CATALOG_SIZE
    assert _names(sim_kubeconfig, "scalexplatforms") == []
    assert _names(sim_kubeconfig, "deployments,daemonsets,services", "-n", NAMESPACE) == [
        f"deployment.apps/{RELEASE}-operator",
        f"daemonset.apps/{RELEASE}-device-plugin",
        f"service/{RELEASE}-operator-metrics",
    ]

    helm(
        "upgrade", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE,
        "--set", "platforms.install=true,operator.replicas=2,devicePlugin.enabled=false",
        kubeconfig=sim_kubeconfig,
    )  # fmt: skip
    assert sorted(_names(sim_kubeconfig, "scalexplatforms")) == [
        "scalexplatform.accelfleet.io/zz1",
        "scalexplatform.accelfleet.io/zz2",
        "scalexplatform.accelfleet.io/zz3",
    ]
    replicas = kubectl(
        sim_kubeconfig,
        "get",
        "deployment",
        f"{RELEASE}-operator",
        "-n",
        NAMESPACE,
        "-o",
        "jsonpath={.spec.replicas}",
    ).stdout
    assert replicas == "2"
    assert _names(sim_kubeconfig, "daemonsets", "-n", NAMESPACE) == []
    assert _names(sim_kubeconfig, "clusterrole", f"{RELEASE}-device-plugin", "--ignore-not-found") == []

    history = helm(
        "history", RELEASE, "--namespace", NAMESPACE, "-o", "json", kubeconfig=sim_kubeconfig
    ).stdout
    assert '"revision":2' in history.replace(" ", "")

    helm("uninstall", RELEASE, "--namespace", NAMESPACE, "--wait", kubeconfig=sim_kubeconfig)
    # Helm never deletes CRDs (that would delete every AIJob); removing them is the documented last step.
    kubectl(sim_kubeconfig, "delete", "-f", str(CHART_DIR / "crds"), "--wait=true")
    kubectl(sim_kubeconfig, "delete", "namespace", NAMESPACE, "--wait=true")
    assert snapshot(sim_kubeconfig) == before


def test_bad_values_are_refused_before_any_release_object_is_created(sim_kubeconfig: Path) -> None:
    """Helm applies crds/ before it checks values, so the CRDs are the only trace of a refused install."""
    before = snapshot(sim_kubeconfig)
    done = helm(
        "install", RELEASE, str(CHART_DIR), "--namespace", "default", "--set", "devicePlugin.deviceSpecs=maybe",
        kubeconfig=sim_kubeconfig, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "/devicePlugin/deviceSpecs" in done.stderr
    left = snapshot(sim_kubeconfig) - before
    assert {name.split("/")[0] for name in left} <= {"CustomResourceDefinition"}
    assert helm("list", "--all-namespaces", "-q", kubeconfig=sim_kubeconfig).stdout.strip() == ""
    kubectl(sim_kubeconfig, "delete", "-f", str(CHART_DIR / "crds"), "--ignore-not-found", "--wait=true")
    assert snapshot(sim_kubeconfig) == before
