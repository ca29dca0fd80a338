import pytest

from accelfleet.sim.selectors import make_selection, parse_field_selector, parse_label_selector
from accelfleet.sim.store import BadRequestError


def pod(name: str, labels: dict[str, str], node: str = "", phase: str = "Pending") -> dict[str, object]:
    return {
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": {"nodeName": node} if node else {},
        "status": {"phase": phase},
    }


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "db"}, False),
        ("app!=web", {}, True),
        ("app in (web, db),tier", {"app": "db", "tier": "x"}, True),
        ("app notin (web,db)", {"app": "db"}, False),
        ("!canary", {"canary": "1"}, False),
        (
            "accelfleet.io/job=train-1,accelfleet.io/replica=0",
            {"accelfleet.io/job": "train-1", "accelfleet.io/replica": "0"},
            True,
        ),
        ("", {"anything": "x"}, True),
    ],
)
def test_label_selectors_match_like_kubectl(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert make_selection("Pod", None, selector, None).matches(pod("p", labels)) is expected


def test_field_selectors_on_pod_fields_and_missing_values() -> None:
    bound = pod("a", {}, node="n1", phase="Running")
    unbound = pod("b", {})
    by_node = make_selection("Pod", None, None, "spec.nodeName=n1")
    assert by_node.matches(bound) and not by_node.matches(unbound)
    assert make_selection("Pod", None, None, "spec.nodeName=").matches(unbound)
    assert make_selection("Pod", "default", None, "status.phase!=Running,metadata.name=b").matches(unbound)
    assert make_selection("Pod", None, None, "metadata.name=a").single_name() == "a"


def test_unsupported_field_label_is_a_bad_request_with_the_server_wording() -> None:
    with pytest.raises(BadRequestError, match=r'field label not supported: "spec\.replicas"'):
        parse_field_selector("spec.replicas=1", "Deployment")


def test_event_involved_object_fields_are_selectable() -> None:
    selection = make_selection("Event", None, None, "involvedObject.name=job-1,involvedObject.kind=AIJob")
    event = {"metadata": {"name": "e"}, "involvedObject": {"name": "job-1", "kind": "AIJob"}}
    assert selection.matches(event)


def test_malformed_label_selector_is_refused() -> None:
    with pytest.raises(BadRequestError):
        parse_label_selector("app in web")
