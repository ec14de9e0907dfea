"""What the sync benchmarks (Google, Microsoft, CalDAV) measure alike: the engine's
full import of one calendar, best of several runs, and an idle incremental round."""

from __future__ import annotations

import time
from collections.abc import Callable

from bench._report import emit
from integrations.calendars import repository
from integrations.calendars.records import CalendarChange
from integrations.calendars.sync import CalendarSync


async def best_full_import(sync: CalendarSync, calendar_id: int, events: int, runs: int) -> float:
    """Seconds for the engine's full import of the calendar (its blocks and sync state
    cleared before each run), the best of ``runs``."""

    async def full_import() -> float:
        await repository.clear_blocks(calendar_id)
        await repository.update_calendar(
            calendar_id, CalendarChange(sync_token=None, full_sync_window_end=None)
        )
        started = time.perf_counter()
        outcome = await sync.sync_calendar(calendar_id)
        elapsed = time.perf_counter() - started
        if not (outcome.ok and outcome.full and outcome.written == events):
            raise SystemExit(f"the full sync went wrong: {outcome}")
        return elapsed

    return min([await full_import() for _ in range(runs)])


async def report_idle_round(
    bench: str,
    sync: CalendarSync,
    calendar_id: int,
    requests: Callable[[], int],
    *,
    metric: str = "idle_round_api_calls_per_calendar",
    unit: str = "calls",
) -> None:
    """One incremental sync with nothing changed: the provider requests it cost
    (``requests()`` counts those made so far; goal 1), block writes (goal 0), time."""
    before = requests()
    started = time.perf_counter()
    idle = await sync.sync_calendar(calendar_id)
    elapsed = time.perf_counter() - started
    if not idle.ok or idle.full:
        raise SystemExit(f"the idle round went wrong: {idle}")
    emit(bench, metric, requests() - before, unit, 1)
    emit(bench, "idle_round_block_writes", idle.written + idle.deleted, "rows", 0)
    emit(bench, "idle_round_time", elapsed, "s", elapsed)
