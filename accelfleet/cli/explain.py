"""``accelfleet explain AIJOB``: why a job is where it is, or what blocks it, level by level."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from accelfleet.cli.errors import CLIError

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="why an AIJob is where it is, or what blocks it, platform -> super-node -> node",
        description=(
            "Reads the job, the nodes, the pods and the card catalog, and tells where the gang landed "
            "and why, or, for a waiting job, which card models it accepts and which level of the "
            "topology has no room, using the placement engine the operator runs."
        ),
    )
    parser.add_argument("aijob", metavar="AIJOB", help="name of the AIJob")
    parser.add_argument(
        "--namespace", "-n", help="namespace of the AIJob (default: the kubeconfig's, else default)"
    )
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)"
    )
    parser.set_defaults(run=run)


def _namespace(args: argparse.Namespace) -> str:
    if args.namespace:
        return str(args.namespace)
    from kubernetes import config

    try:
        _, active = config.list_kube_config_contexts(config_file=args.kubeconfig)  # type: ignore[no-untyped-call]
    except (config.ConfigException, OSError):
        return "default"
    namespace = (active or {}).get("context", {}).get("namespace")
    return namespace if isinstance(namespace, str) and namespace else "default"


def run(args: argparse.Namespace) -> int:
    if not _DNS_SUBDOMAIN.match(args.aijob):
        raise CLIError(f"invalid AIJob name {args.aijob!r}: must be a lower-case DNS subdomain")
    from rich.console import Console

    from accelfleet.cli.views.cluster import connect, read_aijob, read_cluster, unreachable
    from accelfleet.cli.views.explain import explain
    from accelfleet.cli.views.explain_render import explain_picture

    namespace = _namespace(args)
    api = connect(args.kubeconfig)
    try:
        job = read_aijob(api, namespace, args.aijob)
        if job is None:
            raise CLIError(f"AIJob {namespace}/{args.aijob} not found")
        state = read_cluster(api, namespace)
    except CLIError:
        raise
    except Exception as err:
        why = unreachable(err)
        if why is None:
            raise
        raise CLIError(why) from err
    finally:
        api.close()
    explanation = explain(job, state.nodes, state.pods, state.accelcards)
    Console(width=None if sys.stdout.isatty() else 140).print(explain_picture(explanation))
    return 0
