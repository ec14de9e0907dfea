"""The conflict source booking's availability reads: stored busy blocks of the
calendars an event type checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from availability import BusyBlock
from integrations.calendars import repository

__all__ = ["busy_blocks", "checked_calendars"]


async def checked_calendars(host_id: int, event_type_id: int) -> list[dict[str, Any]]:
    """The event type's chosen calendars, or every conflict calendar of the host.

    Only conflict calendars count either way: a calendar switched off as a conflict
    calendar has no blocks left to check.
    """
    calendars = [c for c in await repository.calendars_of_host(host_id) if c["is_conflict"]]
    chosen = set(await repository.selected_calendar_ids(event_type_id))
    if chosen:
        calendars = [c for c in calendars if c["id"] in chosen]
    return calendars


async def busy_blocks(
    host_id: int, event_type_id: int, start: datetime, end: datetime
) -> Sequence[BusyBlock]:
    """A :data:`booking.bookings.busy.ConflictSource`: busy blocks overlapping
    ``[start, end)``; tentative ones only where the calendar's switch is on, which is
    read now, so flipping it needs no resync."""
    calendars = {c["id"]: c for c in await checked_calendars(host_id, event_type_id)}
    blocks: list[BusyBlock] = []
    for row in await repository.busy_between(calendars, start, end):
        calendar = calendars[row["calendar"]]
        if row["tentative"] and not calendar["tentative_blocks"]:
            continue
        blocks.append(
            BusyBlock(
                row["start_at"],
                row["end_at"],
                f"{calendar['provider']}:{calendar['name'] or calendar['remote_id']}",
                tentative=row["tentative"],
                title=None if row["private"] else row["title"],
            )
        )
    return blocks
