"""``accelfleet sim up|down``: a simulated Kubernetes cluster on 127.0.0.1 for kubectl, helm and kopf."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from accelfleet.cli.errors import CLIError

DEFAULT_PORT = 6443


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="run a simulated Kubernetes cluster (API server, scheduler, kubelets) on 127.0.0.1",
        description="Run a simulated Kubernetes cluster that kubectl, helm, kopf and client libraries use unchanged.",
    )
    commands = parser.add_subparsers(dest="sim_command", metavar="SIM_COMMAND", parser_class=type(parser))
    commands.required = True

    up = commands.add_parser("up", help="start the simulated cluster and write its kubeconfig")
    up.add_argument("--preset", help="node fleet: small, scnet, or a preset FILE (default: no nodes)")
    up.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"API port on 127.0.0.1; 0 picks a free one (default {DEFAULT_PORT})",
    )
    up.add_argument(
        "--kubeconfig",
        type=Path,
        help="where to write the kubeconfig (default: $ACCELFLEET_SIM_KUBECONFIG or ~/.kube/accelfleet-sim.yaml)",
    )
    up.add_argument(
        "--state-dir", type=Path, help="keep objects in SQLite here so a restart resumes (default: in memory)"
    )
    up.add_argument(
        "--node-mode",
        choices=("plugin", "static"),
        help="device-plugin processes or static capacity (default: the preset's)",
    )
    up.add_argument(
        "--watch-history",
        type=int,
        default=10_000,
        help="changes kept per resource for watch resume; older resourceVersions get 410 Gone (default 10000)",
    )
    up.add_argument(
        "--detach", action="store_true", help="run in the background; return once the cluster is ready"
    )
    up.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    up.set_defaults(run=run_up)

    down = commands.add_parser("down", help="stop the simulated cluster and every process it started")
    down.add_argument(
        "--kubeconfig",
        type=Path,
        help="the kubeconfig written by 'sim up' (default: $ACCELFLEET_SIM_KUBECONFIG, then $KUBECONFIG "
        "if a sim wrote it, then ~/.kube/accelfleet-sim.yaml)",
    )
    down.set_defaults(run=run_down)

    from accelfleet.sim.nodes.node_commands import add_node_commands

    add_node_commands(commands)


def _kubeconfig_path(arg: Path | None) -> Path:
    from accelfleet.sim.kubeconfig import default_path

    return (arg.expanduser() if arg else default_path()).absolute()


def _check_preset(preset: str | None) -> None:
    if preset is None:
        return
    from accelfleet.sim.nodes.runtime import validate_preset

    try:
        validate_preset(preset)
    except ValueError as err:
        raise CLIError(str(err)) from err


def _refuse_if_running(path: Path) -> None:
    from accelfleet.sim import daemon, kubeconfig

    access = kubeconfig.read(path)
    if access is not None and access.pid and access.pid != os.getpid() and daemon.is_sim_process(access.pid):
        raise CLIError(
            f"a simulated cluster is already running for {path} (pid {access.pid}); "
            f"stop it with 'accelfleet sim down --kubeconfig {path}'"
        )


def _child_argv(args: argparse.Namespace, path: Path) -> list[str]:
    argv = ["sim", "up", "--port", str(args.port), "--kubeconfig", str(path), "--log-level", args.log_level]
    if args.preset:
        argv += ["--preset", args.preset]
    if args.state_dir:
        argv += ["--state-dir", str(args.state_dir.expanduser().absolute())]
    if args.node_mode:
        argv += ["--node-mode", args.node_mode]
    argv += ["--watch-history", str(args.watch_history)]
    return argv


def run_up(args: argparse.Namespace) -> int:
    from accelfleet.sim import daemon

    if not 0 <= args.port <= 65535:
        raise CLIError(f"--port must be between 0 and 65535, got {args.port}")
    if args.watch_history < 1:
        raise CLIError(f"--watch-history must be at least 1, got {args.watch_history}")
    path = _kubeconfig_path(args.kubeconfig)
    _check_preset(args.preset)
    _refuse_if_running(path)
    if args.state_dir and args.state_dir.exists() and not args.state_dir.is_dir():
        raise CLIError(f"--state-dir {args.state_dir} is not a directory")
    if args.detach:
        log_path = path.with_name(path.name + ".log")
        process = daemon.spawn(_child_argv(args, path), log_path)
        try:
            access = daemon.wait_ready(path, process, log_path)
        except daemon.DaemonError as err:
            raise CLIError(str(err)) from err
        sys.stdout.write(
            f"accelfleet sim: serving at {access.server} (pid {access.pid}); kubeconfig {path}\n"
        )
        return 0
    from accelfleet.sim.cluster import SimConfig, SimStartError

    daemon.configure_logging(args.log_level)
    config = SimConfig(
        kubeconfig=path,
        port=args.port,
        preset=args.preset,
        state_dir=args.state_dir.expanduser().absolute() if args.state_dir else None,
        node_mode=args.node_mode,
        watch_history=args.watch_history,
    )
    try:
        daemon.run_foreground(config)
    except SimStartError as err:
        raise CLIError(str(err)) from err
    return 0


def run_down(args: argparse.Namespace) -> int:
    from accelfleet.sim import daemon, kubeconfig

    path = kubeconfig.target_path(args.kubeconfig)
    access = kubeconfig.read(path)
    if access is None:
        raise CLIError(f"no simulated cluster kubeconfig at {path}")
    if access.pid is None or not daemon.is_sim_process(access.pid):
        path.unlink(missing_ok=True)
        sys.stdout.write(f"accelfleet sim: not running; removed stale {path}\n")
        return 0
    killed = daemon.stop_process(access.pid)
    path.unlink(missing_ok=True)
    sys.stdout.write(f"accelfleet sim: stopped pid {access.pid}{' (killed)' if killed else ''}\n")
    return 0
