"""The demo from start to summary: cluster up, operator up, jobs in, watch, check, stop.

The shell around the pure parts: it reads the cluster by polling (a few list calls a second is nothing
for the fleets of the presets), feeds what it reads into ``outcomes`` and prints what ``render`` makes.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.live import Live

from accelfleet.api.catalog import builtin_cards
from accelfleet.api.fleets import preset_platforms, simulated_cards
from accelfleet.api.names import GROUP, VERSION
from accelfleet.cli.views.fleet import fleet_view
from accelfleet.demo import render
from accelfleet.demo.install import advertised_cards, install
from accelfleet.demo.jobs import NAMESPACE, DemoJob, demo_jobs
from accelfleet.demo.outcomes import Check, JobTrace, Usage, checks, observe, settled, utilization
from accelfleet.demo.processes import DemoError, start_sim, wait_until
from accelfleet.operator.jobs import card_models
from accelfleet.operator.launcher import OperatorProcess, start_operator
from accelfleet.sim import launcher

POLL_S = 0.5
NODE_REFRESH_S = 5.0
READY_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class DemoOptions:
    preset: str
    kubeconfig: Path
    keep: bool
    timeout: float
    interactive: bool


@dataclass
class Outcome:
    """How the demo ended: ``ok`` when every expectation held; ``operator`` is left running with --keep."""

    ok: bool
    operator: OperatorProcess | None


def _items(response: Any) -> list[dict[str, Any]]:
    body = json.loads(response.data)
    return [item for item in body.get("items") or [] if isinstance(item, dict)]


class Cluster:
    """The few reads and writes the demo makes, over the kubernetes client."""

    def __init__(self, api: Any) -> None:
        from kubernetes import client

        self.api = api
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def nodes(self) -> list[dict[str, Any]]:
        return _items(self.core.list_node(_preload_content=False))

    def pods(self) -> list[dict[str, Any]]:
        return _items(self.core.list_pod_for_all_namespaces(_preload_content=False))

    def jobs(self) -> dict[str, dict[str, Any]]:
        listed = self.custom.list_namespaced_custom_object(
            GROUP, VERSION, NAMESPACE, "aijobs", _preload_content=False
        )
        return {str(job.get("metadata", {}).get("name")): job for job in _items(listed)}

    def submit(self, job: DemoJob) -> None:
        self.custom.create_namespaced_custom_object(GROUP, VERSION, NAMESPACE, "aijobs", job.manifest())


class Demo:
    def __init__(self, options: DemoOptions, console: Console) -> None:
        self.options = options
        self.console = console
        self.started = time.monotonic()
        self.platforms = preset_platforms(options.preset)
        self.wires = [card.to_wire() for card in builtin_cards()]
        self.jobs = demo_jobs(self.platforms, card_models(self.wires))
        self.expected_cards = simulated_cards(self.platforms)
        self.operator: OperatorProcess | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, line: str) -> None:
        self.console.print(f"{self.elapsed():6.1f}s  {line}", highlight=False)

    def run(self) -> Outcome:
        kubeconfig = self.options.kubeconfig
        self.say(
            f"starting the simulated cluster ({self.options.preset} preset, {self.expected_cards} cards)"
        )
        start_sim(self.options.preset, kubeconfig)
        from kubernetes import config

        api = config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
        try:
            cluster = Cluster(api)
            models, platforms = install(api, self.options.preset)
            self.say(f"installed the CRDs, {models} card models and {platforms} platforms")
            self.operator = start_operator(kubeconfig, kubeconfig.with_name("operator.log"), "--standalone")
            self.say(
                f"started the operator (pid {self.operator.process.pid}); waiting for the device plugins"
            )
            self._wait_ready(cluster)
            ready = self.elapsed()
            self.say(f"ready: {self.expected_cards} cards advertised, operator healthy")
            return self._run_jobs(cluster, ready)
        finally:
            api.close()

    def _check_operator(self) -> None:
        assert self.operator is not None
        why = self.operator.exited()
        if why is not None:
            raise DemoError(f"the operator exited: {why} (log: {self.operator.log})")

    def _wait_ready(self, cluster: Cluster) -> None:
        operator = self.operator
        assert operator is not None
        shown = -1

        def ready() -> bool:
            nonlocal shown
            self._check_operator()
            cards = advertised_cards(cluster.nodes())
            if cards != shown and not self.options.interactive:
                self.say(f"cards advertised: {cards} of {self.expected_cards}")
            shown = cards
            return cards >= self.expected_cards and operator.healthy()

        if self.options.interactive:
            with self.console.status("waiting for the device plugins to advertise every card"):
                wait_until(
                    "every card to be advertised and the operator to be healthy", ready, READY_TIMEOUT_S
                )
        else:
            wait_until("every card to be advertised and the operator to be healthy", ready, READY_TIMEOUT_S)

    def _submit(self, cluster: Cluster, job: DemoJob, traces: dict[str, JobTrace], now: float) -> None:
        cluster.submit(job)
        traces[job.name] = replace(traces[job.name], submitted_at=now)
        if not self.options.interactive:
            self.say(f"submitted {job.name} ({job.cards} cards): {job.story}")

    def _run_jobs(self, cluster: Cluster, ready: float) -> Outcome:
        traces = {job.name: JobTrace() for job in self.jobs}
        first = self.elapsed()
        for job in self.jobs:
            if job.after is None:
                self._submit(cluster, job, traces, self.elapsed())
        samples: list[Usage] = []
        totals_platforms: dict[str, int] = {}
        totals_models: dict[str, int] = {}
        nodes: list[dict[str, Any]] = []
        nodes_read = -NODE_REFRESH_S
        deadline = first + self.options.timeout

        def step() -> bool:
            nonlocal nodes, nodes_read
            self._check_operator()
            now = self.elapsed()
            found = cluster.jobs()
            for job in self.jobs:
                obj = found.get(job.name)
                if obj is None or traces[job.name].submitted_at is None:
                    continue
                before = traces[job.name]
                traces[job.name] = observe(before, obj, now)
                line = render.event_line(job.name, before, traces[job.name], now)
                if line is not None and not self.options.interactive:
                    self.console.print(line, highlight=False)
            if now - nodes_read >= NODE_REFRESH_S:
                nodes, nodes_read = cluster.nodes(), now
            view = fleet_view(nodes, cluster.pods(), self.wires, (), datetime.now(UTC))
            samples.append(
                Usage(
                    now,
                    {row.name: row.cards.allocated for row in view.platforms},
                    {row.model: row.cards.allocated for row in view.models},
                )
            )
            totals_platforms.update({row.name: row.cards.total for row in view.platforms})
            totals_models.update({row.model: row.cards.total for row in view.models})
            for job in self.jobs:
                waiting = job.after is not None and traces[job.name].submitted_at is None
                if waiting and job.after is not None and traces[job.after].placed_at is not None:
                    self._submit(cluster, job, traces, self.elapsed())
            return all(settled(job, traces[job.name]) for job in self.jobs) or now > deadline

        self._loop(step, lambda: render.progress_table(self.jobs, traces, self.elapsed()))
        end = self.elapsed()
        if end > deadline:
            self.say(f"gave up waiting after {self.options.timeout:.0f}s")
        found: dict[str, list[Check]] = {job.name: checks(job, traces[job.name]) for job in self.jobs}
        facts = render.SummaryFacts(self.options.preset, self.expected_cards, ready, end - first)
        self.console.print(
            render.summary(
                facts,
                self.jobs,
                traces,
                found,
                utilization(samples, totals_platforms, by_model=False, start=first, end=end),
                utilization(samples, totals_models, by_model=True, start=first, end=end),
            )
        )
        ok, _ = render.verdict(found)
        return Outcome(ok, self.operator)

    def _loop(self, step: Callable[[], bool], picture: Callable[[], Any]) -> None:
        if not self.options.interactive:
            while not step():
                time.sleep(POLL_S)
            return
        with Live(Group(picture()), console=self.console, auto_refresh=False, transient=False) as live:
            while not step():
                live.update(picture(), refresh=True)
                time.sleep(POLL_S)
            live.update(picture(), refresh=True)


def _stop_all(operator: OperatorProcess | None, kubeconfig: Path) -> None:
    """Stop the operator, then the cluster; a second Ctrl-C waits until both are gone."""
    stopping = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    try:
        if operator is not None:
            operator.stop()
        launcher.down(kubeconfig)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stopping)


def run_demo(options: DemoOptions, console: Console) -> bool:
    """Run the demo; True when every expected outcome happened. Stops what it started unless
    ``keep`` and the demo got to its summary; Ctrl-C (KeyboardInterrupt) always stops everything."""
    demo = Demo(options, console)
    finished = False
    try:
        outcome = demo.run()
        finished = True
    finally:
        if not (finished and options.keep):
            _stop_all(demo.operator, options.kubeconfig)
    if options.keep:
        operator = outcome.operator
        for line in render.keep_lines(
            str(options.kubeconfig),
            operator.process.pid if operator else None,
            operator.metrics_url if operator else None,
        ):
            console.print(line, highlight=False)
    else:
        console.print(render.rerun_hint(), highlight=False)
    return outcome.ok
