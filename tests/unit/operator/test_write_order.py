"""The order of a round's writes across jobs, seen through a recording stand-in for the API client."""

from __future__ import annotations

import asyncio
from typing import Any

from accelfleet.operator.executor import Executor
from accelfleet.operator.jobs import job_view
from accelfleet.operator.mirror import Mirror
from accelfleet.operator.plan import JobAction, RoundPlan


class RecordingClient:
    """Answers every write at once, after yielding, and remembers the order the writes arrived in."""

    def __init__(self, slow: set[str]) -> None:
        self.calls: list[tuple[str, str]] = []
        self._slow = slow

    async def _answer(self, verb: str, path: str, body: Any) -> dict[str, Any]:
        await asyncio.sleep(0.05 if any(name in path for name in self._slow) else 0)
        self.calls.append((verb, path))
        return body if isinstance(body, dict) and "metadata" in body else {}

    async def patch(self, path: str, body: Any, resource: str, **_: Any) -> dict[str, Any]:
        return await self._answer("patch", path, body)

    async def create(self, path: str, body: Any, resource: str) -> dict[str, Any]:
        return await self._answer("create", path, body)


def _job(name: str) -> Any:
    return job_view(
        {
            "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "generation": 1},
            "spec": {
                "replicas": 1,
                "cardsPerReplica": 8,
                "cards": {"models": ["metax-c500"]},
                "template": {"spec": {"containers": [{"name": "main", "image": "app:1"}]}},
            },
            "status": {"phase": "Running"},
        }
    )


def _pod(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}"}, "spec": {}}


def test_a_gang_taking_cards_is_written_only_after_the_gang_that_left_them_is_on_record() -> None:
    client = RecordingClient(slow={"/aijobs/ended"})
    executor = Executor(client, Mirror(), identity="test")  # type: ignore[arg-type]
    ended = JobAction(job=_job("ended"), status={"phase": "Succeeded"})
    starting = JobAction(job=_job("starting"), status={"phase": "Scheduled"}, create=(_pod("starting-0"),))
    assert asyncio.run(executor.run(RoundPlan(jobs=(starting, ended)))) == 0
    order = [path for _, path in client.calls]
    assert order.index("/apis/accelfleet.io/v1alpha1/namespaces/ns/aijobs/ended/status") < order.index(
        "/apis/accelfleet.io/v1alpha1/namespaces/ns/aijobs/starting/status"
    )
    assert order[-1] == "/api/v1/namespaces/ns/pods"
