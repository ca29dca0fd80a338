from __future__ import annotations

import asyncio

from accelfleet.deviceplugin.advertisement import advertise
from accelfleet.deviceplugin.state import AdvertisementState
from tests.unit.deviceplugin.cards import ASCEND


async def test_waiting_streams_wake_on_change_only() -> None:
    state = AdvertisementState()
    first, seen = await state.next_after(-1)
    assert first.cards == ()

    waiter = asyncio.create_task(state.next_after(seen))
    await asyncio.sleep(0)
    assert not state.set(first)  # no change: nobody wakes
    await asyncio.sleep(0)
    assert not waiter.done()

    assert state.set(advertise(ASCEND, 2, "1"))
    advertisement, newer = await asyncio.wait_for(waiter, 5)
    assert newer > seen
    assert advertisement.healthy_count() == 1
