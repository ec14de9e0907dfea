"""The linked calendar's external events as the activities calendar shows them: grey
busy blocks beside the host's activities.

They are the stored busy blocks of the host's conflict calendars (the linked
calendar is one in every mode, docs/sync.md), less the events paired with an
activity by the sync: in one-way those are the activities pushed out, in two-way
the events brought in, and either way the activity itself is on the calendar
already. What stays in two-way is what the sync never imports (private events,
events outside its window), so it is busy time there too.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from integrations.calendars import repository as calendars
from integrations.sync import repository

__all__ = ["ExternalBusy", "external_busy"]

#: What a private event (whose details are never stored) shows as.
PRIVATE_TITLE = "Busy"


class ExternalBusy(msgspec.Struct, kw_only=True, frozen=True):
    start: datetime
    end: datetime
    all_day: bool
    #: The event's title, or "Busy" for a private one.
    title: str
    private: bool
    tentative: bool
    calendar: str


async def external_busy(host_id: int, start: datetime, end: datetime) -> list[ExternalBusy]:
    """The host's external busy events overlapping ``[start, end)``."""
    conflict = {c.id: c for c in await calendars.calendars_of_host(host_id) if c.is_conflict}
    paired: dict[int, set[str]] = {}
    for calendar_id in conflict:
        paired[calendar_id] = {row.remote_id for row in await repository.links(calendar_id)}
    found: list[ExternalBusy] = []
    for block in await calendars.busy_blocks_between(list(conflict), start, end):
        ours = paired[block.calendar_id]
        if block.remote_id in ours or (block.ical_uid is not None and block.ical_uid in ours):
            continue
        found.append(
            ExternalBusy(
                start=block.start_at,
                end=block.end_at,
                all_day=block.all_day,
                title=PRIVATE_TITLE if block.private or not block.title else block.title,
                private=block.private,
                tentative=block.tentative,
                calendar=conflict[block.calendar_id].name,
            )
        )
    return found
