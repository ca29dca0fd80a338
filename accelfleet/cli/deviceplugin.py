"""``accelfleet deviceplugin``: advertise simulated accelerator cards to the kubelet.

Normally runs as a DaemonSet with ``--node`` (or ``NODE_NAME``) and learns its cards from the Node's
labels and the AccelCard; ``--card MODEL --count N`` runs without any API for quick tries.
"""

from __future__ import annotations

import argparse
import math
import os
from typing import Any

from accelfleet.cli.errors import CLIError
from accelfleet.deviceplugin.sockets import (
    DEFAULT_KUBELET_DIR,
    DEFAULT_POD_RESOURCES_INTERVAL_S,
    DEFAULT_POD_RESOURCES_SOCKET,
)

DEFAULT_METRICS_PORT = 9464
DEVICE_SPECS_CHOICES = ("auto", "always", "never")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "deviceplugin",
        help="advertise simulated accelerator cards to the kubelet (device-plugin API v1beta1)",
        description=(
            "Serves the kubelet device-plugin API for the cards its Node's labels name "
            "(accelfleet.io/card, accelfleet.io/card-count), or for --card/--count without an API."
        ),
    )
    parser.add_argument(
        "--node", default=os.environ.get("NODE_NAME"), help="this Node's name (env NODE_NAME)"
    )
    parser.add_argument(
        "--kubelet-dir",
        default=DEFAULT_KUBELET_DIR,
        help=f"the kubelet's device-plugin directory holding kubelet.sock (default {DEFAULT_KUBELET_DIR})",
    )
    parser.add_argument(
        "--pod-resources-socket",
        default=DEFAULT_POD_RESOURCES_SOCKET,
        help=(
            "the kubelet's PodResources socket, read to annotate pods with the cards they hold "
            f"(default {DEFAULT_POD_RESOURCES_SOCKET}; '' turns this off)"
        ),
    )
    parser.add_argument(
        "--pod-resources-interval",
        type=float,
        default=DEFAULT_POD_RESOURCES_INTERVAL_S,
        metavar="SECONDS",
        help=(
            "how often pods' annotations are checked against PodResources besides right after each "
            f"Allocate (default {DEFAULT_POD_RESOURCES_INTERVAL_S:g})"
        ),
    )
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: KUBECONFIG, ~/.kube/config, then in-cluster config)"
    )
    parser.add_argument("--card", metavar="MODEL", help="standalone: the built-in card model to advertise")
    parser.add_argument("--count", metavar="N", help="standalone: how many cards")
    parser.add_argument(
        "--unhealthy-file",
        metavar="PATH",
        help="standalone: a file listing unhealthy card indices like '0,3' (re-read when it changes)",
    )
    parser.add_argument(
        "--device-specs",
        choices=DEVICE_SPECS_CHOICES,
        default="auto",
        help=(
            "device nodes Allocate returns: auto = only those present on the host (simulated cards "
            "have none, and a runtime refuses missing ones), always = all the card's nodes, never = none"
        ),
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=DEFAULT_METRICS_PORT,
        help=f"port for /metrics and /healthz (default {DEFAULT_METRICS_PORT}; 0 disables)",
    )
    parser.add_argument("--metrics-address", default="0.0.0.0", help="address for /metrics and /healthz")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    parser.set_defaults(run=run)


def _standalone(args: argparse.Namespace) -> Any:
    from accelfleet.api.catalog import builtin_card, builtin_cards
    from accelfleet.deviceplugin.app import StandaloneSource
    from accelfleet.deviceplugin.inventory import parse_card_count
    from accelfleet.deviceplugin.profile import profile_from_accelcard

    card = builtin_card(args.card)
    if card is None:
        known = ", ".join(c.metadata.name for c in builtin_cards())
        raise CLIError(f"unknown card model {args.card!r}; built-in models: {known}")
    if args.count is None:
        raise CLIError("--card needs --count N")
    try:
        count = parse_card_count(args.count)
    except ValueError as err:
        raise CLIError(f"--count: {err}") from None
    return StandaloneSource(profile_from_accelcard(card), count, args.unhealthy_file)


def _api_client(kubeconfig: str | None) -> Any:
    from kubernetes import client, config

    try:
        return config.new_client_from_config(config_file=kubeconfig)  # type: ignore[no-untyped-call]
    except config.ConfigException as err:
        if kubeconfig or os.environ.get("KUBECONFIG"):
            raise CLIError(f"cannot load kubeconfig: {err}") from None
    configuration = client.Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except config.ConfigException:
        raise CLIError(
            "no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not in a cluster"
        ) from None
    return client.ApiClient(configuration)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from accelfleet.deviceplugin.allocate import DeviceSpecsMode
    from accelfleet.deviceplugin.app import NodeSource, PluginOptions, run_plugin

    if not 0 <= args.metrics_port <= 65535:
        raise CLIError(f"--metrics-port {args.metrics_port} is not a port number")
    if not (math.isfinite(args.pod_resources_interval) and args.pod_resources_interval > 0):
        raise CLIError(
            f"--pod-resources-interval {args.pod_resources_interval:g} is not a positive, finite number of seconds"
        )
    source: Any
    if args.card is not None:
        source = _standalone(args)
    elif args.count is not None or args.unhealthy_file is not None:
        raise CLIError("--count and --unhealthy-file need --card")
    elif not args.node:
        raise CLIError(
            "no node name: pass --node NAME or set NODE_NAME (or --card/--count to run standalone)"
        )
    else:
        source = NodeSource(_api_client(args.kubeconfig), args.node)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    options = PluginOptions(
        kubelet_dir=args.kubelet_dir,
        source=source,
        specs_mode=DeviceSpecsMode(args.device_specs),
        metrics_address=args.metrics_address,
        metrics_port=args.metrics_port,
        pod_resources_socket=args.pod_resources_socket or None,
        pod_resources_interval=args.pod_resources_interval,
    )
    try:
        asyncio.run(run_plugin(options))
    except OSError as err:
        raise CLIError(str(err)) from None
    return 0
