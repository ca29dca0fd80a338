"""``accelfleet sim fail-node NAME`` / ``recover-node NAME``: node failure on demand.

The commands run in their own process, so they talk to the sim through its API like any client:
they set or clear the ``accelfleet.io/sim-node-failed`` annotation on the Node, which the simulated
kubelet honours (see ``kubelet.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from accelfleet.cli.errors import CLIError
from accelfleet.sim.nodes.sim_names import ANNOTATION_SIM_NODE_FAILED


def add_node_commands(commands: argparse._SubParsersAction[Any]) -> None:
    fail = commands.add_parser(
        "fail-node",
        help="make a simulated node fail: heartbeats stop, it turns NotReady and its running pods fail",
    )
    fail.add_argument("name", help="the Node's name")
    fail.add_argument(
        "--kubeconfig", type=Path, help="the kubeconfig written by 'sim up' (same default as 'sim down')"
    )
    fail.set_defaults(run=run_fail_node)
    recover = commands.add_parser("recover-node", help="bring a failed simulated node back")
    recover.add_argument("name", help="the Node's name")
    recover.add_argument(
        "--kubeconfig", type=Path, help="the kubeconfig written by 'sim up' (same default as 'sim down')"
    )
    recover.set_defaults(run=run_recover_node)


def run_fail_node(args: argparse.Namespace) -> int:
    _set_failed(args.name, args.kubeconfig, failed=True)
    sys.stdout.write(f"node/{args.name} failed\n")
    return 0


def run_recover_node(args: argparse.Namespace) -> int:
    _set_failed(args.name, args.kubeconfig, failed=False)
    sys.stdout.write(f"node/{args.name} recovered\n")
    return 0


def _set_failed(name: str, kubeconfig: Path | None, *, failed: bool) -> None:
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    from accelfleet.sim.kubeconfig import target_path

    path = target_path(kubeconfig)
    if not path.is_file():
        raise CLIError(f"no simulated cluster kubeconfig at {path}")
    try:
        api_client = config.new_client_from_config(config_file=str(path))  # type: ignore[no-untyped-call]
    except (config.ConfigException, OSError, ValueError) as err:
        raise CLIError(f"cannot load kubeconfig {path}: {err}") from None
    patch = {"metadata": {"annotations": {ANNOTATION_SIM_NODE_FAILED: "true" if failed else None}}}
    try:
        with api_client:
            client.CoreV1Api(api_client).patch_node(name, patch)
    except ApiException as err:
        if err.status == 404:
            raise CLIError(f'node "{name}" not found') from None
        raise CLIError(f"the API refused the change: {err.status} {err.reason}") from None
    except HTTPError as err:
        raise CLIError(f"cannot reach the simulated cluster ({path}): {type(err).__name__}") from None
