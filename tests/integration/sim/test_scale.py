"""5,000 pods: listing and watching them neither stalls nor starves other requests, memory stays bounded."""

import asyncio
import json
import ssl
import time
from typing import Any

import aiohttp
import psutil
import pytest

from tests.support.sim import SimHandle, running_sim

PODS = 5_000
NAMESPACE = "default"


def pod(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"pod-{i:05d}", "labels": {"accelfleet.io/job": f"job-{i // 100}"}},
        "spec": {
            "containers": [{"name": "main", "image": "busybox:1.36", "resources": {"limits": {"cpu": "1"}}}]
        },
    }


async def create_all(session: aiohttp.ClientSession, base: str) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(PODS):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            async with session.post(f"{base}/api/v1/namespaces/{NAMESPACE}/pods", json=pod(i)) as response:
                assert response.status == 201, await response.text()

    await asyncio.gather(*(worker() for _ in range(16)))


async def list_pages(session: aiohttp.ClientSession, base: str, limit: int | None) -> list[str]:
    names: list[str] = []
    token = ""
    while True:
        params = {"limit": str(limit)} if limit else {}
        if token:
            params["continue"] = token
        async with session.get(f"{base}/api/v1/namespaces/{NAMESPACE}/pods", params=params) as response:
            assert response.status == 200
            body = await response.json()
        names += [item["metadata"]["name"] for item in body["items"]]
        token = body["metadata"].get("continue", "")
        if not token:
            return names


async def timed_small_request(session: aiohttp.ClientSession, base: str) -> float:
    started = time.monotonic()
    async with session.get(f"{base}/api/v1/namespaces/{NAMESPACE}/configmaps") as response:
        assert response.status == 200
    return time.monotonic() - started


async def exercise(handle: SimHandle) -> None:
    context = ssl.create_default_context(cafile=str(handle.ca_file))
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(
        headers=handle.headers(), connector=aiohttp.TCPConnector(ssl=context, limit=64), timeout=timeout
    ) as session:
        base = handle.server
        started = time.monotonic()
        await create_all(session, base)
        print(f"\ncreated {PODS} pods over HTTP in {time.monotonic() - started:.1f} s")
        process = psutil.Process(handle.pid)

        initial: list[str] = []
        changes: list[str] = []
        caught_up = asyncio.Event()

        async def watcher() -> None:
            async with session.get(
                f"{base}/api/v1/namespaces/{NAMESPACE}/pods", params={"watch": "1", "timeoutSeconds": "120"}
            ) as response:
                async for line in response.content:
                    event = json.loads(line)
                    target = initial if len(initial) < PODS else changes
                    target.append(event["object"]["metadata"]["name"])
                    if len(initial) == PODS:
                        caught_up.set()
                    if len(changes) == 100:
                        return

        watch_task = asyncio.create_task(watcher())
        expected = [f"pod-{i:05d}" for i in range(PODS)]
        rss = []
        for _ in range(3):
            started = time.monotonic()
            full, paged, small = await asyncio.gather(
                list_pages(session, base, None),
                list_pages(session, base, 500),
                timed_small_request(session, base),
            )
            print(
                f"full list + paged list in {time.monotonic() - started:.2f} s; "
                f"a small request meanwhile took {small * 1000:.0f} ms"
            )
            assert full == expected and paged == expected
            rss.append(process.memory_info().rss)
        await asyncio.wait_for(caught_up.wait(), 120)
        assert sorted(initial) == expected
        for i in range(100):
            patch = {"metadata": {"labels": {"touched": "yes"}}}
            async with session.patch(
                f"{base}/api/v1/namespaces/{NAMESPACE}/pods/pod-{i:05d}",
                json=patch,
                headers={"Content-Type": "application/merge-patch+json"},
            ) as response:
                assert response.status == 200
        await asyncio.wait_for(watch_task, 120)
        assert changes == [f"pod-{i:05d}" for i in range(100)]
        print("sim RSS after each round of lists: " + ", ".join(f"{r / 2**20:.0f} MiB" for r in rss))
        assert rss[-1] - rss[0] < 200 * 2**20


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_five_thousand_pods_list_and_watch_without_starving_others() -> None:
    with running_sim() as handle:
        asyncio.run(exercise(handle))
