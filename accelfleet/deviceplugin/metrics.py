"""Prometheus metrics of one plugin process, in a registry of its own (tests start several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from accelfleet.deviceplugin.advertisement import Advertisement


class PluginMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.cards = Gauge(
            "accelfleet_deviceplugin_cards",
            "Cards advertised to the kubelet, by resource and health.",
            ["resource", "health"],
            registry=self.registry,
        )
        self.allocations = Counter(
            "accelfleet_deviceplugin_allocations",
            "Containers the kubelet allocated cards to.",
            ["resource"],
            registry=self.registry,
        )
        self.allocated_cards = Counter(
            "accelfleet_deviceplugin_allocated_cards",
            "Cards handed to containers by Allocate.",
            ["resource"],
            registry=self.registry,
        )
        self.registrations = Counter(
            "accelfleet_deviceplugin_registrations",
            "Registration attempts with the kubelet, by result.",
            ["resource", "result"],
            registry=self.registry,
        )
        self.pod_annotations = Counter(
            "accelfleet_deviceplugin_pod_annotations",
            "Pods whose allocated-cards annotation the plugin wrote from the kubelet's PodResources API.",
            ["resource"],
            registry=self.registry,
        )
        self.config_problem = Gauge(
            "accelfleet_deviceplugin_config_problem",
            "1 while the Node's labels or the AccelCard keep the plugin from advertising cards.",
            registry=self.registry,
        )

    def observe(self, advertisement: Advertisement) -> None:
        self.cards.clear()
        self.config_problem.set(1 if advertisement.problem else 0)
        resource = advertisement.resource_name
        if resource is None:
            return
        healthy = advertisement.healthy_count()
        self.cards.labels(resource=resource, health="Healthy").set(healthy)
        self.cards.labels(resource=resource, health="Unhealthy").set(len(advertisement.cards) - healthy)

    def allocated(self, resource: str, cards: int) -> None:
        self.allocations.labels(resource=resource).inc()
        self.allocated_cards.labels(resource=resource).inc(cards)

    def registration(self, resource: str, ok: bool) -> None:
        self.registrations.labels(resource=resource, result="success" if ok else "failure").inc()

    def pod_annotated(self, resource: str) -> None:
        self.pod_annotations.labels(resource=resource).inc()
