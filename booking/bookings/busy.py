"""Everything that occupies a host's time, as busy blocks for the availability engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from availability import BusyBlock
from booking.activities import service as activities
from booking.bookings import repository

#: Conflict-calendar busy blocks for (host id, event type id, start, end). ``integrations``
#: provides the real one; booking cannot import it (layers), so ``web`` hands it down.
ConflictSource = Callable[[int, int, datetime, datetime], Awaitable[Sequence[BusyBlock]]]

#: No booking's buffer exceeds this (event types cap buffers at 12 hours), so widening a
#: query by it finds every booking whose buffer reaches into the window.
MAX_BUFFER = timedelta(hours=12)
#: Limits count bookings per host-local day and Monday-based week around the window.
LIMIT_MARGIN = timedelta(days=8)


async def no_conflicts(
    host_id: int, event_type_id: int, start: datetime, end: datetime
) -> Sequence[BusyBlock]:
    """Until calendar integrations are connected, no conflict calendar blocks anything."""
    return ()


async def host_busy(
    host_id: int,
    event_type_id: int,
    start: datetime,
    end: datetime,
    conflicts: ConflictSource,
    *,
    exclude_uid: str | None = None,
    exclude_activity: int | None = None,
) -> tuple[list[BusyBlock], list[tuple[datetime, datetime]]]:
    """Busy blocks over [start, end) and the event type's own bookings for its limits.

    ``exclude_*`` leave out a booking being rescheduled and its activity, so it does not
    block its own new time.
    """
    rows = await repository.confirmed_between(
        host_id, start - LIMIT_MARGIN, end + LIMIT_MARGIN, exclude_uid=exclude_uid
    )
    blocks = [
        BusyBlock(
            row.start - timedelta(minutes=row.buffer_before_minutes),
            row.end + timedelta(minutes=row.buffer_after_minutes),
            "booking",
        )
        for row in rows
        if row.start < end + MAX_BUFFER and row.end > start - MAX_BUFFER
    ]
    blocks.extend(
        BusyBlock(s, e, "activity")
        for s, e in await activities.busy_intervals(
            host_id, start - MAX_BUFFER, end + MAX_BUFFER, exclude_id=exclude_activity
        )
    )
    blocks.extend(await conflicts(host_id, event_type_id, start - MAX_BUFFER, end + MAX_BUFFER))
    own = [(r.start, r.end) for r in rows if r.event_type_id == event_type_id]
    return blocks, own
