"""Why is this time not bookable? Every reason, for the host's own eyes.

The engine's :func:`availability.explain.explain` runs on exactly what the booking
check reads (the schedule, :func:`busy.host_busy` with the conflict calendars, the
event type's rules), so the answer agrees with what invitees are offered. Its busy
blocks only say "booking" or "activity"; here they are named, because a host asking
why wants to know *which* booking or activity is in the way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

from availability import explain
from availability.busy import BusyBlock
from availability.explain import BusyConflict, Reason
from availability.hours import wall_to_utc
from booking.activities import service as activities
from booking.bookings import repository
from booking.bookings.busy import host_busy
from booking.bookings.service import BookingEnvironment
from booking.event_types import service as event_types
from booking.event_types.schemas import EventType
from booking.schedules import service as schedules

__all__ = ["Blocker", "Explanation", "explain_for_host"]

#: Sources ``busy.host_busy`` gives our own blocks; any other is a conflict calendar's.
OWN_SOURCES = {"booking", "activity"}


class Blocker(msgspec.Struct, kw_only=True, frozen=True):
    """Something in the host's time that touches the slot or its buffers."""

    kind: Literal["booking", "activity", "calendar"]
    start: datetime
    end: datetime
    #: The booking's "Intro call with Ann", the activity's or the event's title;
    #: None for a private calendar event (or free/busy data, which has no titles).
    title: str | None
    #: The conflict calendar's label ("google:Work"), for ``kind == "calendar"``.
    calendar: str = ""
    tentative: bool = False
    #: It does not overlap the slot itself: only the buffer time kept around it (the
    #: event type's around the slot, or a booking's own around that booking).
    only_buffer: bool = False
    booking_uid: str | None = None
    activity_id: int | None = None


class Explanation(msgspec.Struct, kw_only=True, frozen=True):
    event_type: EventType
    #: The slot asked about, in UTC.
    start: datetime
    end: datetime
    #: The engine's reasons except busy blocks, in its order, then the blockers by start.
    reasons: list[Reason | Blocker]
    #: The working ranges of the slot's date in the schedule's zone, in UTC, so a host
    #: told "outside working hours" sees what the hours are.
    working_hours: list[tuple[datetime, datetime]] = msgspec.field(default_factory=list)

    @property
    def bookable(self) -> bool:
        return not self.reasons


async def explain_for_host(
    host_id: int, event_type_id: int, at: datetime, env: BookingEnvironment
) -> Explanation:
    """Every reason a slot of the host's event type starting at ``at`` is not offered
    now; none when it is. Another host's event type is NotFound."""
    event_type = await event_types.get(host_id, event_type_id)
    start = at.astimezone(UTC)
    end = start + timedelta(minutes=event_type.duration_minutes)
    schedule = await schedules.for_event_type(host_id, event_type)
    # The same window as the booking check (service._check_bookable).
    busy, own = await host_busy(host_id, event_type.id, start, end, env.conflicts)
    found = explain(
        schedule, busy, event_types.rules(event_type), now=env.clock(), at=start,
        existing_bookings=own,
    )  # fmt: skip
    reasons: list[Reason | Blocker] = [r for r in found if not isinstance(r, BusyConflict)]
    blocks = [r.block for r in found if isinstance(r, BusyConflict)]
    reasons.extend(await _blockers(host_id, blocks, start, end))
    day = start.astimezone(schedule.tz).date()
    hours = [
        (_instant(schedule.tz, day, lo), _instant(schedule.tz, day, hi))
        for lo, hi in schedule.ranges_on(day)
    ]
    return Explanation(
        event_type=event_type, start=start, end=end, reasons=reasons, working_hours=hours
    )


def _instant(zone: ZoneInfo, day: date, seconds: int) -> datetime:
    """The instant of a wall time of the schedule (a time in a DST gap: when clocks jump)."""
    return datetime.fromtimestamp(wall_to_utc(zone, day, seconds)[0], UTC)


async def _blockers(
    host_id: int, blocks: list[BusyBlock], start: datetime, end: datetime
) -> list[Blocker]:
    found: list[Blocker] = []
    for block in blocks:
        only_buffer = not (block.start < end and start < block.end)
        if block.source == "booking":
            found.append(await _booking(host_id, block, start, end))
        elif block.source == "activity":
            found.append(await _activity(host_id, block, only_buffer))
        else:
            found.append(
                Blocker(
                    kind="calendar",
                    start=block.start,
                    end=block.end,
                    title=block.title,
                    calendar=block.source,
                    tentative=block.tentative,
                    only_buffer=only_buffer,
                )
            )
    # A booking's own activity blocks the same time; the booking already says so.
    booked = {b.activity_id for b in found if b.kind == "booking" and b.activity_id is not None}
    return [b for b in found if not (b.kind == "activity" and b.activity_id in booked)]


async def _booking(
    host_id: int, block: BusyBlock, slot_start: datetime, slot_end: datetime
) -> Blocker:
    # The block is the booking widened by its buffers: find the one it was made from.
    for row in await repository.for_host(host_id, block.start, block.end, "confirmed", 50, 0):
        before = timedelta(minutes=row.buffer_before_minutes)
        after = timedelta(minutes=row.buffer_after_minutes)
        if row.start - before == block.start and row.end + after == block.end:
            return Blocker(
                kind="booking",
                start=row.start,
                end=row.end,
                title=f"{row.event_type_title} with {row.invitee.name}",
                only_buffer=not (row.start < slot_end and slot_start < row.end),
                booking_uid=row.uid,
                activity_id=row.activity_id,
            )
    only_buffer = not (block.start < slot_end and slot_start < block.end)
    return Blocker(
        kind="booking", start=block.start, end=block.end, title=None, only_buffer=only_buffer
    )


async def _activity(host_id: int, block: BusyBlock, only_buffer: bool) -> Blocker:
    for activity in await activities.list_for(host_id, block.start, block.end, completed=False):
        # activities.rules.blocks_time, less the trash, which list_for leaves out: a free
        # activity at the same times is not the one in the way.
        blocks = not activity.all_day and activity.show_as != "free"
        if blocks and activity.start == block.start and activity.end == block.end:
            return Blocker(
                kind="activity",
                start=block.start,
                end=block.end,
                title=activity.title,
                only_buffer=only_buffer,
                activity_id=activity.id,
            )
    return Blocker(
        kind="activity", start=block.start, end=block.end, title=None, only_buffer=only_buffer
    )
