"""Logs a condition once when it appears or changes, not on every retry, so a waiting plugin stays quiet."""

from __future__ import annotations

import logging


class OnceLogger:
    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._last: dict[str, str | None] = {}

    def report(self, slot: str, message: str | None, level: int = logging.WARNING) -> None:
        """Logs ``message`` if it differs from the last one in ``slot``; None clears the slot silently."""
        if self._last.get(slot) == message:
            return
        self._last[slot] = message
        if message is not None:
            self._logger.log(level, "%s", message)
