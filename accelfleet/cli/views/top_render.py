"""The ``accelfleet top`` picture: plain data in (a ``FleetView``), rich renderables out."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from accelfleet.cli.views.fleet import CardCount, FleetView, PlatformRow, SuperNodeCell

# Up to this many super-nodes per platform each cell carries its name and figure; beyond it, one block.
_LABELLED_CELLS = 8
# (upper bound of occupancy, background colour): a heatmap reads at a glance, the legend says the scale.
_HEAT = ((0.0, "grey30"), (0.25, "green4"), (0.5, "chartreuse3"), (0.75, "gold3"), (0.999, "dark_orange3"))
_FULL = "red3"


def heat_colour(occupancy: float) -> str:
    for bound, colour in _HEAT:
        if occupancy <= bound:
            return colour
    return _FULL


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def _short(cell: SuperNodeCell, platform: str) -> str:
    prefix = f"{platform}-"
    return cell.name[len(prefix) :] if cell.name.startswith(prefix) else cell.name


def heat_cells(row: PlatformRow) -> Text:
    """One coloured cell per super-node, in name order; ``!`` marks a super-node with unhealthy cards."""
    text = Text()
    labelled = len(row.super_nodes) <= _LABELLED_CELLS
    for cell in row.super_nodes:
        colour = heat_colour(cell.cards.occupancy)
        mark = "!" if cell.cards.unhealthy or cell.cards.unavailable else ""
        if labelled:
            label = f" {_short(cell, row.name)} {percent(cell.cards.allocated, cell.cards.total)}{mark} "
            text.append(label, style=f"bold white on {colour}")
        else:
            text.append("!" if mark else " ", style=f"bold white on {colour}")
        text.append(" ")
    return text


def _legend() -> Text:
    text = Text("occupancy: ", style="dim")
    text.append(" 0% ", style=f"white on {_HEAT[0][1]}")
    for bound, colour in _HEAT[1:-1]:
        text.append(f" ≤{100 * bound:.0f}% ", style=f"white on {colour}")
    text.append(" <100% ", style=f"white on {_HEAT[-1][1]}")
    text.append(" 100% ", style=f"white on {_FULL}")
    text.append("   ! unhealthy cards or a node not Ready", style="dim")
    return text


def _count_cells(cards: CardCount) -> tuple[str, str, str, str, str]:
    return (
        str(cards.total),
        str(cards.allocated),
        str(cards.free),
        str(cards.unhealthy + cards.unavailable) if cards.unhealthy or cards.unavailable else "0",
        percent(cards.allocated, cards.total),
    )


def occupancy_table(view: FleetView) -> Table:
    table = Table(title="Occupancy by platform and super-node", title_justify="left", expand=False)
    table.add_column("PLATFORM", style="bold", no_wrap=True)
    for name in ("CARDS", "USED", "FREE", "DOWN", "USE%"):
        table.add_column(name, justify="right")
    table.add_column("SUPER-NODES")
    for row in view.platforms:
        table.add_row(row.name, *_count_cells(row.cards), heat_cells(row))
    return table


def models_table(view: FleetView) -> Table:
    table = Table(title="Cards by model and health", title_justify="left")
    table.add_column("MODEL", style="bold", no_wrap=True)
    table.add_column("PLATFORMS")
    table.add_column("NODES", justify="right")
    table.add_column("CARDS", justify="right")
    table.add_column("HEALTHY", justify="right")
    table.add_column("UNHEALTHY", justify="right")
    table.add_column("USED", justify="right")
    table.add_column("FREE", justify="right")
    table.add_column("USE%", justify="right")
    for row in view.models:
        cards = row.cards
        table.add_row(
            row.model,
            ", ".join(row.platforms),
            str(row.nodes),
            str(cards.total),
            str(cards.total - cards.unhealthy),
            Text(str(cards.unhealthy), style="bold red" if cards.unhealthy else ""),
            str(cards.allocated),
            str(cards.free),
            percent(cards.allocated, cards.total),
        )
    return table


def waiting_table(view: FleetView, limit: int = 20) -> RenderableType:
    if not view.waiting:
        return Text("No gang is waiting.", style="green")
    table = Table(title="Pending gangs", title_justify="left")
    table.add_column("AIJOB", style="bold", no_wrap=True)
    table.add_column("CARDS", justify="right")
    table.add_column("PRIO", justify="right")
    table.add_column("AGE", justify="right")
    table.add_column("REASON", no_wrap=True)
    table.add_column("WHY", overflow="fold")
    for gang in view.waiting[:limit]:
        reason = Text(gang.reason, style="bold red" if gang.invalid else "yellow")
        table.add_row(
            f"{gang.namespace}/{gang.name}",
            gang.cards,
            str(gang.priority),
            duration(gang.waited_seconds),
            reason,
            gang.message,
        )
    hidden = len(view.waiting) - limit
    if hidden > 0:
        return Group(table, Text(f"... and {hidden} more pending gangs", style="dim"))
    return table


def headline(view: FleetView, now: datetime, where: str) -> Text:
    cards = view.cards
    text = Text()
    text.append("accelfleet top", style="bold")
    text.append(f"  {where}  {now.strftime('%H:%M:%S')}\n", style="dim")
    text.append(
        f"{len(view.platforms)} platforms, {view.nodes} nodes, {cards.total} cards: "
        f"{cards.allocated} used ({percent(cards.allocated, cards.total)}), {cards.free} free, "
        f"{cards.unhealthy} unhealthy"
    )
    if cards.unavailable:
        text.append(f", {cards.unavailable} on nodes not Ready")
    phases = ", ".join(f"{count} {phase}" for phase, count in sorted(view.phases.items()))
    text.append(f"\nAIJobs: {phases or 'none'}")
    if not view.catalog_from_cluster:
        text.append("\n(no AccelCards in the cluster: cards read with the built-in catalog)", style="dim")
    return text


def top_picture(view: FleetView, now: datetime, where: str) -> RenderableType:
    """Everything ``accelfleet top`` shows, in one renderable."""
    if view.empty:
        return Group(
            headline(view, now, where),
            Text(
                "\nNo accelerator nodes: no node carries an accelfleet.io/card label naming a known card model.",
                style="yellow",
            ),
        )
    return Group(
        headline(view, now, where),
        occupancy_table(view),
        _legend(),
        models_table(view),
        waiting_table(view),
    )
