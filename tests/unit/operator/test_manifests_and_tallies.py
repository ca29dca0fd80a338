"""Pod manifests built from a user's template, fleet tallies, and writes that are skipped."""

from __future__ import annotations

from typing import Any

from accelfleet.api.names import ENV_RANK, LABEL_HOSTNAME, SCHEDULING_GATE
from accelfleet.operator.jobs import job_view
from accelfleet.operator.manifests import gang_pod
from accelfleet.operator.mirror import PODS, Mirror
from accelfleet.operator.planner import orphans, waiting

from .fakes import FakeCluster, aijob


def test_template_labels_env_and_other_gates_are_kept_but_ours_win() -> None:
    job = job_view(aijob("t", 2, 4))
    template: dict[str, Any] = {
        "metadata": {"labels": {"team": "llm"}},
        "spec": {
            "nodeSelector": {"zone": "a"},
            "schedulingGates": [{"name": "example.com/quota"}],
            "containers": [
                {"name": "main", "env": [{"name": ENV_RANK, "value": "99"}, {"name": "KEEP", "value": "1"}]},
                {"name": "sidecar"},
            ],
        },
    }
    pod = gang_pod(
        job,
        template,
        index=1,
        replicas=2,
        node="host-1",
        card_model="m",
        resource_name="vendor.com/card",
        cards_per_replica=4,
        attempt=2,
    )
    assert pod["metadata"]["labels"]["team"] == "llm"
    assert pod["spec"]["nodeSelector"] == {"zone": "a", LABEL_HOSTNAME: "host-1"}
    assert pod["spec"]["schedulingGates"] == [{"name": "example.com/quota"}, {"name": SCHEDULING_GATE}]
    main_env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
    assert main_env[ENV_RANK] == "1" and main_env["KEEP"] == "1"
    assert "resources" not in pod["spec"]["containers"][1]
    assert {e["name"]: e["value"] for e in pod["spec"]["containers"][1]["env"]}[ENV_RANK] == "1"
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("t-1", "t")
    assert template["spec"]["schedulingGates"] == [{"name": "example.com/quota"}]


def test_a_not_ready_node_turns_its_platform_not_ready_and_counts_unhealthy_cards() -> None:
    cluster = FakeCluster.small()
    cluster.step()
    cluster.fail_node("zz1-sn00-n00")
    cluster.nodes["zz1-sn01-n01"]["status"]["allocatable"]["hygon.com/hcu"] = "6"
    cluster.step()
    ready = next(c for c in cluster.platforms["zz1"]["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "NodesNotReady")
    assert cluster.platforms["zz1"]["status"]["readyNodes"] == 3
    assert cluster.accelcards["hygon-bw1000"]["status"]["healthy"] == 30
    rows = {(r.platform, r.model): r for r in cluster.plan().cards}
    assert rows[("zz1", "hygon-bw1000")].unhealthy == 2


def test_a_waiting_message_that_only_changes_its_figures_is_not_rewritten() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("w", 2, 8))
    job = job_view(cluster.job("w"))
    assert job.spec is not None
    first = waiting(
        job, job.spec, "WaitingForReservation", "reserved for x, waiting for 12 s", "2026-01-01T00:00:00Z"
    )
    assert first.status is not None
    cluster.job("w")["status"] = first.status
    again = job_view(cluster.job("w"))
    assert again.spec is not None
    second = waiting(
        again, again.spec, "WaitingForReservation", "reserved for x, waiting for 14 s", "2026-01-01T00:00:02Z"
    )
    assert second.status is None and second.events == ()


def test_pods_of_a_deleted_job_are_orphans_to_delete_at_once() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("gone", 1, 8))
    cluster.step()
    assert cluster.pods
    del cluster.jobs[("default", "gone")]
    assert [name for _, name, _ in orphans(cluster.world())] == ["gone-0"]


def test_a_fresh_list_drops_what_is_gone_but_keeps_what_is_newer_than_the_list() -> None:
    mirror = Mirror()
    labels = {"accelfleet.io/job": "j"}
    for name, rv in (("old", "3"), ("new", "9")):
        mirror.observe(
            PODS,
            "ADDED",
            {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv, "labels": labels}},
        )
    mirror.replace_all(PODS, [], "5")
    assert list(mirror.store[PODS]) == [("ns", "new")]


def test_a_gang_of_one_pod_is_created_without_the_gang_gate_but_keeps_the_templates_gates() -> None:
    job = job_view(aijob("solo", 1, 8))
    quota = [{"name": "example.com/quota"}]
    expectations: tuple[tuple[list[dict[str, str]], object], ...] = (([], "absent"), (quota, quota))
    for template_gates, expected in expectations:
        template = {"spec": {"containers": [{"name": "main"}], "schedulingGates": template_gates}}
        pod = gang_pod(
            job,
            template,
            index=0,
            replicas=1,
            node="host-1",
            card_model="m",
            resource_name="vendor.com/card",
            cards_per_replica=8,
            attempt=0,
        )
        assert pod["spec"].get("schedulingGates", "absent") == expected
    cluster = FakeCluster.small()
    cluster.add(aijob("solo", 1, 8, cards={"models": ["hygon-bw1000"]}))
    cluster.step()
    assert cluster.writes.get("create") == 1
    assert "ungate" not in cluster.writes
    assert [pod["spec"].get("schedulingGates") for pod in cluster.job_pods("solo")] == [None]
