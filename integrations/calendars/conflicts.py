"""The conflict source booking's availability reads: stored busy blocks of the
calendars an event type checks."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from availability import BusyBlock
from integrations.calendars import repository

__all__ = ["ConflictBlocks"]


class ConflictBlocks:
    """A :data:`booking.bookings.busy.ConflictSource` over the stored busy blocks.

    Decoding a calendar's blocks from the database costs far more than computing a
    month of slots, and blocks change only when a sync commits, which bumps the
    calendar's ``blocks_version`` in the same transaction. So each calendar's decoded
    blocks are kept, keyed by that version (and ``last_synced_at``, so a database
    restored under a running process cannot alias an old entry): a reader that sees the
    key in its snapshot is never stale. One instance per app, never module-global: the
    cache must not outlive the database it describes.
    """

    def __init__(self, max_calendars: int = 4096) -> None:
        self._max = max_calendars
        self._cache: OrderedDict[int, tuple[tuple[Any, ...], list[BusyBlock]]] = OrderedDict()

    async def __call__(
        self, host_id: int, event_type_id: int, start: datetime, end: datetime
    ) -> Sequence[BusyBlock]:
        """Busy blocks overlapping ``[start, end)``; tentative ones only where the
        calendar's switch is on, which is read now, so flipping it needs no resync."""
        found: list[BusyBlock] = []
        for calendar in await repository.checked_calendars(host_id, event_type_id):
            with_tentative = calendar["tentative_blocks"]
            found.extend(
                block
                for block in await self._blocks(calendar)
                if block.start < end
                and block.end > start
                and (with_tentative or not block.tentative)
            )
        return found

    async def _blocks(self, calendar: dict[str, Any]) -> list[BusyBlock]:
        label = f"{calendar['provider']}:{calendar['name'] or calendar['remote_id']}"
        key = (calendar["blocks_version"], calendar["last_synced_at"], label)
        cached = self._cache.get(calendar["id"])
        if cached is not None and cached[0] == key:
            self._cache.move_to_end(calendar["id"])
            return cached[1]
        blocks = [
            BusyBlock(
                row["start_at"],
                row["end_at"],
                label,
                tentative=row["tentative"],
                title=None if row["private"] else row["title"],
            )
            for row in await repository.busy_blocks_of(calendar["id"])
        ]
        self._cache[calendar["id"]] = (key, blocks)
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return blocks
