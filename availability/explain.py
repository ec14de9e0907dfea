"""Why is this instant not bookable? Every reason, for hosts only.

:func:`explain` checks one candidate slot start against the same rules as
:func:`availability.slots.compute_slots` and returns *every* rule it breaks, not just
the first; an empty list means the instant is a bookable slot start. Reasons may
name busy blocks with their source and title, so they are for the host's own
screens and never for public booking pages.

>>> from datetime import datetime, timedelta, UTC
>>> schedule = Schedule("UTC", {0: ["09:00-17:00"]})
>>> rules = EventRules(duration=timedelta(minutes=30), minimum_notice=timedelta(hours=4))
>>> busy = [BusyBlock(datetime(2024, 1, 8, 9, tzinfo=UTC), datetime(2024, 1, 8, 10, tzinfo=UTC),
...                   "google:work", title="Standup")]
>>> for reason in explain(schedule, busy, rules, now=datetime(2024, 1, 8, 7, tzinfo=UTC),
...                       at=datetime(2024, 1, 8, 9, 30, tzinfo=UTC)):
...     print(reason.code, "-", reason.message)
too_soon - bookable from 2024-01-08 11:00 UTC (minimum notice)
busy - busy (google:work): Standup, 2024-01-08 09:00-10:00 UTC
>>> explain(schedule, busy, rules, now=datetime(2024, 1, 8, 7, tzinfo=UTC),
...         at=datetime(2024, 1, 8, 11, tzinfo=UTC))
[]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar

from availability.busy import BusyBlock
from availability.hours import Schedule, wall_to_utc
from availability.intervals import as_utc, ceil_seconds, from_seconds, to_seconds
from availability.rules import EventRules
from availability.slots import count_bookings

__all__ = [
    "BusyConflict",
    "DailyLimitReached",
    "NotASlotStart",
    "OutsideHorizon",
    "OutsideWorkingHours",
    "Reason",
    "TooSoon",
    "WeeklyLimitReached",
    "explain",
]


def _utc_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class Reason:
    """Base of every reason; ``code`` is stable for programs, ``message`` for people."""

    code: ClassVar[str] = "reason"

    @property
    def message(self) -> str:  # pragma: no cover - every subclass overrides it
        return self.code


@dataclass(frozen=True, slots=True)
class OutsideWorkingHours(Reason):
    """The slot does not fit inside one working range (or the date is blocked)."""

    code: ClassVar[str] = "outside_working_hours"
    local_start: datetime
    date_blocked: bool = False

    @property
    def message(self) -> str:
        if self.date_blocked:
            return f"{self.local_start.date()} is blocked by a date override"
        when = f"{self.local_start:%Y-%m-%d %H:%M} ({self.local_start.tzinfo})"
        return f"a slot at {when} is not inside working hours"


@dataclass(frozen=True, slots=True)
class NotASlotStart(Reason):
    """Inside working hours, but not on the slot grid (step, alignment or DST fold)."""

    code: ClassVar[str] = "not_a_slot_start"
    local_start: datetime

    @property
    def message(self) -> str:
        return f"{self.local_start:%H:%M:%S} is not a start time the slot grid offers"


@dataclass(frozen=True, slots=True)
class TooSoon(Reason):
    """Starts before ``now + minimum_notice``."""

    code: ClassVar[str] = "too_soon"
    earliest: datetime

    @property
    def message(self) -> str:
        return f"bookable from {_utc_text(self.earliest)} (minimum notice)"


@dataclass(frozen=True, slots=True)
class OutsideHorizon(Reason):
    """The host-local start date is outside the booking horizon (bounds inclusive)."""

    code: ClassVar[str] = "outside_horizon"
    local_date: date
    first: date | None
    last: date | None

    @property
    def message(self) -> str:
        bounds = f"{self.first or '...'}..{self.last or '...'}"
        return f"{self.local_date} is outside the booking horizon {bounds}"


@dataclass(frozen=True, slots=True)
class DailyLimitReached(Reason):
    """The host-local date already holds ``limit`` bookings."""

    code: ClassVar[str] = "daily_limit_reached"
    local_date: date
    bookings: int
    limit: int

    @property
    def message(self) -> str:
        return f"{self.local_date} already has {self.bookings} bookings (limit {self.limit})"


@dataclass(frozen=True, slots=True)
class WeeklyLimitReached(Reason):
    """The Monday-based week already holds ``limit`` bookings."""

    code: ClassVar[str] = "weekly_limit_reached"
    week_start: date
    bookings: int
    limit: int

    @property
    def message(self) -> str:
        return (
            f"week of {self.week_start} already has {self.bookings} bookings (limit {self.limit})"
        )


@dataclass(frozen=True, slots=True)
class BusyConflict(Reason):
    """A busy block touches the slot or its buffers."""

    code: ClassVar[str] = "busy"
    block: BusyBlock

    @property
    def message(self) -> str:
        kind = "tentative" if self.block.tentative else "busy"
        title = f": {self.block.title}" if self.block.title else ""
        return (
            f"{kind} ({self.block.source}){title}, "
            f"{self.block.start:%Y-%m-%d %H:%M}-{self.block.end:%H:%M} UTC"
        )


def explain(
    schedule: Schedule,
    busy: Iterable[BusyBlock],
    rules: EventRules,
    *,
    now: datetime,
    at: datetime,
    existing_bookings: Iterable[tuple[datetime, datetime]] = (),
) -> list[Reason]:
    """Every reason a slot starting at ``at`` is not bookable; ``[]`` if it is.

    Reasons come in a fixed order: working hours, grid, notice, horizon, daily
    limit, weekly limit, then busy blocks by start.
    """
    at_utc = as_utc(at, "at")
    now_utc = as_utc(now, "now")
    tz = schedule.tz
    duration = timedelta(seconds=rules.duration_seconds)
    local = at_utc.astimezone(tz)
    today = local.date()
    reasons: list[Reason] = []

    # Working hours: the real-time interval of one range must hold the whole slot.
    start_f = at_utc.timestamp()
    holder: tuple[date, int, int, int] | None = None
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        for range_start, range_end in schedule.ranges_on(day):
            lo, _ = wall_to_utc(tz, day, range_start)
            hi, _ = wall_to_utc(tz, day, range_end)
            if lo <= start_f < hi:
                holder = (day, range_start, range_end, hi)
    if holder is None or start_f + rules.duration_seconds > holder[3]:
        reasons.append(OutsideWorkingHours(local, date_blocked=schedule.is_blocked(today)))
    else:
        day, range_start, range_end, _ = holder
        anchor = rules.grid_anchor(range_start)
        wall = local.hour * 3600 + local.minute * 60 + local.second
        on_grid = (
            at_utc.microsecond == 0
            and today == day
            and anchor <= wall < range_end
            and (wall - anchor) % rules.step_seconds == 0
            # A repeated wall time is a start only at its first occurrence.
            and wall_to_utc(tz, day, wall) == (to_seconds(at_utc), True)
        )
        if not on_grid:
            reasons.append(NotASlotStart(local))

    earliest = from_seconds(ceil_seconds(now_utc) + rules.notice_seconds)
    if at_utc < earliest:
        reasons.append(TooSoon(earliest))

    rolling_last = rules.rolling_last(now_utc.astimezone(tz).date())
    if rolling_last is not None and today > rolling_last:
        reasons.append(OutsideHorizon(today, None, rolling_last))
    if rules.horizon_range is not None:
        first, last = rules.horizon_range
        if not first <= today <= last:
            reasons.append(OutsideHorizon(today, first, last))

    counts = count_bookings(tz, existing_bookings)
    if rules.max_per_day is not None and counts.per_day[today] >= rules.max_per_day:
        reasons.append(DailyLimitReached(today, counts.per_day[today], rules.max_per_day))
    monday = today - timedelta(days=today.weekday())
    if rules.max_per_week is not None and counts.per_week[monday] >= rules.max_per_week:
        reasons.append(WeeklyLimitReached(monday, counts.per_week[monday], rules.max_per_week))

    low = at_utc - rules.buffer_before
    high = at_utc + duration + rules.buffer_after
    touching = [b for b in busy if b.start < b.end and low < b.end and b.start < high]
    touching.sort(key=lambda b: (b.start, b.end, b.source))
    reasons.extend(BusyConflict(b) for b in touching)
    return reasons
