"""``accelfleet top``: a live view of the fleet on any cluster the kubeconfig points at."""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelfleet.cli.errors import CLIError

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "top",
        help="live fleet view: occupancy heatmap, cards by model and health, pending gangs",
        description=(
            "Shows card occupancy per platform and super-node as a heatmap, cards by model and health, "
            "and the AIJobs still waiting with their reasons. Refreshes until Ctrl-C."
        ),
    )
    parser.add_argument("--once", action="store_true", help="print one picture and exit")
    parser.add_argument(
        "--svg", type=Path, metavar="FILE", help="write the picture to FILE as SVG and exit (implies --once)"
    )
    parser.add_argument(
        "--interval", type=float, default=2.0, metavar="SECONDS", help="refresh period (default 2)"
    )
    parser.add_argument("--namespace", "-n", help="show pending AIJobs of this namespace only (default: all)")
    parser.add_argument(
        "--width",
        type=int,
        default=140,
        help="columns when not writing to a terminal, and of the SVG (default 140)",
    )
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        raise CLIError(f"--interval must be positive, got {args.interval:g}")
    if args.width < 60:
        raise CLIError(f"--width must be at least 60, got {args.width}")
    if args.svg is not None and not args.svg.parent.is_dir():
        raise CLIError(f"cannot write {args.svg}: {args.svg.parent} is not a directory")
    from rich.console import Console

    from accelfleet.cli.views.cluster import connect

    api = connect(args.kubeconfig)
    try:
        if args.svg is not None:
            recorder = Console(record=True, width=args.width, file=io.StringIO(), force_terminal=True)
            recorder.print(_picture(api, args.namespace))
            try:
                recorder.save_svg(str(args.svg), title="accelfleet top")
            except OSError as err:
                raise CLIError(f"cannot write {args.svg}: {err.strerror}") from err
            print(f"wrote {args.svg}")
            return 0
        console = Console(width=None if sys.stdout.isatty() else args.width)
        if args.once:
            console.print(_picture(api, args.namespace))
            return 0
        return _follow(console, api, args)
    finally:
        api.close()


def _picture(api: Any, namespace: str | None) -> RenderableType:
    from datetime import UTC, datetime

    from accelfleet.cli.views.cluster import read_cluster, unreachable
    from accelfleet.cli.views.fleet import fleet_view
    from accelfleet.cli.views.top_render import top_picture

    try:
        state = read_cluster(api, namespace)
    except Exception as err:
        why = unreachable(err)
        if why is None:
            raise
        raise CLIError(why) from err
    now = datetime.now(UTC)
    view = fleet_view(state.nodes, state.pods, state.accelcards, state.aijobs, now)
    return top_picture(view, now.astimezone(), str(api.configuration.host))


def _follow(console: Console, api: Any, args: argparse.Namespace) -> int:
    """Refresh in place on a terminal; elsewhere print one picture per period, like ``top -b``."""
    from rich.live import Live
    from rich.text import Text

    def frame() -> RenderableType:
        try:
            return _picture(api, args.namespace)
        except CLIError as err:
            return Text(f"accelfleet top: {err} (retrying)", style="red")

    try:
        if not sys.stdout.isatty():
            while True:
                console.print(frame())
                sys.stdout.flush()
                time.sleep(args.interval)
        with Live(frame(), console=console, auto_refresh=False, screen=True) as live:
            while True:
                time.sleep(args.interval)
                live.update(frame(), refresh=True)
    except KeyboardInterrupt:
        return 0
