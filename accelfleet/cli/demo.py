"""``accelfleet demo``: see the whole system work in one command, on a simulated fleet."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

from accelfleet.cli.errors import CLIError

PRESETS = ("small", "scnet")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="start a simulated fleet and the operator, run a mix of AIJobs, and summarize what happened",
        description=(
            "Starts the simulated cluster, installs the CRDs, the card catalog and the platforms, starts "
            "the device plugins and the operator as real processes, submits a mix of AIJobs (one must wait "
            "for cards, one is invalid), shows their progress and ends with a summary. Exits 0 only if "
            "every expected outcome happened. Ctrl-C stops every process it started."
        ),
    )
    parser.add_argument(
        "--preset",
        choices=PRESETS,
        default="small",
        help="the fleet: small (96 cards, a device-plugin process per node; default) or scnet "
        "(30,720 cards, static mode)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the cluster and the operator running at the end, and print how to reach them",
    )
    parser.add_argument(
        "--kubeconfig",
        type=Path,
        help="where to write the cluster's kubeconfig (default: a new temporary directory)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="give up on the jobs this long after the first is submitted (default 300)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="a line per event instead of the live table (the default when stdout is not a terminal)",
    )
    parser.set_defaults(run=run)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        raise CLIError(f"--timeout must be positive, got {args.timeout:g}")
    from rich.console import Console

    from accelfleet.demo.processes import DemoError
    from accelfleet.demo.runner import DemoOptions, run_demo

    created: Path | None = None
    if args.kubeconfig is None:
        created = Path(tempfile.mkdtemp(prefix="accelfleet-demo-"))
        kubeconfig = created / "kubeconfig"
    else:
        kubeconfig = args.kubeconfig.expanduser().absolute()
        if kubeconfig.parent.exists() and not kubeconfig.parent.is_dir():
            raise CLIError(f"cannot write {kubeconfig}: {kubeconfig.parent} is not a directory")
        try:
            kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CLIError(f"cannot write {kubeconfig}: {err.strerror or err}") from err
    interactive = sys.stdout.isatty() and not args.plain
    console = Console(width=None if interactive else 160)
    options = DemoOptions(args.preset, kubeconfig, args.keep, args.timeout, interactive)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        ok = run_demo(options, console)
    except DemoError as err:
        raise CLIError(str(err)) from err
    finally:
        signal.signal(signal.SIGTERM, previous)
        if created is not None and not args.keep:
            shutil.rmtree(created, ignore_errors=True)
    return 0 if ok else 1
