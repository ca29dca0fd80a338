"""What the plugin's ``/healthz`` says (served with ``/metrics`` by ``accelfleet.observability``)."""

from __future__ import annotations

from accelfleet.deviceplugin.runtime import PluginRuntime


def health_report(runtime: PluginRuntime) -> tuple[bool, str]:
    """503 only when the plugin cannot serve its socket; waiting for labels or the kubelet is healthy."""
    advertisement = runtime.state.current
    lines = [
        f"resource: {advertisement.resource_name or '-'}",
        f"cards: {len(advertisement.cards)} (healthy {advertisement.healthy_count()})",
        f"registered: {'yes' if runtime.registered else 'no'}",
    ]
    if advertisement.problem:
        lines.append(f"problem: {advertisement.problem}")
    if runtime.serving_failed:
        return False, "\n".join(["cannot serve the plugin socket", *lines])
    return True, "\n".join(["ok", *lines])
