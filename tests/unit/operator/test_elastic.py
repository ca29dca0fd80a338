"""Elastic gangs in the operator: started at the size that fits, pods and world size for that size only."""

from __future__ import annotations

from typing import Any

from accelfleet.api.names import ENV_WORLD_SIZE

from .fakes import FakeCluster, aijob

ASCEND = {"models": ["huawei-ascend-910b"]}
NOTE = "started 3 of 4 replicas (minAvailable 2)"


def _env(pod: dict[str, Any], name: str) -> str:
    return str(next(e["value"] for e in pod["spec"]["containers"][0]["env"] if e["name"] == name))


def _pod_names(cluster: FakeCluster, job: str) -> list[str]:
    return sorted(pod["metadata"]["name"] for pod in cluster.job_pods(job))


def _one_ascend_server_busy() -> FakeCluster:
    """The small fleet with one of its four Ascend servers held by a running job: three are free."""
    cluster = FakeCluster.small()
    cluster.add(aijob("hold", 1, 8, cards=ASCEND))
    cluster.step()
    cluster.run_pods("hold")
    cluster.step()
    return cluster


def test_an_elastic_gang_is_placed_at_the_size_that_fits_with_pods_for_those_ranks_only() -> None:
    cluster = _one_ascend_server_busy()
    cluster.add(aijob("train", 4, 8, cards=ASCEND, gang={"minAvailable": 2}))
    cluster.step()
    status = cluster.status("train")
    assert status["phase"] == "Scheduled"
    assert status["cards"] == "3x8"
    ranks = sorted(rank for node in status["placement"]["nodes"] for rank in node["replicas"])
    assert ranks == [0, 1, 2]
    assert _pod_names(cluster, "train") == ["train-0", "train-1", "train-2"]
    assert {_env(pod, ENV_WORLD_SIZE) for pod in cluster.job_pods("train")} == {"3"}
    assert all(not pod["spec"]["schedulingGates"] for pod in cluster.job_pods("train"))
    ((_, reason, message),) = [event for event in cluster.events if event[0] == "train"]
    assert reason == "Placed"
    assert message.startswith("placed 3 x 8 huawei-ascend-910b cards on zz2")
    assert message.endswith(NOTE)
    assert cluster.condition("train", "Scheduled")["message"] == message


def test_an_elastic_gang_runs_and_succeeds_at_its_size_and_never_grows() -> None:
    cluster = _one_ascend_server_busy()
    cluster.add(aijob("train", 4, 8, cards=ASCEND, gang={"minAvailable": 2}))
    cluster.step()
    cluster.run_pods("train")
    cluster.step()
    status = cluster.status("train")
    assert status["phase"] == "Running"
    assert status["readyReplicas"] == 3
    assert status["message"] == f"all 3 replicas running on zz2; {NOTE}"
    assert cluster.events[-1] == ("train", "Started", f"all 3 replicas are running; {NOTE}")
    # The held server frees up: the running gang keeps its size and nothing is written.
    cluster.run_pods("hold", "Succeeded")
    cluster.step()
    assert cluster.plan().jobs == ()
    assert _pod_names(cluster, "train") == ["train-0", "train-1", "train-2"]
    cluster.run_pods("train", "Succeeded")
    cluster.step()
    status = cluster.status("train")
    assert status["phase"] == "Succeeded"
    assert status["cards"] == "3x8"
    assert status["message"] == f"all 3 replicas exited 0; {NOTE}"
    assert cluster.condition("train", "Complete")["status"] == "True"


def test_a_restarted_elastic_gang_is_placed_again_at_the_size_that_fits_then() -> None:
    cluster = _one_ascend_server_busy()
    cluster.add(aijob("train", 4, 8, cards=ASCEND, gang={"minAvailable": 2}))
    cluster.step()
    cluster.run_pods("train")
    cluster.step()
    cluster.run_pods("hold", "Succeeded")
    cluster.job_pods("train")[0]["status"] = {"phase": "Failed", "exitCodes": [1]}
    cluster.step()
    status = cluster.status("train")
    assert (status["phase"], status["restarts"], status["cards"]) == ("Pending", 1, "2-4x8")
    assert "placement" not in status
    cluster.step()
    status = cluster.status("train")
    assert (status["phase"], status["cards"]) == ("Scheduled", "4x8")
    assert _pod_names(cluster, "train") == ["train-0", "train-1", "train-2", "train-3"]
    assert {_env(pod, ENV_WORLD_SIZE) for pod in cluster.job_pods("train")} == {"4"}
    assert cluster.events[-1][2].endswith("started 4 of 4 replicas (minAvailable 2)")


def test_an_elastic_gang_whose_minimum_does_not_fit_waits_and_says_so() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("hold", 3, 8, cards=ASCEND, topology={"scope": "platform"}))
    cluster.step()
    cluster.add(aijob("train", 4, 8, cards=ASCEND, gang={"minAvailable": 2}))
    cluster.step()
    status = cluster.status("train")
    assert (status["phase"], status["cards"]) == ("Pending", "2-4x8")
    assert cluster.condition("train", "Valid")["status"] == "True"
    assert cluster.condition("train", "Scheduled")["reason"] == "InsufficientCards"
    assert status["message"].startswith(
        "needs at least 16 huawei-ascend-910b cards (2 x 8, up to 4 replicas)"
    )
    assert cluster.job_pods("train") == []


def test_feasibility_of_an_elastic_gang_is_judged_by_its_minimum() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("wide", 6, 8, cards=ASCEND, gang={"minAvailable": 4}, topology={"scope": "platform"}))
    cluster.add(aijob("never", 6, 8, cards=ASCEND, gang={"minAvailable": 5}))
    cluster.step()
    assert cluster.status("wide")["cards"] == "4x8"
    assert cluster.condition("never", "Valid")["reason"] == "ExceedsFleet"
    assert "at least 40 cards (5 x 8, up to 6 replicas)" in cluster.status("never")["message"]


def test_a_placement_outside_minimum_and_replicas_after_a_spec_edit_is_released() -> None:
    cluster = _one_ascend_server_busy()
    cluster.add(aijob("train", 4, 8, cards=ASCEND, gang={"minAvailable": 2}))
    cluster.step()
    job = cluster.job("train")
    job["spec"] = {**job["spec"], "gang": {"minAvailable": 4}}
    cluster.step()
    status = cluster.status("train")
    assert (status["phase"], status["restarts"]) == ("Pending", 0)
    assert "placement of 3 replicas does not match" in cluster.condition("train", "Scheduled")["message"]
    assert cluster.job_pods("train") == []


def test_a_gang_without_a_minimum_below_replicas_keeps_today_s_messages() -> None:
    cluster = FakeCluster.small()
    cluster.add(aijob("train", 2, 8, cards=ASCEND, gang={"minAvailable": 2}))
    cluster.step()
    status = cluster.status("train")
    assert status["cards"] == "2x8"
    assert "minAvailable" not in cluster.events[-1][2]
