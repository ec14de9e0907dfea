"""The conflict source booking's availability reads: stored busy blocks of the
calendars an event type checks."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from availability import BusyBlock
from integrations.calendars import repository
from integrations.calendars.records import CheckedCalendar

__all__ = ["ConflictBlocks", "SortedBlocks"]


class SortedBlocks:
    """One calendar's blocks, sorted by start, so that those overlapping a window are
    found by bisection and slicing rather than by testing every block: a month of
    slots over a calendar with years of events reads only the month."""

    __slots__ = ("_blocks", "_longest", "_starts")

    def __init__(self, blocks: Sequence[BusyBlock]) -> None:
        self._blocks = sorted(blocks, key=lambda block: block.start)
        self._starts = [block.start for block in self._blocks]
        self._longest = max((b.end - b.start for b in self._blocks), default=timedelta(0))

    def overlapping(self, start: datetime, end: datetime) -> list[BusyBlock]:
        """The blocks with ``block.start < end and block.end > start``."""
        starts, blocks = self._starts, self._blocks
        before_end = bisect_left(starts, end)
        # Starting after ``start`` (and before ``end``) is overlapping, whatever the end;
        # of those starting earlier, only one at most ``_longest`` earlier can reach in.
        inside = bisect_right(starts, start, 0, before_end)
        reach = bisect_left(starts, start - self._longest, 0, inside)
        found = [block for block in blocks[reach:inside] if block.end > start]
        found.extend(blocks[inside:before_end])
        return found


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
        # Per calendar: (key, every block, the blocks that are not tentative).
        self._cache: OrderedDict[int, tuple[tuple[Any, ...], SortedBlocks, SortedBlocks]] = (
            OrderedDict()
        )

    async def __call__(
        self, host_id: int, event_type_id: int, start: datetime, end: datetime
    ) -> Sequence[BusyBlock]:
        """Busy blocks overlapping ``[start, end)``; tentative ones only where the
        calendar's switch is on, which is read now, so flipping it needs no resync."""
        found: list[BusyBlock] = []
        for calendar in await repository.checked_calendars(host_id, event_type_id):
            every, firm = await self._blocks(calendar)
            blocks = every if calendar.tentative_blocks else firm
            found.extend(blocks.overlapping(start, end))
        return found

    async def _blocks(self, calendar: CheckedCalendar) -> tuple[SortedBlocks, SortedBlocks]:
        label = f"{calendar.provider}:{calendar.name or calendar.remote_id}"
        key = (calendar.blocks_version, calendar.last_synced_at, label)
        cached = self._cache.get(calendar.id)
        if cached is not None and cached[0] == key:
            self._cache.move_to_end(calendar.id)
            return cached[1], cached[2]
        blocks = [
            BusyBlock(
                row.start_at,
                row.end_at,
                label,
                tentative=row.tentative,
                title=None if row.private else row.title,
            )
            for row in await repository.busy_blocks_of(calendar.id)
        ]
        every = SortedBlocks(blocks)
        firm = SortedBlocks([block for block in blocks if not block.tentative])
        self._cache[calendar.id] = (key, every, firm)
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return every, firm
