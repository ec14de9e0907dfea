"""Benchmark of the availability engine; prints one JSON object per line.

Run from the repository root:  .venv/bin/python bench/availability.py

Each line is {"bench", "metric", "value", "unit", "floor", "ratio"}. The floor is
measured in the same run on the same objects: ``sorted(blocks, key=start)``, the
least any exact engine must do with unsorted blocks. ``ratio = value / floor``; the
goal is <= 3. Timings are the best of several runs (time.perf_counter, garbage
collector paused like timeit does). Nothing is asserted.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from availability import (
    BusyBlock,
    EventRules,
    Schedule,
    TeamMember,
    collective_slots,
    compute_slots,
    round_robin_slots,
)
from bench._report import emit

WINDOW_START = datetime(2024, 3, 1, 5, tzinfo=UTC)  # includes the US and EU DST changes
WINDOW_END = WINDOW_START + timedelta(days=31)
NOW = WINDOW_START - timedelta(days=1)
RULES = EventRules(
    duration=timedelta(minutes=30),
    step=timedelta(minutes=15),
    buffer_before=timedelta(minutes=5),
    buffer_after=timedelta(minutes=5),
)
WEEKDAYS_9_TO_5 = {day: ["09:00-17:00"] for day in range(5)}
BY_START = attrgetter("start")


def busy_blocks(rng: random.Random, count: int, zone: str, calendars: int = 5) -> list[BusyBlock]:
    """``count`` unsorted, heavily overlapping blocks from ``calendars`` calendars.

    Each day gets a handful of meetings; every calendar repeats them with jitter
    (invites copied across calendars, recurring series, overlapping holds), so the
    blocks overlap a lot but leave free time between meetings.
    """
    tz = ZoneInfo(zone)
    meetings: list[tuple[datetime, datetime]] = []
    day = WINDOW_START.astimezone(tz).date()
    while len(meetings) < 6 * 31:
        for _ in range(6):
            start = datetime(day.year, day.month, day.day, 7, tzinfo=tz) + timedelta(
                minutes=15 * rng.randrange(48)
            )
            meetings.append((start, start + timedelta(minutes=rng.choice((15, 30, 45, 60)))))
        day += timedelta(days=1)
    out = []
    for i in range(count):
        start, end = rng.choice(meetings)
        a = start + timedelta(minutes=rng.randrange(0, 10))
        b = end - timedelta(minutes=rng.randrange(0, 10))
        out.append(BusyBlock(a, max(a, b), f"calendar-{i % calendars}", rng.random() < 0.1))
    rng.shuffle(out)
    return out


def best_pair(
    floor: Callable[[], object], run: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Best times of ``floor`` and ``run``, interleaved so both see the same noise."""
    floors, runs = [], []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            for fn, times in ((floor, floors), (run, runs)):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return min(floors), min(runs)


def single_host(count: int, repeat: int, bench: str) -> tuple[float, float]:
    blocks = busy_blocks(random.Random(count), count, "America/New_York")
    schedule = Schedule("America/New_York", WEEKDAYS_9_TO_5)

    def run() -> object:
        return compute_slots(
            schedule, blocks, RULES, now=NOW, window_start=WINDOW_START, window_end=WINDOW_END
        )

    floor, value = best_pair(lambda: sorted(blocks, key=BY_START), run, repeat)
    emit(bench, "compute_slots", value * 1000, "ms", floor * 1000)
    return value, floor


def team(repeat: int) -> None:
    rng = random.Random(50)
    zones = ["Europe/London", "Europe/Berlin", "America/New_York"]
    members = []
    for i in range(50):
        zone = zones[i % len(zones)]
        members.append(
            TeamMember(f"host-{i}", Schedule(zone, WEEKDAYS_9_TO_5), busy_blocks(rng, 2000, zone))
        )
    everything = [block for member in members for block in member.busy]
    when = {"now": NOW, "window_start": WINDOW_START, "window_end": WINDOW_END}
    sort_all = lambda: sorted(everything, key=BY_START)  # noqa: E731
    floor, value = best_pair(sort_all, lambda: collective_slots(members, RULES, **when), repeat)
    emit("collective_50_hosts_x_2000_blocks", "collective_slots", value * 1000, "ms", floor * 1000)
    floor, value = best_pair(sort_all, lambda: round_robin_slots(members, RULES, **when), repeat)
    emit(
        "round_robin_50_hosts_x_2000_blocks", "round_robin_slots", value * 1000, "ms", floor * 1000
    )


def main() -> None:
    single_host(10_000, 15, "one_host_31_days_10k_blocks")
    team(7)
    times = {}
    for count, repeat in ((1_000, 30), (10_000, 15), (100_000, 5)):
        times[count] = single_host(count, repeat, f"growth_{count // 1000}k_blocks")
    # The floor is how much sorted() itself grows from 10k to 100k blocks (n log n
    # alone predicts 12.5x; memory effects add more). A ratio near 1 means the
    # engine grows like the sort it has to do.
    emit(
        "growth_10k_to_100k",
        "time_multiplier",
        times[100_000][0] / times[10_000][0],
        "x",
        times[100_000][1] / times[10_000][1],
    )


if __name__ == "__main__":
    main()
