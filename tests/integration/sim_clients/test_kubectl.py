"""Real kubectl v1.33 against the simulated cluster: the everyday commands users run."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from typing import Any

import pytest
import yaml

from tests.integration.sim_clients.conftest import REPO, Client, eventually

pytestmark = pytest.mark.slow


def manifest(*docs: dict[str, Any]) -> str:
    return yaml.safe_dump_all(docs)


def namespace(kubectl: Client, name: str) -> str:
    kubectl.run(
        "create",
        "-f",
        "-",
        stdin=manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
    )
    return name


def config_map(name: str, ns: str, **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, **metadata}}


def gated_pod(name: str, ns: str, **spec: Any) -> dict[str, Any]:
    """A pod the scheduler leaves alone, so tests see exactly what they wrote."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "probe"}},
        "spec": {
            "schedulingGates": [{"name": "test/hold"}],
            "containers": [{"name": "c", "image": "busybox"}],
            **spec,
        },
    }


@pytest.fixture(scope="module")
def crds(kubectl: Client) -> None:
    kubectl.run("apply", "-f", "crds/")
    kubectl.run("wait", "--for=condition=Established", "crd", "--all", "--timeout=30s")


def test_crds_and_examples_apply_and_aijobs_show_printer_columns(kubectl: Client, crds: None) -> None:
    kubectl.run("apply", "-f", "examples/catalog.yaml")
    kubectl.run("apply", "-f", "examples/jobs/")
    table = kubectl.out("get", "aijobs", "-n", "default")
    header = table.splitlines()[0].split()
    assert header == ["NAME", "PHASE", "MODEL", "CARDS", "PLATFORM", "READY", "AGE"]
    names = {
        yaml.safe_load(p.read_text())["metadata"]["name"] for p in (REPO / "examples" / "jobs").glob("*.yaml")
    }
    assert {line.split()[0] for line in table.splitlines()[1:]} == names
    wide = kubectl.out("get", "aijobs", "-n", "default", "-o", "wide").splitlines()[0].split()
    assert {"RESTARTS", "SCOPE", "MESSAGE"} <= set(wide)
    assert kubectl.out("get", "accelcards").splitlines()[0].split()[:4] == [
        "NAME",
        "VENDOR",
        "MODEL",
        "RESOURCE",
    ]


def test_aijob_violating_the_schema_or_its_rules_is_refused_naming_the_field(
    kubectl: Client, crds: None
) -> None:
    done = kubectl.run("apply", "-f", "examples/invalid/zero-replicas.yaml", check=False)
    assert done.returncode != 0
    assert (
        'The AIJob "zero-replicas" is invalid: spec.replicas: Invalid value: 0: '
        "spec.replicas in body should be greater than or equal to 1"
    ) in done.stderr
    enum = kubectl.run("apply", "-f", "examples/invalid/unknown-scope.yaml", check=False)
    assert 'spec.topology.scope: Unsupported value: "rack"' in enum.stderr
    cel = kubectl.run("apply", "-f", "examples/invalid/min-available-over-replicas.yaml", check=False)
    assert (
        'spec.gang.minAvailable: Invalid value: "object": gang.minAvailable must not exceed replicas'
        in cel.stderr
    )
    assert kubectl.run("get", "aijob", "zero-replicas", "-n", "default", check=False).returncode != 0


def test_undeclared_fields_are_refused_by_strict_field_validation(kubectl: Client, crds: None) -> None:
    job = yaml.safe_load((REPO / "examples" / "jobs" / "single-node.yaml").read_text())
    job["metadata"]["name"] = "typo"
    job["spec"]["replcas"] = 2
    done = kubectl.run("apply", "-f", "-", stdin=manifest(job), check=False)
    assert done.returncode != 0
    assert 'unknown field "spec.replcas"' in done.stderr


def test_explain_reads_the_crd_schema(kubectl: Client, crds: None) -> None:
    text = kubectl.out("explain", "aijobs.spec")
    assert "replicas" in text
    assert "cardsPerReplica" in text


def test_get_nodes_by_label_and_describe(kubectl: Client) -> None:
    nodes = [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": {"accelfleet.io/platform": platform}},
        }
        for name, platform in (("lbl-a1", "alpha"), ("lbl-a2", "alpha"), ("lbl-b1", "beta"))
    ]
    kubectl.run("apply", "-f", "-", stdin=manifest(*nodes))
    selected = kubectl.out("get", "nodes", "-l", "accelfleet.io/platform=alpha", "-o", "name").split()
    assert sorted(selected) == ["node/lbl-a1", "node/lbl-a2"]
    assert kubectl.out(
        "get", "nodes", "-l", "accelfleet.io/platform!=alpha,accelfleet.io/platform", "-o", "name"
    ).split() == ["node/lbl-b1"]
    described = kubectl.out("describe", "node", "lbl-b1")
    assert "Name:" in described
    assert "accelfleet.io/platform=beta" in described


