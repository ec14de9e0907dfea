"""Working hours: weekly local ranges plus date overrides, resolved to UTC instants.

Representation
--------------
* ``zone`` is an IANA name (``"Europe/Paris"``); every range is a local wall-clock
  time in that zone.
* ``weekly`` maps a weekday (0 = Monday ... 6 = Sunday, like :meth:`date.weekday`) to
  the ranges of that day. A missing weekday is a day off.
* ``overrides`` maps a local :class:`~datetime.date` to the ranges that replace that
  day's weekly ones; an empty tuple blocks the date.
* A range is ``(start, end)`` of :class:`~datetime.time` (or a ``TimeRange``, or the
  text ``"09:00-17:00"``). ``end == time(0, 0)`` means 24:00, the end of the day, so
  ``(time(0), time(0))`` is the whole day. A range never crosses midnight: split
  ``22:00-02:00`` into ``22:00-24:00`` on one day and ``00:00-02:00`` on the next.
* Overlapping or touching ranges of one day are merged (``9-12`` + ``12-17`` is
  ``9-17``). A slot must fit inside one merged range, so slots never span two days'
  ranges.

Wall clock to UTC (DST)
-----------------------
A range's bound ``w`` on date ``d`` becomes the *first instant whose local wall time
is at or after* ``(d, w)``:

* a normal wall time becomes its only instant;
* a repeated wall time (a fold, clocks going back) becomes its first occurrence,
  i.e. ``fold=0``;
* a missing wall time (a gap, clocks going forward) becomes the moment the clocks
  jump, so ``02:30-05:00`` on a 02:00->03:00 spring-forward day starts at 03:00.

A range therefore lasts the real time between its two instants: ``00:00-06:00`` is
five real hours on a spring-forward day and seven on a fall-back day in New York.

>>> from datetime import date, time
>>> s = Schedule("America/New_York", {6: ["00:00-06:00"]})
>>> day = date(2024, 3, 10)  # spring forward: 02:00 -> 03:00
>>> [(a.isoformat(), b.isoformat()) for a, b in working_intervals(s, day, day)]
[('2024-03-10T05:00:00+00:00', '2024-03-10T10:00:00+00:00')]
>>> s.ranges_on(date(2024, 3, 10))
((0, 21600),)
>>> TimeRange.parse("13:30-24:00")
TimeRange(start=datetime.time(13, 30), end=datetime.time(0, 0))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from availability.errors import InvalidInputError
from availability.intervals import DAY, from_seconds, naive_day_seconds

__all__ = [
    "RangeLike",
    "Schedule",
    "TimeRange",
    "load_zone",
    "local_date",
    "offsets_at",
    "uniform_offset",
    "wall_to_utc",
    "working_intervals",
]


class TimeRange(NamedTuple):
    """A local wall-clock range; ``end == time(0, 0)`` means 24:00."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Parse ``"HH:MM-HH:MM"``; ``24:00`` is accepted as an end."""
        try:
            left, right = (part.strip() for part in text.split("-"))
            start = time.fromisoformat(left)
            end = time(0, 0) if right in ("24:00", "24:00:00") else time.fromisoformat(right)
        except ValueError as exc:
            raise InvalidInputError(f"bad time range {text!r}, expected HH:MM-HH:MM") from exc
        return cls(start, end)


RangeLike = tuple[time, time] | TimeRange | str
Ranges = tuple[tuple[int, int], ...]


def load_zone(name: str) -> ZoneInfo:
    """The :class:`ZoneInfo` for an IANA name, or :class:`InvalidInputError`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InvalidInputError(f"unknown time zone {name!r}") from exc


def _time_seconds(value: time, what: str) -> int:
    if not isinstance(value, time):
        raise InvalidInputError(f"{what} must be a datetime.time, got {type(value).__name__}")
    if value.tzinfo is not None:
        raise InvalidInputError(f"{what} must be a local wall time without tzinfo")
    if value.microsecond:
        raise InvalidInputError(f"{what} must be whole seconds")
    return value.hour * 3600 + value.minute * 60 + value.second


def _normalise(ranges: Sequence[RangeLike], what: str) -> Ranges:
    if isinstance(ranges, str):
        ranges = [ranges]
    spans: list[tuple[int, int]] = []
    for item in ranges:
        pair = TimeRange.parse(item) if isinstance(item, str) else item
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidInputError(f"{what}: a range is a (start, end) pair, got {item!r}")
        start = _time_seconds(pair[0], f"{what} start")
        end = _time_seconds(pair[1], f"{what} end") or DAY
        if start >= end:
            raise InvalidInputError(f"{what}: range {item!r} ends before it starts")
        spans.append((start, end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A host's working hours in one IANA zone (see the module docstring)."""

    zone: str
    weekly: Mapping[int, Sequence[RangeLike]]
    overrides: Mapping[date, Sequence[RangeLike]] = field(default_factory=dict)
    tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _weekly: tuple[Ranges, ...] = field(init=False, repr=False, compare=False)
    _overrides: dict[date, Ranges] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tz", load_zone(self.zone))
        weekly: list[Ranges] = [() for _ in range(7)]
        for weekday, ranges in self.weekly.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise InvalidInputError(f"weekly keys are weekdays 0 (Monday)..6, got {weekday!r}")
            weekly[weekday] = _normalise(ranges, f"weekday {weekday}")
        overrides: dict[date, Ranges] = {}
        for day, ranges in self.overrides.items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise InvalidInputError(f"override keys are dates, got {day!r}")
            overrides[day] = _normalise(ranges, f"override {day}")
        object.__setattr__(self, "_weekly", tuple(weekly))
        object.__setattr__(self, "_overrides", overrides)

    def ranges_on(self, day: date) -> Ranges:
        """Merged ranges of a local date as ``(start, end)`` seconds of the day."""
        found = self._overrides.get(day)
        if found is not None:
            return found
        return self._weekly[day.weekday()]

    def is_blocked(self, day: date) -> bool:
        """True when an override blocks the whole date."""
        return self._overrides.get(day) == ()


