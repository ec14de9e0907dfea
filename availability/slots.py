"""Bookable slots for one host: working hours minus busy time, under event-type rules.

A slot ``[start, end)`` is offered when all of these hold:

1. its start is a grid time of a working range (see :mod:`availability.rules` for
   the grid and :mod:`availability.hours` for wall-clock resolution): a grid time
   inside a DST gap gives no slot, and a repeated wall time gives one slot, at its
   first occurrence (``fold=0``);
2. it ends at or before that range's end (real elapsed time);
3. ``window_start <= start < window_end`` (the UTC range the caller asks about);
4. ``start >= now + minimum_notice``; its host-local date is inside the horizon;
5. the host-local day and Monday-based week of its start hold fewer existing
   bookings than ``max_per_day`` / ``max_per_week``;
6. no busy block touches ``[start - buffer_before, end + buffer_after)``.

``existing_bookings`` only feed the limits. To make a booking *block* time, pass it
in ``busy`` as well (``source="booking"``): the limits of an event type usually count
its own bookings while every booking of the host blocks.

All datetimes in and out are timezone-aware; output is UTC, ascending.

>>> from datetime import datetime, timedelta, UTC
>>> schedule = Schedule("Europe/Paris", {0: ["09:00-12:00"]})
>>> rules = EventRules(duration=timedelta(hours=1), buffer_after=timedelta(minutes=15))
>>> busy = [BusyBlock(datetime(2024, 1, 8, 10, 5, tzinfo=UTC),
...                   datetime(2024, 1, 8, 10, 30, tzinfo=UTC), "google:work")]
>>> slots = compute_slots(schedule, busy, rules,
...                       now=datetime(2024, 1, 1, tzinfo=UTC),
...                       window_start=datetime(2024, 1, 8, tzinfo=UTC),
...                       window_end=datetime(2024, 1, 9, tzinfo=UTC))
>>> [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M")) for s in slots]  # UTC
[('08:00', '09:00')]
>>> {day: len(found) for day, found in group_by_local_date(slots, "Asia/Tokyo").items()}
{datetime.date(2024, 1, 8): 1}
>>> {day: len(found) for day, found in group_by_local_date(slots, "Pacific/Honolulu").items()}
{datetime.date(2024, 1, 7): 1}
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from availability.busy import BusyBlock, merge_busy
from availability.errors import InvalidInputError
from availability.hours import (
    Schedule,
    day_offset,
    load_zone,
    local_date,
    offsets_at,
    uniform_offset,
    wall_to_utc,
)
from availability.intervals import as_utc, ceil_seconds, from_seconds, naive_day_seconds
from availability.rules import EventRules

__all__ = ["HostedSlot", "Slot", "bookable_starts", "compute_slots", "group_by_local_date"]

_ONE_DAY = timedelta(days=1)


class Slot(NamedTuple):
    """A bookable half-open interval ``[start, end)``, both aware UTC datetimes."""

    start: datetime
    end: datetime


class BookingCounts(NamedTuple):
    """Existing bookings per host-local date and per Monday of their week."""

    per_day: Counter[date]
    per_week: Counter[date]


def count_bookings(tz: ZoneInfo, bookings: Iterable[tuple[datetime, datetime]]) -> BookingCounts:
    per_day: Counter[date] = Counter()
    per_week: Counter[date] = Counter()
    for booking in bookings:
        if not isinstance(booking, tuple) or len(booking) != 2:
            raise InvalidInputError(f"a booking is a (start, end) pair, got {booking!r}")
        day = as_utc(booking[0], "booking start").astimezone(tz).date()
        per_day[day] += 1
        per_week[day - timedelta(days=day.weekday())] += 1
    return BookingCounts(per_day, per_week)


def bookable_starts(
    schedule: Schedule,
    busy: Iterable[BusyBlock],
    rules: EventRules,
    *,
    now: datetime,
    window_start: datetime,
    window_end: datetime,
    existing_bookings: Iterable[tuple[datetime, datetime]] = (),
) -> list[int]:
    """Slot starts as ascending epoch seconds; the engine behind every public call."""
    now_utc = as_utc(now, "now")
    # Slot starts are whole seconds, so rounding every bound up keeps ">= now",
    # ">= window_start" and "< window_end" exact for sub-second inputs.
    now_s = ceil_seconds(now_utc)
    first_s = ceil_seconds(as_utc(window_start, "window_start"))
    end_s = ceil_seconds(as_utc(window_end, "window_end"))
    if end_s <= first_s:
        return []
    tz = schedule.tz
    duration = rules.duration_seconds
    step = rules.step_seconds
    before = rules.buffer_before_seconds
    after_total = duration + rules.buffer_after_seconds
    earliest = max(first_s, now_s + rules.notice_seconds)
    horizon_first, horizon_last = rules.horizon_bounds(now_utc.astimezone(tz).date())
    counts = count_bookings(tz, existing_bookings)
    max_day, max_week = rules.max_per_day, rules.max_per_week
    busy_starts, busy_ends = merge_busy(busy)
    n_busy = len(busy_starts)

    out: list[int] = []
    day = local_date(tz, earliest) - _ONE_DAY
    last_day = local_date(tz, end_s - 1) + _ONE_DAY
    if horizon_first is not None and day < horizon_first:
        day = horizon_first
    if horizon_last is not None and last_day > horizon_last:
        last_day = horizon_last
    while day <= last_day:
        ranges = schedule.ranges_on(day)
        if (
            not ranges
            or (max_day is not None and counts.per_day[day] >= max_day)
            or (
                max_week is not None
                and counts.per_week[day - timedelta(days=day.weekday())] >= max_week
            )
        ):
            day += _ONE_DAY
            continue
        base = naive_day_seconds(day)
        whole_day = day_offset(tz, day)
        for range_start, range_end in ranges:
            anchor = rules.grid_anchor(range_start)
            if anchor >= range_end:
                continue
            if whole_day is not None:  # no transition today: plain arithmetic
                offset: int | None = whole_day
                limit = base + range_end - whole_day
            else:
                limit, _ = wall_to_utc(tz, day, range_end)
                offset = uniform_offset(tz, day, anchor, range_end)
            limit -= duration  # latest start that still ends inside the range
            for wall in range(anchor, range_end, step):
                if offset is not None:
                    start = base + wall - offset
                else:
                    off0, off1 = offsets_at(tz, day, wall)
                    if off0 < off1:
                        continue  # the wall time does not exist (DST gap)
                    start = base + wall - off0  # fold=0: the first occurrence
                if start > limit or start >= end_s:
                    break
                if start < earliest:
                    continue
                i = bisect_right(busy_ends, start - before)
                if i < n_busy and busy_starts[i] < start + after_total:
                    continue
                out.append(start)
        day += _ONE_DAY
    # Already ascending (existing wall times map monotonically to instants); the sort
    # is a linear-time guard.
    out.sort()
    return out


def compute_slots(
    schedule: Schedule,
    busy: Iterable[BusyBlock],
    rules: EventRules,
    *,
    now: datetime,
    window_start: datetime,
    window_end: datetime,
    existing_bookings: Iterable[tuple[datetime, datetime]] = (),
) -> list[Slot]:
    """Bookable slots of one host with ``window_start <= slot.start < window_end``.

    See the module docstring for the exact rules. ``busy`` may be unsorted and
    overlapping; ``existing_bookings`` are ``(start, end)`` pairs (a :class:`Slot`
    works) counted for ``max_per_day`` / ``max_per_week`` only.
    """
    duration = timedelta(seconds=rules.duration_seconds)
    starts = bookable_starts(
        schedule,
        busy,
        rules,
        now=now,
        window_start=window_start,
        window_end=window_end,
        existing_bookings=existing_bookings,
    )
    out = []
    for start_s in starts:
        start = from_seconds(start_s)
        out.append(Slot(start, start + duration))
    return out


class HostedSlot(NamedTuple):
    """A round-robin slot and the ids of the hosts free for it, in the order given."""

    slot: Slot
    hosts: tuple[str, ...]


SlotT = TypeVar("SlotT", Slot, HostedSlot)


def group_by_local_date(slots: Iterable[SlotT], viewer_zone: str) -> dict[date, list[SlotT]]:
    """Group slots by the local date of their start in ``viewer_zone``.

    Dates come in ascending order, slots ascending within a date. Accepts
    :class:`Slot` and the ``(slot, hosts)`` pairs of round-robin teams.
    """
    tz = load_zone(viewer_zone)

    def start_of(item: SlotT) -> datetime:
        return item.start if isinstance(item, Slot) else item.slot.start

    grouped: dict[date, list[SlotT]] = {}
    for item in sorted(slots, key=start_of):
        grouped.setdefault(start_of(item).astimezone(tz).date(), []).append(item)
    return grouped
