"""The Grafana dashboard charts only metrics the operator exports; the ServiceMonitor scrapes the
metrics Service, and only when asked for."""

from __future__ import annotations

import json
import re
from typing import Any

from prometheus_client.metrics import MetricWrapperBase

from tests.support.chart import of_kind, one, render

METRIC = re.compile(r"\baccelfleet_[a-z_]+")


def _operator_series() -> set[str]:
    """Series names the operator's metrics produce (counters gain _total, histograms _bucket...)."""
    import accelfleet.operator.metrics as metrics

    names: set[str] = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(
                    family.type, [""]
                )
                names |= {family.name + suffix for suffix in suffixes}
    return names


def _dashboard() -> dict[str, Any]:
    config_map = one(render(), "ConfigMap")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard: dict[str, Any] = json.loads(config_map["data"]["accelfleet.json"])
    return dashboard


def test_dashboard_panels_query_only_operator_metrics() -> None:
    known = _operator_series()
    exprs = [t["expr"] for panel in _dashboard()["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in METRIC.findall(expr)}
    assert used, "the dashboard queries nothing"
    assert used <= known, f"unknown metrics: {sorted(used - known)}"


def test_dashboard_covers_jobs_cards_and_placement_latency() -> None:
    used = {
        name
        for panel in _dashboard()["panels"]
        for t in panel["targets"]
        for name in METRIC.findall(t["expr"])
    }
    for needed in ("accelfleet_aijobs", "accelfleet_cards", "accelfleet_placement_duration_seconds_bucket"):
        assert needed in used


def test_dashboard_panels_have_unique_ids_and_a_datasource_variable() -> None:
    dashboard = _dashboard()
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert any(v["type"] == "datasource" for v in dashboard["templating"]["list"])


def test_service_monitor_is_off_by_default() -> None:
    assert of_kind(render(), "ServiceMonitor") == []


def test_service_monitor_scrapes_the_metrics_service_port() -> None:
    objects = render("metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.labels.release=prom")
    monitor = one(objects, "ServiceMonitor")
    service = one(objects, "Service", "operator")
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == [p["name"] for p in service["spec"]["ports"]]


def test_metrics_service_targets_the_operator_pods_metrics_port() -> None:
    objects = render()
    service = one(objects, "Service", "operator")
    pod = one(objects, "Deployment", "operator")["spec"]["template"]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] == "metrics"
    assert [p["name"] for p in pod["spec"]["containers"][0]["ports"]] == ["metrics"]