def _offset(tz: ZoneInfo, local: datetime) -> int:
    delta = tz.utcoffset(local)
    if delta is None:  # pragma: no cover - ZoneInfo always answers
        raise InvalidInputError(f"zone {tz} has no UTC offset at {local}")
    return delta.days * DAY + delta.seconds


def _local_wall(tz: ZoneInfo, day: date, seconds: int) -> datetime:
    # Aware + timedelta is wall-clock arithmetic in Python, with fold reset to 0.
    return datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(seconds=seconds)


def offsets_at(tz: ZoneInfo, day: date, seconds: int) -> tuple[int, int]:
    """UTC offsets (seconds) of a wall time read with ``fold=0`` and ``fold=1``.

    Equal: a normal time. ``fold=0`` larger: a repeated time (clocks went back).
    ``fold=0`` smaller: a missing time (PEP 495 reads a gap with the offset from
    before the transition for ``fold=0`` and after it for ``fold=1``).
    """
    local = _local_wall(tz, day, seconds)
    return _offset(tz, local), _offset(tz, local.replace(fold=1))


def wall_to_utc(tz: ZoneInfo, day: date, seconds: int) -> tuple[int, bool]:
    """First instant whose wall time is at or after ``(day, seconds)``.

    Returns ``(epoch_seconds, exists)``; ``exists`` is False for a wall time inside a
    DST gap, which resolves to the instant the clocks jump.
    """
    off0, off1 = offsets_at(tz, day, seconds)
    naive = naive_day_seconds(day) + seconds
    if off0 >= off1:
        return naive - off0, True
    # In a gap: naive - off1 is before the jump, naive - off0 after it. Bisect to the
    # jump itself; transitions fall on whole seconds.
    lo, hi = naive - off1, naive - off0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mid + _offset(tz, datetime.fromtimestamp(mid, tz)) >= naive:
            hi = mid
        else:
            lo = mid
    return hi, False


def uniform_offset(tz: ZoneInfo, day: date, start: int, end: int) -> int | None:
    """The single UTC offset of a local range, or None if it may contain a transition.

    Probes both ends with both folds. This relies on no zone changing its offset
    twice within two days (true of every tzdata zone since 1970; a test checks it),
    so a range that starts and ends on the same unambiguous offset has no transition.
    """
    a0, a1 = offsets_at(tz, day, start)
    if a0 != a1:
        return None
    b0, b1 = offsets_at(tz, day, end)
    if b0 != b1 or b0 != a0:
        return None
    return a0


@lru_cache(maxsize=16384)
def day_offset(tz: ZoneInfo, day: date) -> int | None:
    """The single UTC offset of a whole local date (midnight to midnight), or None on
    a date with a transition. Cached: every request for a month of slots asks this
    for the same few dozen dates, and the answer only depends on tzdata (``ZoneInfo``
    instances are cached per key, so they make a stable, hashable key)."""
    return uniform_offset(tz, day, 0, DAY)


def local_date(tz: ZoneInfo, epoch_seconds: float) -> date:
    """The local date of an instant in ``tz``."""
    return datetime.fromtimestamp(epoch_seconds, tz).date()


def working_intervals(
    schedule: Schedule, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """The host's working time for local dates ``first..last`` as UTC intervals.

    Each merged range becomes ``(start, end)`` in UTC, resolved as described in the
    module docstring; a range that lies wholly in a DST gap vanishes.
    """
    tz = schedule.tz
    out: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        for start, end in schedule.ranges_on(day):
            a, _ = wall_to_utc(tz, day, start)
            b, _ = wall_to_utc(tz, day, end)
            if a < b:
                out.append((from_seconds(a), from_seconds(b)))
        day += timedelta(days=1)
    return out