def test_field_selector_on_node_name(kubectl: Client) -> None:
    ns = namespace(kubectl, "fieldsel")
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"on-{node}-{i}", "namespace": ns},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]},
        }
        for node in ("fs-n1", "fs-n2")
        for i in range(2)
    ]
    kubectl.run("create", "-f", "-", stdin=manifest(*pods))
    names = kubectl.out(
        "get", "pods", "-n", ns, "--field-selector", "spec.nodeName=fs-n1", "-o", "name"
    ).split()
    assert sorted(names) == ["pod/on-fs-n1-0", "pod/on-fs-n1-1"]
    everywhere = kubectl.out(
        "get", "pods", "-A", "--field-selector", "spec.nodeName=fs-n2", "-o", "name"
    ).split()
    assert sorted(everywhere) == ["pod/on-fs-n2-0", "pod/on-fs-n2-1"]


def test_server_side_apply_tracks_owners_and_conflicts(kubectl: Client) -> None:
    ns = namespace(kubectl, "ssa")
    config = {**config_map("settings", ns), "data": {"a": "1", "b": "2"}}
    assert "serverside-applied" in kubectl.out("apply", "--server-side", "-f", "-", stdin=manifest(config))
    live = json.loads(kubectl.out("get", "cm", "settings", "-n", ns, "-o", "json", "--show-managed-fields"))
    managers = {(e["manager"], e["operation"]) for e in live["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers

    config["data"] = {"a": "10"}
    kubectl.run("apply", "--server-side", "-f", "-", stdin=manifest(config))
    assert json.loads(kubectl.out("get", "cm", "settings", "-n", ns, "-o", "json"))["data"] == {"a": "10"}

    kubectl.run("patch", "cm", "settings", "-n", ns, "--type", "merge", "-p", '{"data":{"a":"patched"}}')
    conflict = kubectl.run("apply", "--server-side", "-f", "-", stdin=manifest(config), check=False)
    assert conflict.returncode != 0
    assert 'conflict with "kubectl-patch"' in conflict.stderr
    assert ".data.a" in conflict.stderr
    kubectl.run("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=manifest(config))
    assert json.loads(kubectl.out("get", "cm", "settings", "-n", ns, "-o", "json"))["data"] == {"a": "10"}


def test_client_side_apply_updates_a_deployment(kubectl: Client) -> None:
    ns = namespace(kubectl, "csa")
    deployment: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{"name": "main", "image": "nginx:1", "env": [{"name": "A", "value": "1"}]}]
                },
            },
        },
    }
    kubectl.run("apply", "-f", "-", stdin=manifest(deployment))
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    applied = kubectl.run("apply", "-f", "-", stdin=manifest(deployment))
    assert "configured" in applied.stdout
    assert "warning" not in applied.stderr.lower()
    image = kubectl.out(
        "get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}"
    )
    assert image == "nginx:2"


def test_patch_with_json_merge_and_strategic_types(kubectl: Client, crds: None) -> None:
    ns = namespace(kubectl, "patches")
    kubectl.run("create", "-f", "-", stdin=manifest(gated_pod("p", ns)))
    kubectl.run(
        "patch",
        "pod",
        "p",
        "-n",
        ns,
        "--type",
        "json",
        "-p",
        '[{"op":"add","path":"/metadata/labels/j","value":"1"}]',
    )
    kubectl.run("patch", "pod", "p", "-n", ns, "--type", "merge", "-p", '{"metadata":{"labels":{"m":"2"}}}')
    kubectl.run(
        "patch",
        "pod",
        "p",
        "-n",
        ns,
        "-p",
        '{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}',
    )
    pod = json.loads(kubectl.out("get", "pod", "p", "-n", ns, "-o", "json"))
    assert pod["metadata"]["labels"] == {"app": "probe", "j": "1", "m": "2"}
    assert [(c["name"], c["image"]) for c in pod["spec"]["containers"]] == [("c", "busybox:2")]

    job = yaml.safe_load((REPO / "examples" / "jobs" / "single-node.yaml").read_text())
    job["metadata"].update(name="patched", namespace=ns)
    kubectl.run("apply", "-f", "-", stdin=manifest(job))
    refused = kubectl.run("patch", "aijob", "patched", "-n", ns, "-p", '{"spec":{"priority":5}}', check=False)
    assert refused.returncode != 0
    assert "application/merge-patch+json" in refused.stderr
    kubectl.run("patch", "aijob", "patched", "-n", ns, "--type", "merge", "-p", '{"spec":{"priority":5}}')
    assert kubectl.out("get", "aijob", "patched", "-n", ns, "-o", "jsonpath={.spec.priority}") == "5"


