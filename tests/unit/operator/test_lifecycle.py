"""The AIJob lifecycle, decided round by round over a fake cluster (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from accelfleet.api.names import (
    ENV_CARD_MODEL,
    ENV_MASTER_ADDR,
    ENV_RANK,
    ENV_WORLD_SIZE,
    LABEL_HOSTNAME,
    LABEL_JOB,
    LABEL_REPLICA,
    SCHEDULING_GATE,
)
from accelfleet.operator.names import LABEL_ATTEMPT
from accelfleet.operator.planner import plan_round

from .fakes import FakeCluster, aijob


def _env(pod: dict[str, Any], name: str) -> str:
    return str(next(e["value"] for e in pod["spec"]["containers"][0]["env"] if e["name"] == name))


def test_a_fitting_job_is_placed_and_its_pods_are_pinned_gated_and_labelled() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("train", 3, 8, cards={"models": ["huawei-ascend-910b"]}))
    plan = cluster.plan()
    (action,) = plan.jobs
    assert action.status is not None and action.status["phase"] == "Scheduled"
    placement = action.status["placement"]
    assert placement["platform"] == "zz2"
    assert [p["metadata"]["name"] for p in action.create] == ["train-0", "train-1", "train-2"]
    nodes = {n["name"]: n["replicas"] for n in placement["nodes"]}
    for pod in action.create:
        index = int(pod["metadata"]["labels"][LABEL_REPLICA])
        assert pod["metadata"]["labels"][LABEL_JOB] == "train"
        assert pod["metadata"]["labels"][LABEL_ATTEMPT] == "0"
        assert index in nodes[pod["spec"]["nodeSelector"][LABEL_HOSTNAME]]
        assert pod["spec"]["schedulingGates"] == [{"name": SCHEDULING_GATE}]
        assert pod["spec"]["restartPolicy"] == "Never"
        assert pod["spec"]["containers"][0]["resources"]["limits"] == {"huawei.com/Ascend910": "8"}
        assert pod["metadata"]["ownerReferences"][0]["controller"] is True
        assert _env(pod, ENV_RANK) == str(index)
        assert _env(pod, ENV_WORLD_SIZE) == "3"
        assert _env(pod, ENV_CARD_MODEL) == "huawei-ascend-910b"
        assert _env(pod, ENV_MASTER_ADDR) == "train-0.train.default.svc"
        assert pod["metadata"]["annotations"]["accelfleet.io/sim-duration"] == "5"
    assert action.service is not None and action.service["spec"]["clusterIP"] == "None"
    assert [e.reason for e in action.events] == ["Placed"]


def test_job_runs_to_success_and_writes_nothing_when_nothing_changes() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("train", 2, 4, cards={"models": ["hygon-bw1000"]}))
    cluster.step()
    assert all(not p["spec"]["schedulingGates"] for p in cluster.job_pods("train"))
    cluster.run_pods("train")
    cluster.step()
    assert cluster.status("train")["phase"] == "Running"
    assert cluster.status("train")["readyReplicas"] == 2
    assert cluster.condition("train", "Running")["status"] == "True"
    assert cluster.plan().jobs == ()
    cluster.run_pods("train", "Succeeded")
    cluster.step()
    status = cluster.status("train")
    assert status["phase"] == "Succeeded"
    assert cluster.condition("train", "Complete")["status"] == "True"
    assert "completionTime" in status
    assert [reason for job, reason, _ in cluster.events if job == "train"] == [
        "Placed",
        "Started",
        "Succeeded",
    ]


def test_api_writes_per_pod_stay_within_budget_for_a_large_gang() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("big", 16, 2, cards={"models": ["hygon-bw1000"]}, topology={"scope": "platform"}))
    cluster.step()
    cluster.run_pods("big")
    cluster.step()
    pod_writes = cluster.writes["create"] + cluster.writes["ungate"] + cluster.writes["status"]
    assert pod_writes <= 3 * 16


def test_a_gang_larger_than_the_free_cards_waits_without_any_pod_then_starts() -> None:
    cluster = FakeCluster.small()
    cluster.add(
        aijob("first", 4, 8, cards={"models": ["huawei-ascend-910b"]}, topology={"scope": "platform"})
    )
    cluster.step()
    cluster.run_pods("first")
    cluster.add(aijob("second", 2, 8, cards={"models": ["huawei-ascend-910b"]}))
    cluster.step()
    status = cluster.status("second")
    assert status["phase"] == "Pending"
    assert cluster.condition("second", "Valid")["status"] == "True"
    assert cluster.condition("second", "Scheduled")["reason"] == "InsufficientCards"
    assert "huawei-ascend-910b" in status["message"]
    assert cluster.job_pods("second") == []
    cluster.run_pods("first", "Succeeded")
    cluster.step()
    cluster.step()
    assert cluster.status("second")["phase"] == "Scheduled"
    assert len(cluster.job_pods("second")) == 2


def test_unknown_model_and_impossible_scope_are_invalid_with_an_event_once() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("typo", 2, 8, cards={"models": ["ascend-999"]}))
    cluster.add(
        aijob(
            "huge",
            100,
            8,
            cards={"models": ["huawei-ascend-910b"]},
            topology={"scope": "supernode", "mode": "required"},
        )
    )
    cluster.add(aijob("over", 2, 8, gang={"minAvailable": 3}))
    cluster.step()
    cluster.step()
    assert cluster.condition("typo", "Valid")["reason"] == "UnknownCardModel"
    assert cluster.condition("huge", "Valid")["status"] == "False"
    assert cluster.condition("over", "Valid")["reason"] == "InvalidSpec"
    assert "minAvailable" in cluster.status("over")["message"]
    invalid_events = [job for job, reason, _ in cluster.events if reason == "Invalid"]
    assert sorted(invalid_events) == ["huge", "over", "typo"]
    assert cluster.pods == {}


def test_card_fault_under_a_running_pod_restarts_the_whole_gang_elsewhere() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("train", 2, 8, cards={"models": ["huawei-ascend-910b"]}))
    cluster.step()
    cluster.run_pods("train")
    cluster.step()
    first = {n["name"] for n in cluster.status("train")["placement"]["nodes"]}
    sick = sorted(first)[0]
    cluster.mark_unhealthy(sick, "0,1")
    cluster.nodes[sick]["status"]["allocatable"]["huawei.com/Ascend910"] = "6"
    cluster.step()
    status = cluster.status("train")
    assert status["restarts"] == 1
    assert status["phase"] == "Pending"
    assert cluster.job_pods("train") == []
    assert any(reason == "GangRestarted" and "unhealthy" in msg for _, reason, msg in cluster.events)
    cluster.step()
    status = cluster.status("train")
    assert status["phase"] == "Scheduled"
    assert all(p["metadata"]["labels"][LABEL_ATTEMPT] == "1" for p in cluster.job_pods("train"))
    assert sick not in {n["name"] for n in status["placement"]["nodes"]}


def test_node_loss_restarts_and_more_failures_than_backoff_limit_fail_the_job() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("train", 1, 8, cards={"models": ["hygon-bw1000"]}, backoffLimit=1))
    cluster.step()
    cluster.run_pods("train")
    cluster.step()
    lost = cluster.status("train")["placement"]["nodes"][0]["name"]
    cluster.fail_node(lost)
    plan = cluster.step()
    assert plan.jobs[0].force == {"train-0"}
    assert cluster.status("train")["restarts"] == 1
    assert cluster.condition("train", "Running")["reason"] == "NodeLost"
    cluster.step()
    cluster.run_pods("train", "Failed", exit_code=3)
    cluster.step()
    status = cluster.status("train")
    assert status["phase"] == "Failed"
    assert cluster.condition("train", "Failed")["reason"] == "BackoffLimitExceeded"
    assert "exit code 3" in status["message"]


def test_a_gang_not_running_within_its_timeout_is_released_and_requeued() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("slow", 2, 8, cards={"models": ["hygon-bw1000"]}, gang={"timeoutSeconds": 30}))
    plan = cluster.step()
    assert plan.next_deadline is None
    plan = cluster.step()
    assert plan.next_deadline is not None
    cluster.advance(31)
    cluster.step()
    status = cluster.status("slow")
    assert status["phase"] == "Pending"
    assert status["restarts"] == 0
    assert cluster.condition("slow", "Scheduled")["reason"] == "GangTimeout"
    assert cluster.job_pods("slow") == []
    cluster.step()
    assert cluster.status("slow")["phase"] == "Scheduled"


def test_crash_after_recording_a_placement_recreates_the_same_pods_and_never_double_counts() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("a", 2, 8, cards={"models": ["hygon-bw1000"]}, topology={"scope": "platform"}))
    cluster.step(status_only=True)
    placement = cluster.status("a")["placement"]
    assert cluster.pods == {}
    cluster.add(aijob("b", 3, 8, cards={"models": ["hygon-bw1000"]}, topology={"scope": "platform"}))
    cluster.step()
    assert cluster.status("a")["placement"] == placement
    assert len(cluster.job_pods("a")) == 2
    assert cluster.status("b")["phase"] == "Pending"
    assert cluster.job_pods("b") == []
    cluster.step()
    assert len(cluster.pods) == 2
    card = cluster.accelcards["hygon-bw1000"]["status"]
    assert (card["total"], card["allocated"], card["healthy"]) == (32, 16, 32)


def test_pods_left_over_from_a_crash_before_a_restart_was_finished_are_cleared_first() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("train", 2, 8, cards={"models": ["hygon-bw1000"]}))
    cluster.step()
    cluster.run_pods("train")
    cluster.step()
    cluster.job("train")["status"] = {**cluster.status("train"), "phase": "Pending", "restarts": 1}
    del cluster.job("train")["status"]["placement"]
    plan = cluster.step()
    assert sorted(name for name, _ in plan.jobs[0].delete) == ["train-0", "train-1"]
    assert plan.jobs[0].create == ()
    cluster.step()
    assert cluster.status("train")["phase"] == "Scheduled"


def test_fleet_status_tallies_cards_and_platforms() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("train", 2, 4, cards={"models": ["hygon-bw1000"]}))
    cluster.step()
    zz1 = cluster.platforms["zz1"]["status"]
    assert (zz1["nodes"], zz1["readyNodes"], zz1["superNodes"]) == (4, 4, 2)
    assert zz1["cards"] == [{"model": "hygon-bw1000", "total": 32, "healthy": 32, "allocated": 8}]
    assert zz1["peakPFLOPS"]["bf16"]["total"] > 0
    assert cluster.accelcards["huawei-ascend-910b"]["status"]["allocated"] == 0
    assert {row.model: row.allocated for row in cluster.plan().cards}["hygon-bw1000"] == 8
    cluster.step()
    assert cluster.plan().platform_status == ()
    assert cluster.plan().accelcard_status == ()


def test_a_pod_template_the_api_refuses_makes_the_job_invalid_until_its_spec_changes() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("bad", 2, 8, cards={"models": ["hygon-bw1000"]}))
    cluster.step(status_only=True)
    world = replace(cluster.world(), refused={("default", "bad"): "spec.containers[0].image: Required value"})
    (action,) = plan_round(world, cluster.now).jobs
    assert action.status is not None and "placement" not in action.status
    assert [e.reason for e in action.events] == ["Invalid"]
    cluster.job("bad")["status"] = action.status
    assert cluster.condition("bad", "Valid")["reason"] == "InvalidPodTemplate"
    plan = cluster.plan()
    assert plan.jobs == ()
    assert dict(plan.accelcard_status)["hygon-bw1000"]["allocated"] == 0
    cluster.job("bad")["metadata"]["generation"] = 2
    cluster.step()
    assert cluster.status("bad")["phase"] == "Scheduled"
