"""The operator on the simulated cluster, measured from outside the way a user would see it.

Each fleet is a real ``accelfleet sim up --detach`` with the CRDs, the card catalog and its platforms
applied, and a real ``accelfleet operator --standalone`` process. The benchmark creates AIJobs
through the API and watches their pods; the operator's ``/metrics`` gives its writes and the pods it
placed, and the process table its CPU seconds and peak resident memory. Three scenarios:

- ``latency``: waves of ten jobs of mixed sizes created at once on an empty fleet; the time from
  each AIJob's creation to all its pods Running (the fleet is emptied between waves).
- ``gang``: one AIJob of many replicas; the time from its creation until every pod was created,
  un-gated, bound by the scheduler and Running.
- ``queue``: many AIJobs of mixed sizes created at once, each running a short while; how fast the
  queue drains (pods bound per second), and whether every card is free again once all succeeded.

The full run measures ``latency`` on the ``small`` preset with a real device-plugin process per
node (plugin mode) and ``gang`` (1,000 pods) and ``queue`` (1,000 jobs) on ``scnet`` (static mode);
``--quick`` runs all three, smaller, on a 2,048-card fleet in static mode. Targets (DESIGN.md
section 7) are reported next to the figures, never asserted.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelfleet.api.fleets import preset_platforms
from accelfleet.api.names import GROUP, LABEL_JOB, VERSION
from accelfleet.operator.client import ApiClient, ApiError
from accelfleet.operator.launcher import Samples, total
from bench.aijob_mix import NAMESPACE, QUEUE_MIX, WAVE_MIX, Pool, Shape, aijob, draw_queue, platform
from bench.gang_timeline import STEPS, Timeline, percentile
from bench.sim_harness import (
    MIB,
    HarnessError,
    MeasuredOperator,
    ProcessGauge,
    advertised_cards,
    fleet_cards,
    install,
    operator_process,
    sim_pid,
    simulated_cluster,
    write_preset,
)

SEED = 20260205
SUBMIT_CONCURRENCY = 32
POLL_S = 0.25
LIST_POLL_S = 1.0
FLEET_READY_TIMEOUT_S = 400.0
WAVE_TIMEOUT_S = 180.0
GANG_TIMEOUT_S = 600.0
QUEUE_TIMEOUT_S = 1200.0
SETTLE_TIMEOUT_S = 120.0
# Listing thousands of pods from a sim that shares the CPU with the operator can take minutes, far
# longer than the operator's own requests are given.
REQUEST_TIMEOUT_S = 120.0

AIJOBS_PATH = f"/apis/{GROUP}/{VERSION}/namespaces/{NAMESPACE}/aijobs"
PODS_PATH = f"/api/v1/namespaces/{NAMESPACE}/pods"
ACCELCARDS_PATH = f"/apis/{GROUP}/{VERSION}/accelcards"
REQUESTS_COUNTED = (
    "operator writes (accelfleet_api_writes_total): the simulated API server has no request counter; "
    "the operator's reads are a fixed set of watch streams and lists, not per pod"
)


@dataclass(frozen=True)
class Waves:
    waves: int
    mix: tuple[Shape, ...] = WAVE_MIX


@dataclass(frozen=True)
class OneGang:
    shape: Shape


@dataclass(frozen=True)
class Queue:
    jobs: int
    run_seconds: float
    mix: tuple[tuple[Shape, float], ...] = QUEUE_MIX
    seed: int = SEED


Scenario = Waves | OneGang | Queue


@dataclass(frozen=True)
class FleetRun:
    """A sim to start (a built-in preset by name, else a preset file written from ``platforms``)."""

    name: str
    node_mode: str
    platforms: tuple[dict[str, Any], ...]
    scenarios: tuple[Scenario, ...]
    builtin: bool = False


def builtin_fleet(preset: str, node_mode: str, scenarios: tuple[Scenario, ...]) -> FleetRun:
    platforms = tuple(p.to_wire() for p in preset_platforms(preset))
    return FleetRun(preset, node_mode, platforms, scenarios, builtin=True)


def file_fleet(name: str, pools: dict[str, tuple[Pool, ...]], scenarios: tuple[Scenario, ...]) -> FleetRun:
    platforms = tuple(platform(platform_name, shape) for platform_name, shape in pools.items())
    return FleetRun(name, "static", platforms, scenarios)


FULL = (
    builtin_fleet("small", "plugin", (Waves(6),)),
    builtin_fleet("scnet", "static", (OneGang(Shape(1000, 8)), Queue(1000, run_seconds=20))),
)
QUICK = (
    file_fleet(
        "quick",
        {"q1": (Pool("hygon-bw1000", 8, 16), Pool("huawei-ascend-910b", 8, 16))},
        (Waves(2), OneGang(Shape(100, 8)), Queue(60, run_seconds=5)),
    ),
)


@dataclass
class Bench:
    """One running fleet: the API, the operator, and the timeline the pod watch fills."""

    kube: ApiClient
    operator: MeasuredOperator
    sim: ProcessGauge | None
    fleet: FleetRun
    timeline: Timeline = field(default_factory=Timeline)
    watcher: asyncio.Task[None] | None = None

    async def wait(
        self, probe: Callable[[], Awaitable[bool]], within_s: float, every_s: float = POLL_S
    ) -> bool:
        """Poll ``probe``; False once ``within_s`` passes. The operator's memory is sampled meanwhile.

        Probes that list from the API poll slowly (``LIST_POLL_S``): the sim serving them shares the
        CPU with what is being measured.
        """
        deadline = time.monotonic() + within_s
        while True:
            if self.watcher is not None and self.watcher.done():
                self.watcher.result()
                raise HarnessError("the pod watch ended")
            self.operator.gauge.sample()
            if await probe():
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(every_s)


@dataclass
class Outcome:
    """What one batch of jobs cost: counters read before submitting and once the jobs settled."""

    names: list[str]
    settled: bool
    writes: dict[str, float]
    pods_placed: float
    rounds: float
    rounds_s: float
    operator_cpu_s: float
    sim_cpu_s: float | None


async def _follow_pods(kube: ApiClient, timeline: Timeline) -> None:
    params = {"labelSelector": LABEL_JOB}
    while True:
        items, version = await kube.list_all(PODS_PATH, params)
        now = time.monotonic()
        for pod in items:
            timeline.observe(pod, now)
        async for kind, obj in kube.watch(PODS_PATH, version, params):
            if kind == "ERROR":
                break
            if kind in ("ADDED", "MODIFIED"):
                timeline.observe(obj, time.monotonic())


def _writes(before: Samples, after: Samples) -> dict[str, float]:
    names = {
        (dict(labels)["verb"], dict(labels)["resource"])
        for metric, labels in after
        if metric == "accelfleet_api_writes_total"
    }
    found = {}
    for verb, resource in sorted(names):
        delta = total(after, "accelfleet_api_writes_total", verb=verb, resource=resource) - total(
            before, "accelfleet_api_writes_total", verb=verb, resource=resource
        )
        if delta:
            found[f"{verb} {resource}"] = delta
    return found


def _delta(before: Samples, after: Samples, name: str) -> float:
    return total(after, name) - total(before, name)


def _cpu(gauge: ProcessGauge | None) -> float | None:
    return None if gauge is None else gauge.cpu_seconds()


async def _submit(bench: Bench, jobs: Sequence[tuple[str, Shape, float | None]]) -> None:
    """Create every job at once (bounded concurrency); each gang's clock starts at the API's answer."""
    limit = asyncio.Semaphore(SUBMIT_CONCURRENCY)

    async def create(name: str, shape: Shape, run_seconds: float | None) -> None:
        async with limit:
            bench.timeline.expect(name, shape.replicas, time.monotonic())
            await bench.kube.create(AIJOBS_PATH, aijob(name, shape, run_seconds), "aijobs")
            bench.timeline.gangs[name].created_at = time.monotonic()

    await asyncio.gather(*(create(*job) for job in jobs))


async def _phases(bench: Bench) -> dict[str, str]:
    items, _ = await bench.kube.list_all(AIJOBS_PATH)
    return {str(job["metadata"]["name"]): str((job.get("status") or {}).get("phase", "")) for job in items}


async def _run_jobs(
    bench: Bench, jobs: Sequence[tuple[str, Shape, float | None]], final_phase: str, within_s: float
) -> Outcome:
    """Submit, wait for every gang to run and every AIJob to reach ``final_phase``, read the counters."""
    names = [name for name, _, _ in jobs]
    before = await bench.operator.metrics_async()
    operator_cpu, sim_cpu = _cpu(bench.operator.gauge), _cpu(bench.sim)
    await _submit(bench, jobs)

    async def running() -> bool:
        return bench.timeline.all_reached(names, "running")

    async def settled() -> bool:
        phases = await _phases(bench)
        return all(phases.get(name) == final_phase for name in names)

    deadline = time.monotonic() + within_s
    ran = await bench.wait(running, within_s)
    done = ran and await bench.wait(settled, max(SETTLE_TIMEOUT_S, deadline - time.monotonic()), LIST_POLL_S)
    after = await bench.operator.metrics_async()
    operator_after, sim_after = _cpu(bench.operator.gauge), _cpu(bench.sim)
    return Outcome(
        names=names,
        settled=done,
        writes=_writes(before, after),
        pods_placed=_delta(before, after, "accelfleet_pods_placed_total"),
        rounds=_delta(before, after, "accelfleet_placement_duration_seconds_count"),
        rounds_s=_delta(before, after, "accelfleet_placement_duration_seconds_sum"),
        operator_cpu_s=(operator_after or 0.0) - (operator_cpu or 0.0),
        sim_cpu_s=None if sim_after is None or sim_cpu is None else sim_after - sim_cpu,
    )


async def _allocated_cards(bench: Bench) -> int:
    """Cards still counted as taken: the larger of the operator's gauge and the AccelCards' status."""
    metric = total(await bench.operator.metrics_async(), "accelfleet_cards", state="allocated")
    cards, _ = await bench.kube.list_all(ACCELCARDS_PATH)
    status = sum(int((card.get("status") or {}).get("allocated") or 0) for card in cards)
    return max(int(metric), status)


async def _leaked_cards(bench: Bench) -> int:
    """Allocated cards once nothing should hold any (waits up to the settle timeout for them to free)."""

    async def free() -> bool:
        return await _allocated_cards(bench) == 0

    if await bench.wait(free, SETTLE_TIMEOUT_S):
        return 0
    return await _allocated_cards(bench)


async def _delete(bench: Bench, names: Sequence[str]) -> int:
    """Delete the jobs, wait until their pods are gone, and return the cards left allocated."""
    limit = asyncio.Semaphore(SUBMIT_CONCURRENCY)

    async def delete(name: str) -> None:
        async with limit:
            try:
                await bench.kube.delete(f"{AIJOBS_PATH}/{name}", "aijobs")
            except ApiError as err:
                if not err.not_found:
                    raise

    await asyncio.gather(*(delete(name) for name in names))

    async def gone() -> bool:
        items, _ = await bench.kube.list_all(PODS_PATH, {"labelSelector": LABEL_JOB})
        jobs, _ = await bench.kube.list_all(AIJOBS_PATH)
        return not items and not jobs

    if not await bench.wait(gone, SETTLE_TIMEOUT_S, LIST_POLL_S):
        raise HarnessError(f"the pods of deleted AIJobs were still present after {SETTLE_TIMEOUT_S:.0f} s")
    for name in names:
        bench.timeline.gangs.pop(name, None)
    return await _leaked_cards(bench)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


GANG_WRITES = ("post pods", "patch pods", "patch aijobs")
"""The writes DESIGN.md section 7 budgets per pod: its create, its gate removal, the job's status."""


