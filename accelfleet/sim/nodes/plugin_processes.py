"""Plugin mode: every simulated node gets its own kubelet socket directory and a real device plugin.

The plugin is the project's ``accelfleet deviceplugin`` process, started exactly as a DaemonSet pod
would run it (``--node``, ``--kubelet-dir``, ``--pod-resources-socket``, ``KUBECONFIG``), so the
simulated kubelet and the real plugin meet only over the kubelet's gRPC APIs: device-plugin and
PodResources, each node serving both from its own directory. A plugin that exits is restarted with
backoff, like a DaemonSet pod. Each plugin is started with the parent-death signal set (Linux
``PR_SET_PDEATHSIG``), so plugins die with the sim even if the sim is killed with SIGKILL. Beyond
``max_plugins`` nodes the remaining nodes fall back to static devices: thousands of plugin processes
would exhaust the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from accelfleet.sim.nodes.device_manager import KUBELET_SOCKET, MAX_UNIX_PATH, DeviceManager
from accelfleet.sim.nodes.devices import DeviceBackend
from accelfleet.sim.nodes.kubelet import DeviceProvider
from accelfleet.sim.nodes.pod_resources import PodResourcesServer, pod_resources_socket
from accelfleet.sim.store import Object

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_PLUGINS = 64
MAX_RESTART_BACKOFF_SECONDS = 30.0
# Room left in a unix socket path for the plugin's own socket name inside the node directory.
SOCKET_NAME_ROOM = 40

CommandFactory = Callable[[str, Path], list[str]]
ActivePods = Callable[[str], list[Object]]  # node name -> its admitted, unfinished pods


PLUGIN_COMMAND_ENV = "ACCELFLEET_SIM_DEVICE_PLUGIN"


def plugin_command(node: str, kubelet_dir: Path) -> list[str]:
    """The plugin each node runs: ours, or the command in ACCELFLEET_SIM_DEVICE_PLUGIN.

    The override is a shell-style command line whose ``{node}``, ``{kubelet_dir}`` and
    ``{pod_resources_socket}`` are filled in, so another plugin (a vendor's, or a test harness) can be
    run against the simulated kubelets.
    """
    pod_resources = pod_resources_socket(kubelet_dir)
    override = os.environ.get(PLUGIN_COMMAND_ENV)
    if override:
        return [
            part.format(node=node, kubelet_dir=kubelet_dir, pod_resources_socket=pod_resources)
            for part in shlex.split(override)
        ]
    return [
        sys.executable,
        "-m",
        "accelfleet",
        "deviceplugin",
        "--node",
        node,
        "--kubelet-dir",
        str(kubelet_dir),
        "--pod-resources-socket",
        str(pod_resources),
        "--metrics-port",
        "0",
    ]


def node_directory(base: Path, node: str) -> Path:
    """``base/<node>``, or a short stable hash of the name when that path would be too long."""
    direct = base / node
    if len(str(direct / KUBELET_SOCKET)) + SOCKET_NAME_ROOM <= MAX_UNIX_PATH:
        return direct
    return base / hashlib.sha256(node.encode()).hexdigest()[:12]


# Runs in the child before it becomes the plugin: ask the kernel to SIGTERM it when the sim dies
# (the setting survives exec), and give up at once if the sim is already gone.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "parent = int(sys.argv[1])\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
    "sys.exit(0) if os.getppid() != parent else os.execv(sys.argv[2], sys.argv[2:])\n"
)


def with_parent_death_signal(command: list[str]) -> list[str]:
    """``command`` wrapped so that it is terminated when this process dies, even by SIGKILL.

    Spawning through a wrapper rather than a ``preexec_fn`` keeps the fork free of Python code,
    which a process running gRPC threads must avoid.
    """
    return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *command]


@dataclass
class _PluginNode:
    manager: DeviceManager
    pod_resources: PodResourcesServer
    supervisor: asyncio.Task[None] | None = None
    process: asyncio.subprocess.Process | None = None


class PluginProvider:
    """Kubelet DeviceProvider for plugin mode."""

    def __init__(
        self,
        base_dir: Path,
        kubeconfig: Path,
        *,
        grace_period: float,
        fallback: DeviceProvider,
        max_plugins: int = DEFAULT_MAX_PLUGINS,
        command: CommandFactory = plugin_command,
        active_pods: ActivePods = lambda node: [],
    ) -> None:
        self._base_dir = base_dir
        self._kubeconfig = kubeconfig
        self._grace_period = grace_period
        self._command = command
        self._active_pods = active_pods
        self._nodes: dict[str, _PluginNode] = {}
        self._fallback = fallback
        self._max_plugins = max_plugins
        self._static: set[str] = set()

    async def attach(self, node: Object, on_change: Callable[[], None]) -> DeviceBackend:
        name = node["metadata"]["name"]
        await self.detach(name)
        if len(self._nodes) >= self._max_plugins:
            if not self._static:
                log.warning("more than %d nodes: further nodes use static devices", self._max_plugins)
            self._static.add(name)
            return await self._fallback.attach(node, on_change)
        directory = node_directory(self._base_dir, name)
        manager = DeviceManager(name, directory, on_change, grace_period=self._grace_period)
        await manager.start()
        pod_resources = PodResourcesServer(
            pod_resources_socket(directory),
            lambda: self._active_pods(name),
            manager.container_devices,
            manager.allocatable_devices,
        )
        await pod_resources.start()
        entry = _PluginNode(manager, pod_resources)
        entry.supervisor = asyncio.create_task(self._supervise(name, directory, entry))
        self._nodes[name] = entry
        return manager

    def refresh(self, node: Object, backend: DeviceBackend) -> bool:
        if node["metadata"]["name"] in self._static:
            return self._fallback.refresh(node, backend)
        return False  # the plugin watches its own Node and reports changes over ListAndWatch

    async def detach(self, name: str) -> None:
        self._static.discard(name)
        entry = self._nodes.pop(name, None)
        if entry is None:
            return
        if entry.supervisor is not None:
            entry.supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await entry.supervisor
        await entry.pod_resources.stop()
        await entry.manager.stop()

    async def stop(self) -> None:
        await asyncio.gather(*(self.detach(name) for name in list(self._nodes)))

    async def _supervise(self, name: str, directory: Path, entry: _PluginNode) -> None:
        backoff = 1.0
        env = dict(os.environ, KUBECONFIG=str(self._kubeconfig))
        log_path = directory / "deviceplugin.log"
        try:
            while True:
                output = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                try:
                    entry.process = await asyncio.create_subprocess_exec(
                        *with_parent_death_signal(self._command(name, directory)),
                        env=env,
                        stdin=asyncio.subprocess.DEVNULL,
                        stdout=output,
                        stderr=asyncio.subprocess.STDOUT,
                    )
                finally:
                    os.close(output)
                code = await entry.process.wait()
                log.warning(
                    "node %s: device plugin exited with %s; restarting in %.0f s", name, code, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_RESTART_BACKOFF_SECONDS)
        finally:
            await _terminate(entry.process)


async def _terminate(process: asyncio.subprocess.Process | None) -> None:
    if process is None or process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), STOP_TIMEOUT_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
