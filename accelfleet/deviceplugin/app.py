"""Wires a source, the runtime and the HTTP endpoints together and runs them until a signal stops them."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from typing import Any

from accelfleet.deviceplugin.advertisement import Advertisement
from accelfleet.deviceplugin.allocate import DeviceSpecsMode
from accelfleet.deviceplugin.metrics import PluginMetrics
from accelfleet.deviceplugin.pod_annotations import PodAnnotationWriter
from accelfleet.deviceplugin.profile import CardProfile
from accelfleet.deviceplugin.runtime import PluginRuntime
from accelfleet.deviceplugin.sockets import DEFAULT_POD_RESOURCES_INTERVAL_S
from accelfleet.deviceplugin.sources import KubeSource, follow_unhealthy_file, publish
from accelfleet.deviceplugin.state import AdvertisementState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StandaloneSource:
    profile: CardProfile
    count: int
    unhealthy_file: str | None = None


@dataclass(frozen=True)
class NodeSource:
    api_client: Any
    node_name: str


@dataclass(frozen=True)
class PluginOptions:
    kubelet_dir: str
    source: StandaloneSource | NodeSource
    specs_mode: DeviceSpecsMode = DeviceSpecsMode.AUTO
    metrics_address: str = "0.0.0.0"
    metrics_port: int = 0
    # The kubelet's PodResources socket; None leaves pods' allocated-cards annotations to others.
    pod_resources_socket: str | None = None
    pod_resources_interval: float = DEFAULT_POD_RESOURCES_INTERVAL_S


async def run_plugin(options: PluginOptions) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    state = AdvertisementState()
    metrics = PluginMetrics()

    def publish_to(advertisement: Advertisement) -> None:
        publish(state, metrics, advertisement)

    background: list[asyncio.Task[None]] = []
    kube: KubeSource | None = None
    writer: PodAnnotationWriter | None = None
    source = options.source
    if isinstance(source, NodeSource) and options.pod_resources_socket:
        # Standalone mode has no API to write pods through.
        writer = PodAnnotationWriter(
            options.pod_resources_socket,
            source.api_client,
            source.node_name,
            state,
            metrics,
            interval=options.pod_resources_interval,
        )
        background.append(asyncio.create_task(writer.run()))
    runtime = PluginRuntime(
        options.kubelet_dir,
        state,
        metrics,
        options.specs_mode,
        on_allocated=writer.allocated if writer is not None else None,
    )
    if isinstance(source, StandaloneSource):
        background.append(
            asyncio.create_task(
                follow_unhealthy_file(source.profile, source.count, source.unhealthy_file, publish_to)
            )
        )
    else:
        kube = KubeSource(source.api_client, source.node_name, loop, publish_to)
        kube.start()

    runner = None
    if options.metrics_port:
        # Imported only when serving: the simulated cluster starts one plugin per node without
        # metrics, and aiohttp is a third of the plugin's start-up time.
        from accelfleet.deviceplugin.observability import health_report
        from accelfleet.observability import serve_metrics

        runner = await serve_metrics(
            options.metrics_address,
            options.metrics_port,
            lambda: health_report(runtime),
            runtime.metrics.registry,
        )
        log.info("metrics and health on %s:%d", options.metrics_address, options.metrics_port)
    try:
        await runtime.run(stop)
    finally:
        if kube is not None:
            kube.stop()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if runner is not None:
            await runner.cleanup()
    log.info("stopped")
