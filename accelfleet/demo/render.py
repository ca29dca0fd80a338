"""What the demo prints: a live table on a terminal, a line per change elsewhere, and the summary.

Pure: traces and figures in, strings and rich renderables out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from accelfleet.demo.jobs import DemoJob
from accelfleet.demo.outcomes import Check, JobTrace, Utilization, condition, time_to_running, waited

_PHASE_STYLE = {
    "NotSubmitted": "dim",
    "Pending": "yellow",
    "Scheduled": "cyan",
    "Running": "bold cyan",
    "Succeeded": "green",
    "Failed": "bold red",
}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def story_of(trace: JobTrace) -> tuple[str, str]:
    """(reason, message) the job's status tells right now."""
    job = trace.last or {}
    valid = condition(job, "Valid")
    if valid.get("status") == "False":
        return str(valid.get("reason") or ""), str(valid.get("message") or "")
    status = _mapping(job.get("status"))
    scheduled = condition(job, "Scheduled")
    reason = str(scheduled.get("reason") or "") if trace.phase == "Pending" else ""
    return reason, str(status.get("message") or "")


def event_line(name: str, before: JobTrace, after: JobTrace, elapsed: float) -> str | None:
    """One line when the job's phase or waiting reason changed since the previous look, else None."""
    if after.last is None or not _mapping(after.last.get("status")):
        return None
    was = (before.phase, story_of(before)[0]) if before.last is not None else None
    now = (after.phase, story_of(after)[0])
    if was == now:
        return None
    reason, message = story_of(after)
    detail = f"{reason}: {message}" if reason else message
    return f"{elapsed:6.1f}s  {name:<24} {after.phase:<10} {detail}".rstrip()


def landed_on(trace: JobTrace) -> str:
    placement = _mapping(_mapping((trace.last or {}).get("status")).get("placement"))
    if not placement:
        return "-"
    nodes = placement.get("nodes")
    count = len(nodes) if isinstance(nodes, list) else 0
    super_nodes = placement.get("superNodes")
    names = ", ".join(str(s) for s in super_nodes) if isinstance(super_nodes, list) else "?"
    return f"{placement.get('platform', '?')}: {names} ({count} node{'' if count == 1 else 's'})"


def _model(trace: JobTrace) -> str:
    return str(_mapping((trace.last or {}).get("status")).get("cardModel") or "-")


def progress_table(jobs: Sequence[DemoJob], traces: Mapping[str, JobTrace], elapsed: float) -> Table:
    table = Table(title=f"accelfleet demo  {elapsed:5.1f}s", title_justify="left")
    table.add_column("AIJOB", no_wrap=True, style="bold")
    table.add_column("PHASE", no_wrap=True)
    table.add_column("WHERE, OR WHY NOT YET", overflow="fold")
    for job in jobs:
        trace = traces[job.name]
        reason, message = story_of(trace)
        where = landed_on(trace)
        if where != "-":
            detail = f"{_model(trace)} on {where}"
        else:
            detail = f"{reason}: {message}" if reason else message
        table.add_row(
            f"{job.name} ({job.cards})", Text(trace.phase, style=_PHASE_STYLE.get(trace.phase, "")), detail
        )
    return table


@dataclass(frozen=True)
class SummaryFacts:
    preset: str
    cards: int
    ready_seconds: float
    jobs_seconds: float


def _checks_text(found: Sequence[Check]) -> Text:
    text = Text()
    for index, check in enumerate(found):
        if index:
            text.append("; ")
        text.append("✓ " if check.ok else "✗ ", style="green" if check.ok else "bold red")
        text.append(check.text)
    return text


@dataclass(frozen=True)
class JobsView:
    """The jobs of the summary: a table where the console is wide enough, a line per job where not."""

    jobs: Sequence[DemoJob]
    traces: Mapping[str, JobTrace]
    found: Mapping[str, list[Check]]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= WIDE:
            yield jobs_table(self.jobs, self.traces, self.found)
        else:
            yield jobs_lines(self.jobs, self.traces, self.found)


WIDE = 110


def _row(job: DemoJob, trace: JobTrace, found: list[Check]) -> tuple[str, Text, str, str, str, Text]:
    outcome = trace.phase if trace.invalid_reason is None else "Invalid"
    passed = sum(check.ok for check in found)
    where = landed_on(trace)
    return (
        f"{job.name} ({job.cards})",
        Text(outcome, style=_PHASE_STYLE.get(trace.phase, "red")),
        where if where == "-" else f"{_model(trace)} on {where}",
        seconds(waited(trace)),
        seconds(time_to_running(trace)),
        Text(f"{passed}/{len(found)}", style="green" if passed == len(found) else "bold red"),
    )


