"""Team event types: collective (every host free) and round-robin (any host free).

Each member is computed exactly like a single host (own zone, working hours, busy
blocks and bookings for the limits) under the event type's shared rules; then:

* collective: a slot is offered when *every* member offers that exact slot;
* round-robin: a slot is offered when *any* member offers it, with the ids of the
  members who do, in the order the members were given (the booking layer applies
  its round-robin policy to that list).

With working ranges aligned to their own starts, members whose ranges start at
different times have different grids; use clock ``alignment`` on team event types
to make grids meet.

>>> from datetime import datetime, timedelta, UTC
>>> rules = EventRules(duration=timedelta(hours=1))
>>> ana = TeamMember("ana", Schedule("UTC", {0: ["09:00-12:00"]}))
>>> bo = TeamMember("bo", Schedule("UTC", {0: ["10:00-13:00"]}),
...                 busy=(BusyBlock(datetime(2024, 1, 8, 11, tzinfo=UTC),
...                                 datetime(2024, 1, 8, 12, tzinfo=UTC), "ics"),))
>>> when = dict(now=datetime(2024, 1, 1, tzinfo=UTC),
...             window_start=datetime(2024, 1, 8, tzinfo=UTC),
...             window_end=datetime(2024, 1, 9, tzinfo=UTC))
>>> [s.start.hour for s in collective_slots([ana, bo], rules, **when)]
[10]
>>> [(s.slot.start.hour, s.hosts) for s in round_robin_slots([ana, bo], rules, **when)]
[(9, ('ana',)), (10, ('ana', 'bo')), (11, ('ana',)), (12, ('bo',))]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from availability.busy import BusyBlock
from availability.errors import InvalidInputError
from availability.hours import Schedule
from availability.intervals import from_seconds
from availability.rules import EventRules
from availability.slots import HostedSlot, Slot, bookable_starts

__all__ = ["HostedSlot", "TeamMember", "collective_slots", "round_robin_slots"]


@dataclass(frozen=True, slots=True)
class TeamMember:
    """One host of a team event type."""

    host_id: str
    schedule: Schedule
    busy: Sequence[BusyBlock] = ()
    existing_bookings: Sequence[tuple[datetime, datetime]] = ()


def _starts_per_member(
    members: Sequence[TeamMember],
    rules: EventRules,
    now: datetime,
    window_start: datetime,
    window_end: datetime,
) -> list[list[int]]:
    seen: set[str] = set()
    for member in members:
        if member.host_id in seen:
            raise InvalidInputError(f"host {member.host_id!r} appears twice in the team")
        seen.add(member.host_id)
    return [
        bookable_starts(
            member.schedule,
            member.busy,
            rules,
            now=now,
            window_start=window_start,
            window_end=window_end,
            existing_bookings=member.existing_bookings,
        )
        for member in members
    ]


def collective_slots(
    members: Sequence[TeamMember],
    rules: EventRules,
    *,
    now: datetime,
    window_start: datetime,
    window_end: datetime,
) -> list[Slot]:
    """Slots every member offers; an empty team offers nothing."""
    per_member = _starts_per_member(members, rules, now, window_start, window_end)
    if not per_member:
        return []
    common = set(per_member[0])
    for starts in per_member[1:]:
        common.intersection_update(starts)
    duration = timedelta(seconds=rules.duration_seconds)
    out = []
    for start_s in sorted(common):
        start = from_seconds(start_s)
        out.append(Slot(start, start + duration))
    return out


def round_robin_slots(
    members: Sequence[TeamMember],
    rules: EventRules,
    *,
    now: datetime,
    window_start: datetime,
    window_end: datetime,
) -> list[HostedSlot]:
    """Slots any member offers, each with the ids of the members free for it."""
    per_member = _starts_per_member(members, rules, now, window_start, window_end)
    free: dict[int, list[str]] = {}
    for member, starts in zip(members, per_member, strict=True):
        for start_s in starts:
            hosts = free.get(start_s)
            if hosts is None:
                free[start_s] = [member.host_id]
            else:
                hosts.append(member.host_id)
    duration = timedelta(seconds=rules.duration_seconds)
    out = []
    for start_s in sorted(free):
        start = from_seconds(start_s)
        out.append(HostedSlot(Slot(start, start + duration), tuple(free[start_s])))
    return out
