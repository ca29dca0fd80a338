"""``accelfleet operator``: run the kopf operator that places AIJobs as whole gangs.

Reads ``KUBECONFIG`` like kubectl (or the in-cluster service account). Replicas elect one leader
through a coordination.k8s.io Lease (``--peering NAME``); ``--standalone`` skips the election.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from accelfleet.cli.errors import CLIError

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "operator",
        help="run the operator: AIJobs placed as whole gangs, live AccelCard and ScaleXPlatform status",
        description=(
            "Watches AIJobs, Pods, Nodes, AccelCards and ScaleXPlatforms; places pending gangs "
            "topology-aware and all-or-nothing; serves /metrics and /healthz."
        ),
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--namespace",
        "-n",
        action="append",
        default=[],
        metavar="NS",
        help="watch AIJobs in this namespace (repeatable)",
    )
    scope.add_argument(
        "--all-namespaces", "-A", action="store_true", help="watch AIJobs in every namespace (default)"
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=8080,
        help="port of /metrics and /healthz (default 8080; 0 disables)",
    )
    parser.add_argument("--metrics-address", default="0.0.0.0", help="address of /metrics and /healthz")
    parser.add_argument("--log-format", choices=("json", "text"), default="text", help="log line format")
    election = parser.add_mutually_exclusive_group()
    election.add_argument(
        "--peering",
        metavar="NAME",
        help="name of the Lease the replicas elect their leader with (default accelfleet-operator)",
    )
    election.add_argument("--standalone", action="store_true", help="act at once, without leader election")
    parser.add_argument(
        "--lease-namespace",
        help="namespace of the Lease (default: POD_NAMESPACE, the kubeconfig's, or default)",
    )
    parser.add_argument(
        "--lease-seconds", type=int, default=15, help="lease duration in seconds (default 15)"
    )
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    parser.set_defaults(run=run)


def _check(args: argparse.Namespace) -> None:
    for namespace in args.namespace:
        if not _DNS_LABEL.match(namespace):
            raise CLIError(f"invalid namespace {namespace!r}: must be a DNS label")
    if not 0 <= args.metrics_port <= 65535:
        raise CLIError(f"--metrics-port must be within 0-65535, got {args.metrics_port}")
    if args.lease_seconds < 2:
        raise CLIError(f"--lease-seconds must be at least 2, got {args.lease_seconds}")
    if args.peering is not None and not _DNS_LABEL.match(args.peering):
        raise CLIError(f"invalid --peering name {args.peering!r}: must be a DNS label")
    if args.kubeconfig:
        os.environ["KUBECONFIG"] = args.kubeconfig
    configured = os.environ.get("KUBECONFIG", "")
    paths = [Path(p).expanduser() for p in configured.split(os.pathsep) if p]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise CLIError(f"kubeconfig {missing[0]} does not exist")
    if (
        not paths
        and not Path("~/.kube/config").expanduser().is_file()
        and not _SERVICE_ACCOUNT_TOKEN.is_file()
    ):
        raise CLIError("no cluster to talk to: set KUBECONFIG (or --kubeconfig), or run inside a cluster")


def run(args: argparse.Namespace) -> int:
    _check(args)
    import kopf

    from accelfleet.operator import handlers
    from accelfleet.operator.config import OperatorConfig

    config = OperatorConfig(
        namespaces=tuple(args.namespace),
        metrics_port=args.metrics_port,
        metrics_address=args.metrics_address,
        standalone=args.standalone,
        lease_name=args.peering or OperatorConfig.lease_name,
        lease_namespace=args.lease_namespace or os.environ.get("POD_NAMESPACE") or None,
        lease_seconds=args.lease_seconds,
    )
    log_format = kopf.LogFormat.JSON if args.log_format == "json" else kopf.LogFormat.FULL
    kopf.configure(verbose=args.verbose, log_format=log_format)
    kopf.run(
        standalone=True,
        clusterwide=not config.namespaces,
        namespaces=list(config.namespaces),
        memo=kopf.Memo({handlers.MEMO_CONFIG: config}),
    )
    return 0