def jobs_table(
    jobs: Sequence[DemoJob], traces: Mapping[str, JobTrace], found: Mapping[str, list[Check]]
) -> Table:
    table = Table(title="Jobs", title_justify="left")
    table.add_column("AIJOB", no_wrap=True, style="bold")
    table.add_column("OUTCOME", no_wrap=True)
    table.add_column("LANDED ON", overflow="fold")
    table.add_column("WAITED", justify="right", no_wrap=True)
    table.add_column("TO RUNNING", justify="right", no_wrap=True)
    table.add_column("CHECKS", justify="right", no_wrap=True)
    for job in jobs:
        table.add_row(*_row(job, traces[job.name], found[job.name]))
    return table


def jobs_lines(
    jobs: Sequence[DemoJob], traces: Mapping[str, JobTrace], found: Mapping[str, list[Check]]
) -> Text:
    text = Text("Jobs\n", style="italic")
    for job in jobs:
        name, outcome, where, wait, running, passed = _row(job, traces[job.name], found[job.name])
        text.append(name, style="bold")
        text.append(" ")
        text.append_text(outcome)
        text.append(f"\n    {where}\n    waited {wait}, Running after {running}, checks ")
        text.append_text(passed)
        text.append("\n")
    text.rstrip()
    return text


def checks_lines(jobs: Sequence[DemoJob], found: Mapping[str, list[Check]]) -> Text:
    """Per job: what it shows, then each expectation ticked or crossed."""
    text = Text()
    for job in jobs:
        text.append(f"{job.name}", style="bold")
        text.append(f" ({job.story}): ", style="dim")
        text.append_text(_checks_text(found[job.name]))
        text.append("\n")
    text.rstrip()
    return text


def utilization_table(title: str, rows: Sequence[Utilization]) -> Table:
    table = Table(title=title, title_justify="left", min_width=64)
    table.add_column("NAME", no_wrap=True, style="bold")
    table.add_column("CARDS", justify="right")
    table.add_column("PEAK USED", justify="right")
    table.add_column("AVERAGE USED", justify="right")
    for row in rows:
        table.add_row(
            row.name,
            str(row.total),
            f"{row.peak} ({100 * row.peak_share:.0f}%)",
            f"{row.average:.1f} ({100 * row.average_share:.0f}%)",
        )
    return table


def verdict(found: Mapping[str, list[Check]]) -> tuple[bool, str]:
    every = [check for checks in found.values() for check in checks]
    failed = [f"{name}: {check.text}" for name, checks in found.items() for check in checks if not check.ok]
    if not failed:
        return True, f"All {len(every)} expected outcomes happened."
    return False, f"{len(failed)} of {len(every)} expected outcomes did not happen: " + "; ".join(failed)


def summary(
    facts: SummaryFacts,
    jobs: Sequence[DemoJob],
    traces: Mapping[str, JobTrace],
    found: Mapping[str, list[Check]],
    platforms: Sequence[Utilization],
    models: Sequence[Utilization],
) -> RenderableType:
    ok, line = verdict(found)
    head = Text()
    head.append("Summary", style="bold")
    head.append(
        f": {facts.preset} preset, {facts.cards} cards; cluster, operator and device plugins ready in "
        f"{facts.ready_seconds:.1f}s; jobs done {facts.jobs_seconds:.1f}s after the first was submitted"
    )
    return Group(
        head,
        JobsView(jobs, traces, found),
        checks_lines(jobs, found),
        utilization_table("Cards used per platform while the jobs ran", platforms),
        utilization_table("Cards used per card model while the jobs ran", models),
        Text(line, style="bold green" if ok else "bold red"),
    )


def keep_lines(kubeconfig: str, operator_pid: int | None, metrics_url: str | None) -> list[str]:
    """How to poke the cluster the demo left running, and how to stop it."""
    lines = [
        "The cluster and the operator keep running. Poke them:",
        f"  KUBECONFIG={kubeconfig} kubectl get aij,ac,sxp",
        f"  KUBECONFIG={kubeconfig} accelfleet top",
        f"  KUBECONFIG={kubeconfig} accelfleet explain bw1000-one-supernode",
    ]
    if metrics_url:
        lines.append(f"  curl {metrics_url}")
    stop = f"accelfleet sim down --kubeconfig {kubeconfig}"
    lines.append(f"Stop them: kill {operator_pid}; {stop}" if operator_pid else f"Stop it: {stop}")
    return lines


def rerun_hint() -> str:
    return "To keep the cluster running and poke it with kubectl: accelfleet demo --keep"
