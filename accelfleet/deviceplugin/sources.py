"""Where the advertisement comes from: a fixed card model (standalone), or the Node and its AccelCard.

Each source only reads; deciding what to advertise is ``advertisement``'s job, and ``publish``
applies the result on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from accelfleet.api.names import GROUP, VERSION
from accelfleet.deviceplugin.advertisement import Advertisement, advertise, advertise_for_node
from accelfleet.deviceplugin.changes import describe_changes
from accelfleet.deviceplugin.logonce import OnceLogger
from accelfleet.deviceplugin.metrics import PluginMetrics
from accelfleet.deviceplugin.profile import CardProfile, profile_from_object
from accelfleet.deviceplugin.state import AdvertisementState

log = logging.getLogger(__name__)

ACCELCARD_PLURAL = "accelcards"
WATCH_TIMEOUT_S = 300
RETRY_S = 2.0
CRD_POLL_S = 1.0
FILE_POLL_S = 0.2


def publish(state: AdvertisementState, metrics: PluginMetrics, advertisement: Advertisement) -> None:
    level = logging.WARNING if advertisement.problem else logging.INFO
    for line in describe_changes(state.current, advertisement):
        log.log(level, "%s", line)
    if state.set(advertisement):
        metrics.observe(advertisement)


def _read_if_changed(path: str, last: tuple[int, int] | None) -> tuple[tuple[int, int] | None, str | None]:
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == last:
            return stamp, None
        return stamp, Path(path).read_text()
    except FileNotFoundError:
        return None, None


async def follow_unhealthy_file(
    profile: CardProfile, count: int, path: str | None, publish_to: Callable[[Advertisement], None]
) -> None:
    """Standalone mode: health from a file holding ``unhealthy-cards`` syntax (missing file: all healthy)."""
    publish_to(advertise(profile, count, None))
    if path is None:
        return
    last: tuple[int, int] | None = None
    while True:
        stamp, text = await asyncio.to_thread(_read_if_changed, path, last)
        if stamp != last:
            last = stamp
            publish_to(advertise(profile, count, text))
        await asyncio.sleep(FILE_POLL_S)


class KubeSource:
    """Watches one Node and the AccelCards in threads (the kubernetes client is synchronous).

    Every change is handed to the event loop, which recomputes the advertisement from the latest
    Node and catalog. Nothing is published before both have been listed once, so a plugin never
    reports an AccelCard as unknown merely because the catalog has not arrived yet. When the API
    cannot be reached the last advertisement stays: cards do not vanish because of a network blip.
    """

    def __init__(
        self,
        api_client: Any,
        node_name: str,
        loop: asyncio.AbstractEventLoop,
        publish_to: Callable[[Advertisement], None],
    ) -> None:
        self._api_client = api_client
        self._node_name = node_name
        self._loop = loop
        self._publish_to = publish_to
        self._lock = threading.Lock()
        self._once = OnceLogger(log)
        self._node_listed = False
        self._labels: dict[str, str] | None = None
        self._annotations: dict[str, str] = {}
        self._catalog_listed = False
        self._catalog: dict[str, CardProfile | str] = {}
        self._catalog_problem: str | None = None
        self._stopped = threading.Event()

    def start(self) -> None:
        for target, name in ((self._watch_node, "node-watch"), (self._watch_cards, "accelcard-watch")):
            threading.Thread(target=target, name=name, daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def _changed(self) -> None:
        self._loop.call_soon_threadsafe(self._recompute)

    def _recompute(self) -> None:
        with self._lock:
            if not (self._node_listed and self._catalog_listed):
                return
            advertisement = advertise_for_node(
                self._node_name, self._labels, self._annotations, self._catalog, self._catalog_problem
            )
        self._publish_to(advertisement)

    def _set_node(self, node: Any | None) -> None:
        with self._lock:
            self._node_listed = True
            if node is None:
                self._labels, self._annotations = None, {}
            else:
                self._labels = dict(node.metadata.labels or {})
                self._annotations = dict(node.metadata.annotations or {})
        self._changed()

    def _set_cards(self, items: list[dict[str, Any]], problem: str | None = None) -> None:
        catalog: dict[str, CardProfile | str] = {}
        for item in items:
            name = str(item.get("metadata", {}).get("name", ""))
            try:
                catalog[name] = profile_from_object(item)
            except ValueError as err:
                catalog[name] = str(err)
        with self._lock:
            self._catalog_listed = True
            self._catalog = catalog
            self._catalog_problem = problem
        self._changed()

    def _set_card(self, event_type: str, item: dict[str, Any]) -> None:
        name = str(item.get("metadata", {}).get("name", ""))
        with self._lock:
            if event_type == "DELETED":
                self._catalog.pop(name, None)
            else:
                try:
                    self._catalog[name] = profile_from_object(item)
                except ValueError as err:
                    self._catalog[name] = str(err)
        self._changed()

    def _api_trouble(self, what: str, err: Exception) -> None:
        reason = getattr(err, "reason", None) or type(err).__name__
        status = getattr(err, "status", None)
        self._once.report(what, f"cannot {what}: {f'{status} ' if status else ''}{reason}; retrying")
        self._stopped.wait(RETRY_S)

    def _watch_node(self) -> None:
        from kubernetes import client, watch

        core = client.CoreV1Api(self._api_client)
        selector = f"metadata.name={self._node_name}"
        while not self._stopped.is_set():
            try:
                listed = core.list_node(field_selector=selector, _request_timeout=30)
                self._once.report("read the Node", None)
                self._set_node(listed.items[0] if listed.items else None)
                stream = watch.Watch().stream(  # type: ignore[no-untyped-call]
                    core.list_node,
                    field_selector=selector,
                    resource_version=listed.metadata.resource_version if listed.metadata else None,
                    timeout_seconds=WATCH_TIMEOUT_S,
                    _request_timeout=WATCH_TIMEOUT_S + 30,
                )
                for event in stream:
                    if self._stopped.is_set():
                        return
                    if event["type"] in ("ADDED", "MODIFIED"):
                        self._set_node(event["object"])
                    elif event["type"] == "DELETED":
                        self._set_node(None)
            except Exception as err:  # any API or network failure: report once, relist after a pause
                self._api_trouble("read the Node", err)

    def _watch_cards(self) -> None:
        from kubernetes import client, watch

        custom = client.CustomObjectsApi(self._api_client)
        while not self._stopped.is_set():
            try:
                listed = cast(
                    dict[str, Any],
                    custom.list_cluster_custom_object(GROUP, VERSION, ACCELCARD_PLURAL, _request_timeout=30),
                )
            except client.ApiException as err:
                if err.status == 404:
                    self._set_cards(
                        [], f"the AccelCard resource ({ACCELCARD_PLURAL}.{GROUP}) is not installed"
                    )
                    self._stopped.wait(CRD_POLL_S)
                else:
                    self._api_trouble("list AccelCards", err)
                continue
            except Exception as err:
                self._api_trouble("list AccelCards", err)
                continue
            self._once.report("list AccelCards", None)
            self._once.report("watch AccelCards", None)
            self._set_cards(list(listed.get("items", [])))
            try:
                stream = watch.Watch().stream(  # type: ignore[no-untyped-call]
                    custom.list_cluster_custom_object,
                    GROUP,
                    VERSION,
                    ACCELCARD_PLURAL,
                    resource_version=listed.get("metadata", {}).get("resourceVersion"),
                    timeout_seconds=WATCH_TIMEOUT_S,
                    _request_timeout=WATCH_TIMEOUT_S + 30,
                )
                for event in stream:
                    if self._stopped.is_set():
                        return
                    if event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                        self._set_card(event["type"], event["object"])
            except Exception as err:
                self._api_trouble("watch AccelCards", err)