def _per_pod(writes: dict[str, float], pods: float, kinds: Sequence[str] | None = None) -> float | None:
    counted = writes.values() if kinds is None else [writes.get(kind, 0.0) for kind in kinds]
    return round(sum(counted) / pods, 2) if pods else None


def _common(bench: Bench, scenario: str, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    writes: dict[str, float] = {}
    for outcome in outcomes:
        for key, value in outcome.writes.items():
            writes[key] = writes.get(key, 0.0) + value
    pods = sum(outcome.pods_placed for outcome in outcomes)
    sim_cpu = [o.sim_cpu_s for o in outcomes if o.sim_cpu_s is not None]
    return {
        "scenario": scenario,
        "preset": bench.fleet.name,
        "node_mode": bench.fleet.node_mode,
        "api_writes": int(sum(writes.values())),
        "pods_placed": int(pods),
        "writes_per_pod": _per_pod(writes, pods),
        "gang_writes_per_pod": _per_pod(writes, pods, GANG_WRITES),
        "rounds": int(sum(o.rounds for o in outcomes)),
        "rounds_s": round(sum(o.rounds_s for o in outcomes), 2),
        "operator_cpu_s": round(sum(o.operator_cpu_s for o in outcomes), 2),
        "sim_cpu_s": round(sum(sim_cpu), 2) if sim_cpu else None,
        "operator_peak_rss_mib": round(bench.operator.gauge.peak_rss_bytes() / MIB, 1),
        "load_1m": round(os.getloadavg()[0], 2),
        "writes": {key: int(value) for key, value in writes.items()},
    }


async def _latency(bench: Bench, scenario: Waves) -> dict[str, Any]:
    outcomes, samples, leaked, missing = [], [], 0, 0
    for wave in range(scenario.waves):
        jobs = [(f"wave{wave}-{i:02d}", shape, None) for i, shape in enumerate(scenario.mix)]
        outcome = await _run_jobs(bench, jobs, "Running", WAVE_TIMEOUT_S)
        outcomes.append(outcome)
        for name in outcome.names:
            elapsed = bench.timeline.elapsed(name, "running")
            if elapsed is None:
                missing += 1
            else:
                samples.append(elapsed)
        leaked = max(leaked, await _delete(bench, outcome.names))
    return {
        **_common(bench, "latency", outcomes),
        "jobs": len(scenario.mix) * scenario.waves,
        "pods": sum(shape.replicas for shape in scenario.mix) * scenario.waves,
        "not_running": missing,
        "p50_s": _round(percentile(samples, 0.5)),
        "p99_s": _round(percentile(samples, 0.99)),
        "max_s": _round(max(samples, default=None)),
        "leaked_cards": leaked,
    }


async def _gang(bench: Bench, scenario: OneGang) -> dict[str, Any]:
    name = f"gang-{scenario.shape.replicas}"
    outcome = await _run_jobs(bench, [(name, scenario.shape, None)], "Running", GANG_TIMEOUT_S)
    steps = {step: bench.timeline.elapsed(name, step) for step in STEPS}
    bound = steps["bound"]
    row = {
        **_common(bench, "gang", [outcome]),
        "jobs": 1,
        "pods": scenario.shape.replicas,
        "not_running": 0 if steps["running"] is not None else 1,
        "pods_created_s": _round(steps["created"]),
        "ungated_s": _round(steps["ungated"]),
        "all_bound_s": _round(bound),
        "all_running_s": _round(steps["running"]),
        "pods_bound_per_s": round(scenario.shape.replicas / bound, 1) if bound else None,
        "pods_created_per_s": round(scenario.shape.replicas / steps["created"], 1)
        if steps["created"]
        else None,
    }
    row["leaked_cards"] = await _delete(bench, outcome.names)
    return row


async def _queue(bench: Bench, scenario: Queue) -> dict[str, Any]:
    shapes = draw_queue(scenario.jobs, scenario.mix, scenario.seed)
    jobs = [(f"queue-{i:04d}", shape, scenario.run_seconds) for i, shape in enumerate(shapes)]
    outcome = await _run_jobs(bench, jobs, "Succeeded", QUEUE_TIMEOUT_S)
    gangs = [bench.timeline.gangs[name] for name in outcome.names]
    ran = [e for e in (bench.timeline.elapsed(n, "running") for n in outcome.names) if e is not None]
    bound = [t for t in (gang.reached("bound") for gang in gangs) if t is not None]
    start = min(gang.created_at for gang in gangs)
    pods = sum(shape.replicas for shape in shapes)
    drained = max(bound) - start if len(bound) == len(gangs) else None
    finished = await _leaked_cards(bench) if outcome.settled else None
    row = {
        **_common(bench, "queue", [outcome]),
        "jobs": scenario.jobs,
        "pods": pods,
        "cards": sum(shape.cards for shape in shapes),
        "run_s": scenario.run_seconds,
        "not_running": len(gangs) - len(ran),
        "succeeded": outcome.settled,
        "p50_s": _round(percentile(ran, 0.5)),
        "p99_s": _round(percentile(ran, 0.99)),
        "max_s": _round(max(ran, default=None)),
        "all_bound_s": _round(drained),
        "pods_bound_per_s": round(pods / drained, 1) if drained else None,
    }
    deleted = await _delete(bench, outcome.names)
    row["leaked_cards"] = None if finished is None else max(finished, deleted)
    return row


async def _fleet_ready(kube: ApiClient, cards: int) -> None:
    deadline = time.monotonic() + FLEET_READY_TIMEOUT_S
    while True:
        nodes, _ = await kube.list_all("/api/v1/nodes")
        if advertised_cards(nodes) >= cards:
            return
        if time.monotonic() > deadline:
            raise HarnessError(f"the nodes advertised {advertised_cards(nodes)} of {cards} cards")
        await asyncio.sleep(1.0)


async def _prepare(path: Path, fleet: FleetRun, cards: int) -> None:
    async with ApiClient.from_kubeconfig(path, timeout_s=REQUEST_TIMEOUT_S) as kube:
        await install(kube, fleet.platforms)
        await _fleet_ready(kube, cards)


async def _scenarios(
    path: Path, operator: MeasuredOperator, fleet: FleetRun, cards: int
) -> list[dict[str, Any]]:
    pid = sim_pid(path)
    async with ApiClient.from_kubeconfig(path, timeout_s=REQUEST_TIMEOUT_S) as kube:
        bench = Bench(kube, operator, ProcessGauge(pid) if pid else None, fleet)

        async def sees_fleet() -> bool:
            return total(await operator.metrics_async(), "accelfleet_cards", state="free") >= cards

        if not await bench.wait(sees_fleet, FLEET_READY_TIMEOUT_S, LIST_POLL_S):
            raise HarnessError(f"the operator did not report {cards} free cards")
        bench.watcher = asyncio.create_task(_follow_pods(kube, bench.timeline))
        rows = []
        try:
            for scenario in fleet.scenarios:
                if isinstance(scenario, Waves):
                    rows.append(await _latency(bench, scenario))
                elif isinstance(scenario, OneGang):
                    rows.append(await _gang(bench, scenario))
                else:
                    rows.append(await _queue(bench, scenario))
        finally:
            bench.watcher.cancel()
            await asyncio.gather(bench.watcher, return_exceptions=True)
        return rows


def measure_fleet(fleet: FleetRun) -> list[dict[str, Any]]:
    """Start the fleet and the operator, run its scenarios, and stop everything, even on errors."""
    with tempfile.TemporaryDirectory(prefix="accelfleet-bench-") as directory:
        workdir = Path(directory)
        preset = (
            fleet.name
            if fleet.builtin
            else str(write_preset(fleet.platforms, workdir / f"{fleet.name}.yaml"))
        )
        cards = fleet_cards(fleet.platforms)
        with simulated_cluster(preset, fleet.node_mode, workdir) as path:
            asyncio.run(_prepare(path, fleet, cards))
            with operator_process(path, workdir) as operator:
                return asyncio.run(_scenarios(path, operator, fleet, cards))


def _target(
    label: str, row: dict[str, Any] | None, key: str, goal: str, met: Callable[[Any], bool | None]
) -> dict[str, Any]:
    value = None if row is None else row.get(key)
    return {
        "target": label,
        "measured": value,
        "goal": goal,
        "met": None if value is None else met(value),
        "preset": None if row is None else row["preset"],
        "node_mode": None if row is None else row["node_mode"],
    }


def targets(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """DESIGN.md section 7, next to the figures that answer it (at whatever size was run)."""
    by = {row["scenario"]: row for row in rows}
    latency, gang, queue = by.get("latency"), by.get("gang"), by.get("queue")
    gang_pods = gang["pods"] if gang else 0
    queue_jobs = queue["jobs"] if queue else 0
    return [
        _target("AIJob created -> all pods Running, p50 (s)", latency, "p50_s", "< 2", lambda v: v < 2),
        _target(
            f"{gang_pods}-pod gang created -> all bound (s)", gang, "all_bound_s", "< 11", lambda v: v < 11
        ),
        _target(
            "pods placed per second, queue drained", queue, "pods_bound_per_s", ">= 400", lambda v: v >= 400
        ),
        _target(
            "API writes per placed pod (create, gate, status), queue",
            queue,
            "gang_writes_per_pod",
            "<= 3",
            lambda v: v <= 3,
        ),
        _target(
            "all API writes per placed pod (also Services, Events), queue",
            queue,
            "writes_per_pod",
            "reported",
            lambda v: None,
        ),
        _target(f"{queue_jobs} queued AIJobs not running", queue, "not_running", "0", lambda v: v == 0),
        _target("cards left allocated after the queue", queue, "leaked_cards", "0", lambda v: v == 0),
        _target("operator peak RSS (MiB)", queue, "operator_peak_rss_mib", "< 500", lambda v: v < 500),
    ]


def run_plan(fleets: Sequence[FleetRun]) -> dict[str, Any]:
    load_start = [round(value, 2) for value in os.getloadavg()]
    started = time.monotonic()
    rows = [row for fleet in fleets for row in measure_fleet(fleet)]
    writes = {row["scenario"]: row.pop("writes") for row in rows}
    return {
        "api_requests_counted": REQUESTS_COUNTED,
        "load_average_start": load_start,
        "load_average_end": [round(value, 2) for value in os.getloadavg()],
        "wall_s": round(time.monotonic() - started, 1),
        "runs": rows,
        "api_writes": writes,
        "targets": targets(rows),
    }


def run(quick: bool) -> dict[str, Any]:
    return run_plan(QUICK if quick else FULL)