def test_wait_for_a_condition_set_through_the_status_subresource(kubectl: Client, crds: None) -> None:
    ns = namespace(kubectl, "waiting")
    job = yaml.safe_load((REPO / "examples" / "jobs" / "single-node.yaml").read_text())
    job["metadata"].update(name="waited", namespace=ns)
    kubectl.run("apply", "-f", "-", stdin=manifest(job))
    waiter = subprocess.Popen(
        [str(kubectl.binary), "wait", "--for=condition=Valid", "aijob/waited", "-n", ns, "--timeout=60s"],
        env=kubectl.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = {
            "status": {
                "conditions": [{"type": "Valid", "status": "True", "reason": "Checked", "message": "ok"}]
            }
        }
        kubectl.run(
            "patch",
            "aijob",
            "waited",
            "-n",
            ns,
            "--subresource=status",
            "--type",
            "merge",
            "-p",
            json.dumps(status),
        )
        out, err = waiter.communicate(timeout=60)
    finally:
        waiter.kill()
    assert waiter.returncode == 0, err
    assert "condition met" in out


def test_get_pods_watch_sees_a_change(kubectl: Client) -> None:
    ns = namespace(kubectl, "watching")
    kubectl.run("create", "-f", "-", stdin=manifest(gated_pod("watched", ns)))
    watcher = subprocess.Popen(
        [str(kubectl.binary), "get", "pods", "-n", ns, "--watch", "--output-watch-events"],
        env=kubectl.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in watcher.stdout or []:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []

    def saw(event: str) -> bool:
        while not lines.empty():
            seen.append(lines.get())
        return any(line.split()[:2] == [event, "watched"] for line in seen)

    try:
        eventually(lambda: saw("ADDED"), "the initial listing in kubectl get --watch")
        kubectl.run("label", "pod", "watched", "-n", ns, "changed=yes")
        eventually(lambda: saw("MODIFIED"), f"a MODIFIED line for the pod; got {seen}")
        kubectl.run("delete", "pod", "watched", "-n", ns, "--wait=false")
        eventually(lambda: saw("DELETED"), f"a DELETED line for the pod; got {seen}")
    finally:
        watcher.kill()
        watcher.wait(timeout=10)


def test_delete_cascades_to_owned_objects(kubectl: Client) -> None:
    ns = namespace(kubectl, "cascade")

    def owner_and_child(owner: str) -> None:
        kubectl.run("create", "-f", "-", stdin=manifest(config_map(owner, ns)))
        uid = kubectl.out("get", "cm", owner, "-n", ns, "-o", "jsonpath={.metadata.uid}")
        reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": owner, "uid": uid}
        child = config_map(f"{owner}-child", ns, ownerReferences=[reference])
        kubectl.run("create", "-f", "-", stdin=manifest(child))

    def exists(name: str) -> bool:
        return kubectl.run("get", "cm", name, "-n", ns, check=False).returncode == 0

    for owner, cascade in (("bg", "background"), ("fg", "foreground"), ("orphaner", "orphan")):
        owner_and_child(owner)
        kubectl.run("delete", "cm", owner, "-n", ns, f"--cascade={cascade}", "--timeout=30s")
        assert not exists(owner)
    eventually(lambda: not exists("bg-child"), "background cascade to delete the owned ConfigMap")
    eventually(lambda: not exists("fg-child"), "foreground cascade to delete the owned ConfigMap")
    assert exists("orphaner-child")
    orphan = json.loads(kubectl.out("get", "cm", "orphaner-child", "-n", ns, "-o", "json"))
    assert not orphan["metadata"].get("ownerReferences")


def test_imperative_create_commands_send_protobuf_bodies(kubectl: Client) -> None:
    kubectl.run("create", "namespace", "imperative")
    kubectl.run("create", "configmap", "made", "-n", "imperative", "--from-literal=k=v")
    assert kubectl.out("get", "cm", "made", "-n", "imperative", "-o", "jsonpath={.data.k}") == "v"
