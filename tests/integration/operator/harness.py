"""A simulated cluster with the CRDs, catalog and platforms installed, and real operator processes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from kubernetes import client
from kubernetes.client.rest import ApiException

from accelfleet.api.names import ANNOTATION_SIM_DURATION, ANNOTATION_SIM_EXIT_CODE, GROUP, LABEL_JOB, VERSION
from accelfleet.operator import launcher
from accelfleet.operator.launcher import OperatorProcess as OperatorProcess  # the tests' handle type
from accelfleet.sim.launcher import sim_cli
from tests.support.sim import SimHandle

REPO = Path(__file__).resolve().parents[3]
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 60.0, every: float = 0.25) -> T:
    """Poll until ``probe`` returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@dataclass
class Fleet:
    """Typed helpers over the kubernetes client for one simulated cluster."""

    sim: SimHandle
    api: client.ApiClient

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    @property
    def custom(self) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(self.api)

    def install(self) -> None:
        """CRDs, the built-in catalog and the small platforms, as a user would apply them."""
        extensions = client.ApiextensionsV1Api(self.api)
        for path in sorted((REPO / "crds").glob("*.yaml")):
            for doc in load_all(path):
                try:
                    extensions.create_custom_resource_definition(doc)
                except ApiException as err:
                    if err.status != 409:
                        raise
        wait_for("CRDs to be served", lambda: self._served(), timeout=60)
        for plural, path in (
            ("accelcards", "examples/catalog.yaml"),
            ("scalexplatforms", "examples/platforms/small.yaml"),
        ):
            for doc in load_all(REPO / path):
                try:
                    self.custom.create_cluster_custom_object(GROUP, VERSION, plural, doc)
                except ApiException as err:
                    if err.status != 409:
                        raise

    def _served(self) -> bool:
        try:
            self.custom.list_cluster_custom_object(GROUP, VERSION, "aijobs")
            self.custom.list_cluster_custom_object(GROUP, VERSION, "accelcards")
            return True
        except ApiException:
            return False

    def cards_advertised(self) -> int:
        total = 0
        for node in self.core.list_node().items:
            total += sum(int(v) for k, v in (node.status.allocatable or {}).items() if "/" in k)
        return total

    def submit(
        self, doc: dict[str, Any], *, seconds: float = 2, exit_code: int | None = None, name: str = ""
    ) -> str:
        """Create an AIJob from an example document under a fresh name, with a short simulated run."""
        job = yaml.safe_load(yaml.safe_dump(doc))
        job["metadata"]["name"] = name or f"{doc['metadata']['name']}-{uuid.uuid4().hex[:5]}"
        job["metadata"]["namespace"] = "default"
        annotations = job["spec"]["template"].setdefault("metadata", {}).setdefault("annotations", {})
        annotations[ANNOTATION_SIM_DURATION] = str(seconds)
        if exit_code is not None:
            annotations[ANNOTATION_SIM_EXIT_CODE] = str(exit_code)
        self.custom.create_namespaced_custom_object(GROUP, VERSION, "default", "aijobs", job)
        return str(job["metadata"]["name"])

    def job(self, name: str) -> dict[str, Any]:
        return dict(self.custom.get_namespaced_custom_object(GROUP, VERSION, "default", "aijobs", name))

    def status(self, name: str) -> dict[str, Any]:
        return dict(self.job(name).get("status") or {})

    def condition(self, name: str, kind: str) -> dict[str, Any]:
        return next((c for c in self.status(name).get("conditions", []) if c["type"] == kind), {})

    def phase_is(self, name: str, *phases: str) -> dict[str, Any] | None:
        status = self.status(name)
        return status if status.get("phase") in phases else None

    def pods(self, job: str) -> list[Any]:
        return list(self.core.list_namespaced_pod("default", label_selector=f"{LABEL_JOB}={job}").items)

    def events(self, job: str) -> list[Any]:
        found = self.core.list_namespaced_event("default").items
        return [e for e in found if e.involved_object.name == job and e.involved_object.kind == "AIJob"]

    def delete_job(self, name: str) -> None:
        self.custom.delete_namespaced_custom_object(GROUP, VERSION, "default", "aijobs", name)

    def sim_cli(self, *args: str) -> None:
        done = sim_cli(*args, "--kubeconfig", str(self.sim.kubeconfig))
        assert done.returncode == 0, done.stderr

    def annotate_node(self, name: str, key: str, value: str | None) -> None:
        self.core.patch_node(name, {"metadata": {"annotations": {key: value}}})


def start_operator(sim: SimHandle, directory: Path, *args: str) -> OperatorProcess:
    handle = launcher.start_operator(
        sim.kubeconfig, directory / f"operator-{uuid.uuid4().hex[:8]}.log", *args
    )
    if not handle.wait_healthy(60):
        handle.stop()
        raise AssertionError(f"operator did not come up:\n{handle.log.read_text()[-3000:]}")
    return handle


@contextmanager
def operator(sim: SimHandle, directory: Path, *args: str) -> Iterator[OperatorProcess]:
    handle = start_operator(sim, directory, *args)
    try:
        yield handle
    finally:
        handle.stop()
