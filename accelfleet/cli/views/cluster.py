"""Read what the views need from any cluster, in one pass of list calls.

Lists come back as the API's own JSON (``_preload_content=False``): building the client's model
objects for thousands of nodes and pods costs more than the views themselves.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelfleet.api.names import GROUP, VERSION

Obj = dict[str, Any]


@dataclass(frozen=True)
class ClusterState:
    """The cluster's objects as plain dicts; ``crds_installed`` is False where accelfleet is not."""

    nodes: tuple[Obj, ...]
    pods: tuple[Obj, ...]
    accelcards: tuple[Obj, ...]
    platforms: tuple[Obj, ...]
    aijobs: tuple[Obj, ...]
    crds_installed: bool = True


def _items(response: Any) -> tuple[Obj, ...]:
    body = json.loads(response.data)
    items = body.get("items") if isinstance(body, dict) else None
    return tuple(item for item in items or () if isinstance(item, dict))


def read_cluster(api_client: Any, namespace: str | None = None) -> ClusterState:
    """Nodes, pods, AccelCards, ScaleXPlatforms and AIJobs (of ``namespace``, or all namespaces).

    Pods are listed in every namespace even when ``namespace`` is given: cards a pod elsewhere holds
    are still taken.
    """
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    custom = client.CustomObjectsApi(api_client)
    nodes = _items(core.list_node(_preload_content=False))
    pods = _items(core.list_pod_for_all_namespaces(_preload_content=False))
    try:
        accelcards = _items(
            custom.list_cluster_custom_object(GROUP, VERSION, "accelcards", _preload_content=False)
        )
        platforms = _items(
            custom.list_cluster_custom_object(GROUP, VERSION, "scalexplatforms", _preload_content=False)
        )
        if namespace is None:
            aijobs = _items(
                custom.list_cluster_custom_object(GROUP, VERSION, "aijobs", _preload_content=False)
            )
        else:
            aijobs = _items(
                custom.list_namespaced_custom_object(
                    GROUP, VERSION, namespace, "aijobs", _preload_content=False
                )
            )
    except client.ApiException as err:
        if err.status != 404:
            raise
        return ClusterState(nodes, pods, (), (), (), crds_installed=False)
    return ClusterState(nodes, pods, accelcards, platforms, aijobs)


def read_aijob(api_client: Any, namespace: str, name: str) -> Obj | None:
    """One AIJob, or None when it does not exist."""
    from kubernetes import client

    custom = client.CustomObjectsApi(api_client)
    try:
        response = custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace, "aijobs", name, _preload_content=False
        )
    except client.ApiException as err:
        if err.status == 404:
            return None
        raise
    body = json.loads(getattr(response, "data", b"null"))
    return body if isinstance(body, dict) else None


def connect(kubeconfig: str | None) -> Any:
    """An ApiClient like kubectl's: ``kubeconfig``, else KUBECONFIG, ~/.kube/config, or in-cluster.

    Raises CLIError when none of them says where a cluster is.
    """
    from kubernetes import client, config

    from accelfleet.cli.errors import CLIError

    named = kubeconfig or os.environ.get("KUBECONFIG", "")
    for path in (Path(part).expanduser() for part in named.split(os.pathsep) if part):
        if not path.is_file():
            raise CLIError(f"kubeconfig {path} does not exist")
    try:
        return config.new_client_from_config(config_file=kubeconfig)  # type: ignore[no-untyped-call]
    except (config.ConfigException, OSError) as err:
        if kubeconfig:
            raise CLIError(f"cannot use kubeconfig {kubeconfig}: {err}") from err
        try:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
        except config.ConfigException:
            raise CLIError(
                "no cluster to talk to: set KUBECONFIG (or --kubeconfig), or run inside a cluster"
            ) from err
        return client.ApiClient()


def unreachable(err: BaseException) -> str | None:
    """A one-line reason when ``err`` means the API could not be reached or refused us, else None."""
    from kubernetes import client
    from urllib3.exceptions import HTTPError

    if isinstance(err, client.ApiException):
        return f"the API answered {err.status} {err.reason}"
    if isinstance(err, HTTPError | OSError):
        reason = getattr(err, "reason", None) or err
        return f"cannot reach the cluster: {reason}"
    return None
