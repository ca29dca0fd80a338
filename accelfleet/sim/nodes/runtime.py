"""Everything node-side of the simulated cluster, started once the API serves.

NodeRuntime wires the card catalog, the scheduler, the kubelets (with plugin or static devices),
the preset's nodes and the platform-following nodes together, and stops them in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from accelfleet.sim.builtin_types import ACCELCARDS, NAMESPACES, NODES
from accelfleet.sim.nodes.cards import CardCatalog, builtin_card_models
from accelfleet.sim.nodes.device_manager import DEFAULT_GRACE_PERIOD_SECONDS
from accelfleet.sim.nodes.devices import ResourceAmount
from accelfleet.sim.nodes.events import EventRecorder
from accelfleet.sim.nodes.informer import Informer
from accelfleet.sim.nodes.kubelet import DeviceProvider, Kubelet
from accelfleet.sim.nodes.node_factory import PlannedNode, node_object, plan_nodes
from accelfleet.sim.nodes.node_status import NodeFacts, desired_node_status, node_ip
from accelfleet.sim.nodes.platforms import PlatformNodes
from accelfleet.sim.nodes.plugin_processes import PluginProvider
from accelfleet.sim.nodes.presets import STATIC_MODE, Fleet, load_fleet, resolve_mode
from accelfleet.sim.nodes.presets import validate_preset as _validate_preset
from accelfleet.sim.nodes.scheduler import Scheduler
from accelfleet.sim.nodes.sim_names import NODE_LEASE_NAMESPACE, ORIGIN_PRESET, SCHEDULER_NAME
from accelfleet.sim.nodes.static_devices import StaticProvider
from accelfleet.sim.nodes.tasks import cancel_all
from accelfleet.sim.objects import now_rfc3339
from accelfleet.sim.store import AlreadyExistsError, Object, Store, WatchEventType

log = logging.getLogger(__name__)


def validate_preset(preset: str) -> None:
    """Raise ValueError (one line) if ``sim up --preset`` could not start with this preset."""
    _validate_preset(preset)


class NodeRuntime:
    def __init__(
        self,
        store: Store,
        *,
        preset: str | None,
        work_dir: Path,
        kubeconfig: Path,
        node_mode: str | None = None,
        plugin_grace_period: float = DEFAULT_GRACE_PERIOD_SECONDS,
    ) -> None:
        self._store = store
        self._preset = preset
        self._work_dir = work_dir
        self._kubeconfig = kubeconfig
        self._node_mode = node_mode
        self._grace_period = plugin_grace_period
        self._catalog = CardCatalog(builtin_card_models())
        self._cards = Informer(store, ACCELCARDS, self._on_card)
        self._tasks: list[asyncio.Task[None]] = []
        self._plugins: PluginProvider | None = None
        self.mode = STATIC_MODE
        self.scheduler: Scheduler | None = None
        self.kubelet: Kubelet | None = None
        self.platforms: PlatformNodes | None = None
        self.startup_seconds = 0.0

    async def start(self) -> None:
        began = time.monotonic()
        fleet = load_fleet(self._preset) if self._preset else None
        self.mode = resolve_mode(fleet, self._node_mode)
        with contextlib.suppress(AlreadyExistsError):
            await self._store.create(NAMESPACES, {"metadata": {"name": NODE_LEASE_NAMESPACE}})
        cards_rv = await self._cards.sync()
        self._tasks.append(asyncio.create_task(self._cards.run(cards_rv)))
        provider: DeviceProvider = StaticProvider(self._catalog)
        if self.mode != STATIC_MODE:
            self._plugins = PluginProvider(
                self._work_dir / "kubelet",
                self._kubeconfig,
                grace_period=self._grace_period,
                fallback=provider,
                active_pods=self._active_pods,
            )
            provider = self._plugins
        if fleet is not None:
            await self._create_preset_nodes(fleet)
        self.scheduler = Scheduler(self._store, EventRecorder(self._store, SCHEDULER_NAME))
        await self.scheduler.start()
        self.kubelet = Kubelet(self._store, provider, EventRecorder(self._store, "kubelet"))
        await self.kubelet.start()
        self.platforms = PlatformNodes(self._store)
        await self.platforms.start()
        self.startup_seconds = time.monotonic() - began
        log.info(
            "nodes: %s mode, %d preset nodes ready in %.1f s",
            self.mode,
            fleet.node_count if fleet else 0,
            self.startup_seconds,
        )

    async def stop(self) -> None:
        for part in (self.platforms, self.kubelet, self.scheduler):
            if part is not None:
                await part.stop()
        if self._plugins is not None:
            await self._plugins.stop()
        await cancel_all(self._tasks)
        self._tasks = []

    def _active_pods(self, node: str) -> list[Object]:
        return self.kubelet.active_pods(node) if self.kubelet is not None else []

    def _on_card(self, event_type: WatchEventType, card: Object) -> None:
        name = card["metadata"]["name"]
        changed = self._catalog.remove(name) if event_type == "DELETED" else self._catalog.apply(card)
        if changed and self.kubelet is not None:
            self.kubelet.refresh_devices()

    async def _create_preset_nodes(self, fleet: Fleet) -> None:
        """Create the preset's nodes already carrying their first status, so start-up costs one write each."""
        now = now_rfc3339()
        index = 0
        for platform in fleet.platforms:
            for planned in plan_nodes(platform.name, platform.pools):
                node = node_object(planned, ORIGIN_PRESET)
                node["status"] = desired_node_status(None, self._initial_facts(planned, index), now)
                index += 1
                with contextlib.suppress(AlreadyExistsError):
                    await self._store.create(NODES, node)
            await asyncio.sleep(0)

    def _initial_facts(self, planned: PlannedNode, index: int) -> NodeFacts:
        devices: dict[str, ResourceAmount] = {}
        card = self._catalog.get(planned.card)
        if self.mode == STATIC_MODE and card is not None:
            devices[card.resource_name] = ResourceAmount(planned.card_count, planned.card_count)
        return NodeFacts(planned.name, node_ip(index), devices=devices)
