"""Hypothesis strategies for whole scenarios, biased towards DST transitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from hypothesis import strategies as st

from availability import BusyBlock, EventRules, Schedule
from tests.availability.oracle import Scenario, transitions

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
    "Pacific/Chatham",
    "UTC",
]
BASE = datetime(2024, 1, 1, tzinfo=UTC)


@cache
def zone_transitions(zone: str) -> list[datetime]:
    return transitions(zone, 2024, 2026)


ROUND_MINUTES = [0, 30, 60, 90, 120, 150, 180, 540, 600, 720, 1020, 1380, 1410, 1425]


@st.composite
def minute_ranges(draw: st.DrawFn, max_size: int = 3) -> list[tuple[int, int]]:
    out = []
    for _ in range(draw(st.sampled_from([1, 2]) | st.integers(0, max_size))):
        start = draw(st.sampled_from(ROUND_MINUTES) | st.integers(0, 1439))
        end = draw(
            st.sampled_from([1440, start + 60, start + 180, start + 480])
            | st.integers(start + 1, 1440)
        )
        out.append((start, min(end, 1440)))
    return out


@st.composite
def scenarios(draw: st.DrawFn, max_window_hours: int = 48, *, dst_focus: bool = False) -> Scenario:
    """A random scenario; ``dst_focus`` centres it on a transition with few other rules."""
    zones = [z for z in ZONES if zone_transitions(z)] if dst_focus else ZONES
    zone = draw(st.sampled_from(zones))
    found = zone_transitions(zone)
    if found and (dst_focus or draw(st.booleans())):
        center = draw(st.sampled_from(found))
    else:
        center = BASE + timedelta(minutes=draw(st.integers(0, 3 * 365 * 1440)))
    window_start = center - timedelta(minutes=draw(st.integers(0, 30 * 60)))
    length = st.sampled_from([12 * 60, 24 * 60, max_window_hours * 60])
    window_end = window_start + timedelta(
        minutes=draw(length | st.integers(1, max_window_hours * 60))
    )
    # Two day patterns spread over the week by a bit mask: varied days, cheap draws.
    patterns = st.just([(0, 1440)]) | minute_ranges() if dst_focus else minute_ranges()
    usual, other = draw(patterns), draw(patterns)
    mask = draw(st.integers(0, 127))
    weekly = {day: other if mask >> day & 1 else usual for day in range(7)}
    local_first = (window_start - timedelta(days=1)).date()
    overrides = {}
    for _ in range(0 if dst_focus else draw(st.integers(0, 3))):
        day = local_first + timedelta(days=draw(st.integers(0, 4)))
        overrides[day] = draw(minute_ranges(max_size=2))
    duration = draw(st.sampled_from([15, 30, 45, 60, 90]) | st.integers(1, 180))
    step = draw(st.none() | st.sampled_from([5, 10, 15, 20, 30, 60]) | st.integers(1, 120))
    alignment = draw(st.none() | st.sampled_from([5, 15, 30, 60]) | st.integers(1, 120))
    buffers = st.just(0) | st.integers(0, 60)

    def sometimes(percent: int) -> bool:
        return not dst_focus and draw(st.integers(0, 99)) < percent

    if dst_focus or sometimes(75):
        now = window_start - timedelta(minutes=draw(st.integers(0, 48 * 60)))
    else:
        now = window_start + timedelta(minutes=draw(st.integers(0, max_window_hours * 60)))
    notice = draw(st.integers(0, 12 * 60)) if sometimes(40) else 0
    horizon_days = draw(st.integers(0, 4)) if sometimes(30) else None
    horizon_range = None
    if sometimes(25):
        a = local_first + timedelta(days=draw(st.integers(0, 4)))
        horizon_range = (a, a + timedelta(days=draw(st.integers(0, 3))))
    blocks = []
    span = int((window_end - window_start).total_seconds() // 60) + 24 * 60
    for _ in range(0 if dst_focus else draw(st.integers(0, 8))):
        start = window_start - timedelta(hours=12) + timedelta(minutes=draw(st.integers(0, span)))
        length = draw(st.sampled_from([0, 15, 30, 60]) | st.integers(0, 180))
        blocks.append(
            (
                start,
                start + timedelta(minutes=length),
                draw(st.sampled_from("abc")),
                draw(st.booleans()),
            )
        )
    bookings = []
    for _ in range(draw(st.integers(0, 5))):
        start = window_start - timedelta(days=7) + timedelta(minutes=draw(st.integers(0, 9 * 1440)))
        bookings.append((start, start + timedelta(minutes=30)))
    return Scenario(
        zone=zone,
        weekly=weekly,
        overrides=overrides,
        duration=duration,
        step=step,
        alignment=alignment,
        buffer_before=draw(buffers),
        buffer_after=draw(buffers),
        notice=notice,
        horizon_days=horizon_days,
        horizon_range=horizon_range,
        max_per_day=draw(st.integers(0, 3)) if sometimes(25) else None,
        max_per_week=draw(st.integers(0, 4)) if sometimes(25) else None,
        now=now,
        window_start=window_start,
        window_end=window_end,
        blocks=blocks,
        bookings=bookings,
    )


def _clock(minute: int) -> time:
    return time(0, 0) if minute == 1440 else time(minute // 60, minute % 60)


def _ranges(ranges: list[tuple[int, int]]) -> list[tuple[time, time]]:
    return [(_clock(s), _clock(e)) for s, e in ranges]


def to_engine(sc: Scenario) -> tuple[Schedule, list[BusyBlock], EventRules]:
    """The same scenario in the engine's vocabulary."""
    schedule = Schedule(
        sc.zone,
        {day: _ranges(r) for day, r in sc.weekly.items()},
        {day: _ranges(r) for day, r in sc.overrides.items()},
    )
    busy = [BusyBlock(s, e, source, tentative) for s, e, source, tentative in sc.blocks]

    def minutes(value: int | None) -> timedelta | None:
        return None if value is None else timedelta(minutes=value)

    rules = EventRules(
        duration=timedelta(minutes=sc.duration),
        step=minutes(sc.step),
        alignment=minutes(sc.alignment),
        buffer_before=timedelta(minutes=sc.buffer_before),
        buffer_after=timedelta(minutes=sc.buffer_after),
        minimum_notice=timedelta(minutes=sc.notice),
        horizon_days=sc.horizon_days,
        horizon_range=sc.horizon_range,
        max_per_day=sc.max_per_day,
        max_per_week=sc.max_per_week,
    )
    return schedule, busy, rules


def local_dates_near(moment: datetime) -> list[date]:
    return [(moment + timedelta(days=k)).date() for k in range(-1, 3)]
