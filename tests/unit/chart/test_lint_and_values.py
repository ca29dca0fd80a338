"""The chart lints clean and refuses bad values with a message naming the key."""

from __future__ import annotations

import pytest

from tests.support.chart import CHART_DIR, helm, render, render_error


def test_helm_lint_strict_is_clean() -> None:
    done = helm("lint", "--strict", str(CHART_DIR), check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[WARNING]" not in done.stdout
    assert "[ERROR]" not in done.stdout


def test_helm_lint_is_clean_with_every_option_on() -> None:
    done = helm(
        "lint",
        "--strict",
        str(CHART_DIR),
        "--set",
        "platforms.install=true,metrics.serviceMonitor.enabled=true,operator.namespaces={team-a,team-b}",
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("operator.replicas=-1", "/operator/replicas"),
        ("image.pullPolicy=Sometimes", "/image/pullPolicy"),
        ("devicePlugin.deviceSpecs=maybe", "/devicePlugin/deviceSpecs"),
        ("operator.logFormat=xml", "/operator/logFormat"),
        ("platforms.preset=huge", "/platforms/preset"),
        ("devicePlugin.kubeletDir=relative/dir", "/devicePlugin/kubeletDir"),
        ("operator.metricsPort=70000", "/operator/metricsPort"),
        ("operator.namespaces={Bad_Name}", "/operator/namespaces/0"),
        ("catalog.instal=true", "instal"),
    ],
)
def test_bad_values_are_refused_naming_the_key(value: str, named: str) -> None:
    error = render_error(value)
    assert "values don't meet the specifications of the schema" in error
    assert named in error


def test_service_monitor_without_the_service_is_refused() -> None:
    error = render_error("metrics.serviceMonitor.enabled=true", "metrics.service.enabled=false")
    assert "metrics.serviceMonitor.enabled needs metrics.service.enabled" in error


def test_default_values_render() -> None:
    kinds = sorted({obj["kind"] for obj in render()})
    assert kinds == [
        "AccelCard",
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "DaemonSet",
        "Deployment",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]
