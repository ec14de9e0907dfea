"""A brute-force minute-grid oracle for slot computation, written from the spec only.

It shares no code with ``availability``: it walks every UTC minute, reads the local
wall clock with zoneinfo, and decides each rule directly.

Working time on the wall clock: an instant works for range ``[s, e)`` of local date
``d`` when the *latest* wall time shown so far is inside ``(d, s) .. (d, e)``. On a
fall-back day the clock shows 01:00-02:00 twice; during the repeat the latest wall
time seen is still 01:59, so the host keeps working (or not) without a hiccup. In a
gap the clock simply never shows the missing times.

A minute is a slot start when the clock shows a wall time for the first time,
the wall time is on the range's grid, every minute of the slot works in the same
range, and the remaining rules (window, notice, horizon, limits, buffers) hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Scenario:
    """Everything in minutes, so the oracle never needs seconds."""

    zone: str
    weekly: dict[int, list[tuple[int, int]]]  # minute of day; end may be 1440
    overrides: dict[date, list[tuple[int, int]]]
    duration: int
    step: int | None
    alignment: int | None
    buffer_before: int
    buffer_after: int
    notice: int
    horizon_days: int | None
    horizon_range: tuple[date, date] | None
    max_per_day: int | None
    max_per_week: int | None
    now: datetime
    window_start: datetime
    window_end: datetime
    blocks: list[tuple[datetime, datetime, str, bool]] = field(default_factory=list)
    bookings: list[tuple[datetime, datetime]] = field(default_factory=list)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def oracle_starts(sc: Scenario) -> list[datetime]:
    zone = ZoneInfo(sc.zone)
    step = sc.step or sc.duration

    merged_on: dict[date, list[tuple[int, int]]] = {}

    def ranges_of(day: date) -> list[tuple[int, int]]:
        if day not in merged_on:
            raw = sc.overrides[day] if day in sc.overrides else sc.weekly.get(day.weekday(), [])
            merged_on[day] = _merged(raw)
        return merged_on[day]

    # Walk from early enough that the running maximum has seen any fold in progress.
    t0 = sc.window_start - timedelta(hours=6)
    total = int((sc.window_end - t0) / MINUTE) + sc.duration + 1
    instants: list[datetime] = []
    walls: list[datetime] = []
    fresh: list[bool] = []
    owner: list[tuple[date, int, int] | None] = []
    running: datetime | None = None
    for i in range(total):
        u = t0 + i * MINUTE
        wall = u.astimezone(zone).replace(tzinfo=None)
        # A wall time shown for the first time is later than every earlier one.
        fresh.append(running is None or wall > running)
        running = wall if running is None or wall > running else running
        minute_of_day = running.hour * 60 + running.minute
        found = None
        for s, e in ranges_of(running.date()):
            if s <= minute_of_day < e:
                found = (running.date(), s, e)
        instants.append(u)
        walls.append(wall)
        owner.append(found)

    per_day: dict[date, int] = {}
    per_week: dict[date, int] = {}
    for b_start, _ in sc.bookings:
        d = b_start.astimezone(zone).date()
        per_day[d] = per_day.get(d, 0) + 1
        monday = d - timedelta(days=d.weekday())
        per_week[monday] = per_week.get(monday, 0) + 1
    today = sc.now.astimezone(zone).date()

    out: list[datetime] = []
    for i, u in enumerate(instants):
        if not sc.window_start <= u < sc.window_end:
            continue
        rng = owner[i]
        if rng is None or not fresh[i]:
            continue
        day, s, e = rng
        minute_of_day = walls[i].hour * 60 + walls[i].minute
        anchor = s
        if sc.alignment is not None:
            while anchor % sc.alignment:
                anchor += 1
        if minute_of_day < anchor or (minute_of_day - anchor) % step:
            continue
        if i + sc.duration > len(owner) or any(owner[j] != rng for j in range(i, i + sc.duration)):
            continue
        if u < sc.now + timedelta(minutes=sc.notice):
            continue
        if sc.horizon_days is not None and day > today + timedelta(days=sc.horizon_days):
            continue
        if sc.horizon_range is not None and not sc.horizon_range[0] <= day <= sc.horizon_range[1]:
            continue
        if sc.max_per_day is not None and per_day.get(day, 0) >= sc.max_per_day:
            continue
        monday = day - timedelta(days=day.weekday())
        if sc.max_per_week is not None and per_week.get(monday, 0) >= sc.max_per_week:
            continue
        lo = u - timedelta(minutes=sc.buffer_before)
        hi = u + timedelta(minutes=sc.duration + sc.buffer_after)
        if any(bs < be and lo < be and bs < hi for bs, be, _, _ in sc.blocks):
            continue
        out.append(u)
    return out


def transitions(zone_name: str, first_year: int, last_year: int) -> list[datetime]:
    """UTC instants where the zone's offset changes, found by scanning hours."""
    zone = ZoneInfo(zone_name)
    out: list[datetime] = []
    u = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    prev = u.astimezone(zone).utcoffset()
    while u < end:
        nxt = u + timedelta(hours=1)
        off = nxt.astimezone(zone).utcoffset()
        if off != prev:
            lo, hi = u, nxt
            while hi - lo > MINUTE:
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(zone).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
            prev = off
        u = nxt
    return out
