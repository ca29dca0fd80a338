"""The current advertisement, shared by the sources that change it and the streams that report it."""

from __future__ import annotations

import asyncio

from accelfleet.deviceplugin.advertisement import Advertisement


class AdvertisementState:
    """Holds the latest advertisement and wakes every waiting ListAndWatch stream when it changes.

    Lives on the event loop: ``set`` must be called from the loop's thread.
    """

    def __init__(self) -> None:
        self._current = Advertisement()
        self._version = 0
        self._changed = asyncio.Event()

    @property
    def current(self) -> Advertisement:
        return self._current

    def set(self, advertisement: Advertisement) -> bool:
        """Returns whether anything changed."""
        if advertisement == self._current:
            return False
        self._current = advertisement
        self._version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        return True

    async def next_after(self, seen_version: int) -> tuple[Advertisement, int]:
        """The advertisement once it is newer than ``seen_version`` (at once if it already is)."""
        while self._version == seen_version:
            await self._changed.wait()
        return self._current, self._version
