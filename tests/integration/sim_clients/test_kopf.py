"""A kopf operator written like a user's runs against the simulated cluster and sees every change."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.sim_clients.conftest import Client, eventually

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
NS = "kopf-probe"


@pytest.fixture(scope="module")
def operator(kubectl: Client) -> Iterator[subprocess.Popen[str]]:
    kubectl.run("apply", "-f", str(HERE / "widget-crd.yaml"))
    kubectl.run("wait", "--for=condition=Established", "crd/widgets.probe.accelfleet.io", "--timeout=30s")
    kubectl.run(
        "create",
        "-f",
        "-",
        stdin=yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kopf",
            "run",
            "--standalone",
            "--namespace",
            NS,
            str(HERE / "kopf_operator.py"),
        ],
        env=kubectl.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)  # pytest shows it when a test of this module failed


def widget(kubectl: Client, name: str) -> dict[str, Any]:
    done = kubectl.run("get", "widget", name, "-n", NS, "-o", "json", check=False)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def test_handlers_fire_status_patches_land_and_events_are_posted(
    kubectl: Client, operator: subprocess.Popen[str]
) -> None:
    body = {
        "apiVersion": "probe.accelfleet.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w1", "namespace": NS},
    }
    kubectl.run("create", "-f", "-", stdin=yaml.safe_dump({**body, "spec": {"size": 3}}))

    def status() -> dict[str, Any]:
        found: dict[str, Any] = widget(kubectl, "w1").get("status") or {}
        return found

    eventually(lambda: status().get("phase") == "Seen", "the create handler's status patch", timeout=60)
    assert status()["created"] == {"size": 3}
    assert "probe.accelfleet.io/kopf" in widget(kubectl, "w1")["metadata"]["finalizers"]

    def reasons() -> set[str]:
        events = json.loads(
            kubectl.out("get", "events", "-n", NS, "--field-selector", "involvedObject.name=w1", "-o", "json")
        )
        return {e.get("reason") for e in events["items"]}

    eventually(lambda: "WidgetSeen" in reasons(), "the operator's Event", timeout=30)

    kubectl.run("patch", "widget", "w1", "-n", NS, "--type", "merge", "-p", '{"spec":{"size":5}}')
    eventually(lambda: status().get("observedSize") == 5, "the update handler's status patch", timeout=60)

    kubectl.run("delete", "widget", "w1", "-n", NS, "--wait=false")
    eventually(lambda: not widget(kubectl, "w1"), "the delete handler to release the finalizer", timeout=60)
    assert kubectl.out("get", "cm", "w1-deleted", "-n", NS, "-o", "jsonpath={.data.widget}") == "w1"
    assert operator.poll() is None, "the operator exited"
