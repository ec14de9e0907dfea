"""A background loop of the embedded default (no Redis): a round every ``interval``
seconds, at once when woken, and a stop that lets the running round finish rather than
cancel it mid-query. The in-process calendar and linked-sync runners are such loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging

__all__ = ["WakeableLoop"]

logger = logging.getLogger("rendezvous.jobs.loop")


class WakeableLoop:
    def __init__(self, name: str, interval: float) -> None:
        self.name = name
        self.interval = interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def round(self) -> None:
        raise NotImplementedError

    def busy(self) -> bool:
        """More work is waiting: the next round starts without a pause."""
        return False

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.round()
            except Exception:
                # A broken database connection must not kill the loop; retry next round.
                logger.exception("%s round failed", self.name)
            if self.busy() or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
