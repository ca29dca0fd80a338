from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from accelfleet.api.names import ANNOTATION_ALLOCATED_CARDS
from accelfleet.deviceplugin.allocate import DeviceSpecsMode, allocate_container
from accelfleet.deviceplugin.inventory import build_inventory
from accelfleet.deviceplugin.pod_cards import (
    PodView,
    annotation_patch,
    annotation_value,
    cards_by_pod,
    plan_annotations,
    pod_view,
)
from accelfleet.deviceplugin.podresources.v1 import api_pb2
from tests.unit.deviceplugin.cards import ASCEND, HYGON

CARDS = build_inventory(ASCEND, 8)
IDS = [card.id for card in CARDS]


def listed(namespace: str, name: str, containers: Mapping[str, Mapping[str, Sequence[str]]]) -> Any:
    return api_pb2.PodResources(
        namespace=namespace,
        name=name,
        containers=[
            api_pb2.ContainerResources(
                name=container,
                devices=[
                    api_pb2.ContainerDevices(resource_name=resource, device_ids=ids)
                    for resource, ids in devices.items()
                ],
            )
            for container, devices in containers.items()
        ],
    )


def indices(held: Mapping[tuple[str, str], Sequence[Any]]) -> dict[tuple[str, str], str]:
    return {pod: annotation_value(cards) for pod, cards in held.items()}


def view(name: str, value: str | None = None, acknowledged: bool = True) -> PodView:
    return PodView("team", name, "41", value, acknowledged)


def test_each_pod_gets_the_indices_of_the_cards_its_containers_hold() -> None:
    listing = [
        listed("team", "worker-0", {"main": {ASCEND.resource_name: [IDS[6], IDS[2]]}}),
        listed("team", "worker-1", {"main": {ASCEND.resource_name: [IDS[0]]}, "side": {}}),
        listed("team", "no-cards", {"main": {}}),
    ]
    held = cards_by_pod(listing, ASCEND.resource_name, CARDS)
    assert indices(held) == {("team", "worker-0"): "2,6", ("team", "worker-1"): "0"}


def test_the_value_is_what_allocate_puts_in_the_visible_devices_variable() -> None:
    chosen = [IDS[7], IDS[1], IDS[4]]
    allocation = allocate_container(ASCEND, CARDS, chosen, DeviceSpecsMode.NEVER, lambda _: False)
    held = cards_by_pod(
        [listed("ns", "p", {"c": {ASCEND.resource_name: chosen}})], ASCEND.resource_name, CARDS
    )
    assert annotation_value(held[("ns", "p")]) == allocation.annotations[ANNOTATION_ALLOCATED_CARDS]
    assert allocation.envs["ASCEND_VISIBLE_DEVICES"] == "1,4,7"


def test_cards_of_several_containers_are_joined_once() -> None:
    listing = [
        listed(
            "ns",
            "p",
            {
                "a": {ASCEND.resource_name: [IDS[3]]},
                "b": {ASCEND.resource_name: [IDS[1], IDS[3]]},
            },
        )
    ]
    assert indices(cards_by_pod(listing, ASCEND.resource_name, CARDS)) == {("ns", "p"): "1,3"}


def test_other_resources_and_unknown_ids_are_not_ours() -> None:
    hygon_ids = [card.id for card in build_inventory(HYGON, 2)]
    listing = [
        listed("ns", "hygon", {"c": {HYGON.resource_name: hygon_ids}}),
        listed("ns", "stale", {"c": {ASCEND.resource_name: ["huawei-ascend-910b-12", IDS[5]]}}),
        listed("ns", "lookalike", {"c": {"other.com/card": [IDS[0]]}}),
    ]
    assert indices(cards_by_pod(listing, ASCEND.resource_name, CARDS)) == {("ns", "stale"): "5"}


def test_a_name_listed_twice_is_left_alone_until_the_kubelet_drops_one() -> None:
    listing = [
        listed("ns", "job-0", {"c": {ASCEND.resource_name: [IDS[0]]}}),
        listed("ns", "job-0", {"c": {ASCEND.resource_name: [IDS[1]]}}),
        listed("other", "job-0", {"c": {ASCEND.resource_name: [IDS[2]]}}),
    ]
    assert indices(cards_by_pod(listing, ASCEND.resource_name, CARDS)) == {("other", "job-0"): "2"}


def test_a_pod_counts_as_acknowledged_once_the_kubelet_set_its_start_time_until_it_finishes() -> None:
    def pod(status: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
        meta = {"namespace": "ns", "name": "p", "resourceVersion": "7", "annotations": annotations}
        return {"metadata": meta, "status": status}

    running = pod(
        {"phase": "Running", "startTime": "2025-01-01T00:00:00Z"}, {ANNOTATION_ALLOCATED_CARDS: "1"}
    )
    assert pod_view(running) == PodView("ns", "p", "7", "1", True)
    assert pod_view(pod({"phase": "Pending", "startTime": "2025-01-01T00:00:00Z"})).acknowledged
    assert not pod_view(pod({"phase": "Pending"})).acknowledged
    assert not pod_view(pod({"phase": "Succeeded", "startTime": "2025-01-01T00:00:00Z"})).acknowledged
    assert not pod_view(pod({"phase": "Failed", "startTime": "2025-01-01T00:00:00Z"})).acknowledged
    assert pod_view({"metadata": {"name": "bare"}}).allocated_cards is None


def test_only_acknowledged_pods_lacking_the_right_value_are_patched() -> None:
    held = {
        ("team", "missing"): (CARDS[0], CARDS[1]),
        ("team", "wrong"): (CARDS[2],),
        ("team", "right"): (CARDS[3],),
        ("team", "new"): (CARDS[4],),
        ("team", "not-in-api"): (CARDS[5],),
    }
    pods = [
        view("missing"),
        view("wrong", "7"),
        view("right", "3"),
        view("new", acknowledged=False),
        view("no-cards", "6"),
    ]
    plan = plan_annotations(held, pods)
    assert [(pod.name, value) for pod, value in plan.patches] == [("missing", "0,1"), ("wrong", "2")]
    assert plan.correct == (("team", "right"),)


def test_the_patch_sets_only_the_annotation_and_only_on_the_version_read() -> None:
    assert annotation_patch(view("p"), "0,1") == {
        "metadata": {"resourceVersion": "41", "annotations": {ANNOTATION_ALLOCATED_CARDS: "0,1"}}
    }
