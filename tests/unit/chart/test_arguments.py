"""The workloads' command lines are ones the real ``accelfleet`` command accepts, with the values the
chart was given."""

from __future__ import annotations

import argparse

import pytest

from accelfleet.cli.main import build_parser
from tests.support.chart import containers, expand_args, one, render


def _parsed(kind: str, component: str, *values: str) -> argparse.Namespace:
    (container,) = containers(one(render(*values), kind, component)["spec"]["template"]["spec"])
    args = expand_args(
        container, {"spec.nodeName": "node-a", "metadata.name": "pod", "metadata.namespace": "ns"}
    )
    try:
        return build_parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"accelfleet refuses the chart's arguments: {args}")


def test_operator_arguments_default_to_all_namespaces_with_leader_election() -> None:
    args = _parsed("Deployment", "operator")
    assert args.command == "operator"
    assert args.all_namespaces is True
    assert args.namespace == []
    assert args.metrics_port == 8080
    assert args.log_format == "json"
    assert args.peering == "accelfleet-operator"
    assert args.standalone is False
    assert args.lease_seconds == 15


def test_operator_arguments_follow_the_values() -> None:
    args = _parsed(
        "Deployment",
        "operator",
        "operator.namespaces={team-a,team-b}",
        "operator.metricsPort=9090",
        "operator.logFormat=text",
        "operator.leaseSeconds=30",
    )
    assert args.namespace == ["team-a", "team-b"]
    assert args.all_namespaces is False
    assert (args.metrics_port, args.log_format, args.lease_seconds) == (9090, "text", 30)


def test_device_plugin_arguments_name_the_node_and_the_kubelet_directory() -> None:
    args = _parsed(
        "DaemonSet", "device-plugin", "devicePlugin.deviceSpecs=never", "devicePlugin.metricsPort=9999"
    )
    assert args.command == "deviceplugin"
    assert args.node == "node-a"
    assert args.kubelet_dir == "/var/lib/kubelet/device-plugins"
    assert (args.device_specs, args.metrics_port, args.log_level) == ("never", 9999, "info")
