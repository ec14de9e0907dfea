"""Small builders shared by the table tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from availability import BusyBlock, EventRules, Schedule, compute_slots
from availability.hours import RangeLike

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def utc(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def local(zone: str, y: int, m: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, fold=fold, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def block(start: datetime, end: datetime, source: str = "cal") -> BusyBlock:
    return BusyBlock(start, end, source)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def local_starts(
    zone: str,
    weekly: Mapping[int, Sequence[RangeLike]],
    rules: EventRules,
    window: tuple[datetime, datetime],
    *,
    busy: Iterable[BusyBlock] = (),
    overrides: Mapping[date, Sequence[RangeLike]] | None = None,
    now: datetime = NOW,
    bookings: Iterable[tuple[datetime, datetime]] = (),
) -> list[str]:
    """Slot starts as host-local ``"YYYY-MM-DD HH:MM+ZZZZ"`` strings, easy to read in tables."""
    schedule = Schedule(zone, weekly, overrides or {})
    slots = compute_slots(
        schedule,
        busy,
        rules,
        now=now,
        window_start=window[0],
        window_end=window[1],
        existing_bookings=bookings,
    )
    for s in slots:
        assert s.end - s.start == rules.duration
    return [s.start.astimezone(schedule.tz).strftime("%m-%d %H:%M%z") for s in slots]


def hhmm(starts: list[str]) -> list[str]:
    """Just the ``HH:MM`` part of :func:`local_starts` strings."""
    return [s[6:11] for s in starts]
