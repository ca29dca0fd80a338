"""A small kopf operator the tests run against the simulated cluster, as a user's operator would run.

It records what it saw where a test can read it: status fields (through the status subresource),
Events, and on deletion a ConfigMap, written through the kubernetes client.
"""

from __future__ import annotations

from typing import Any

import kopf

GROUP, VERSION, PLURAL = "probe.accelfleet.io", "v1", "widgets"


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.persistence.finalizer = "probe.accelfleet.io/kopf"
    settings.watching.server_timeout = 30


@kopf.on.create(GROUP, VERSION, PLURAL)
def created(spec: kopf.Spec, body: kopf.Body, patch: kopf.Patch, **_: Any) -> dict[str, Any]:
    patch.status["phase"] = "Seen"
    kopf.info(body, reason="WidgetSeen", message=f"widget of size {spec.get('size')} seen")
    return {"size": spec.get("size")}


@kopf.on.update(GROUP, VERSION, PLURAL, field="spec.size")
def resized(new: Any, patch: kopf.Patch, **_: Any) -> None:
    patch.status["observedSize"] = new


@kopf.on.delete(GROUP, VERSION, PLURAL)
def deleted(name: str, namespace: str | None, **_: Any) -> None:
    from kubernetes import client, config

    config.load_kube_config()
    with client.ApiClient() as api:
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"{name}-deleted"), data={"widget": name})
        client.CoreV1Api(api).create_namespaced_config_map(namespace or "default", body)
