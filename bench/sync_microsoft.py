"""Benchmark of the Microsoft 365 sync against the local Graph emulator; prints JSON lines.

Run from the repository root:  .venv/bin/python bench/sync_microsoft.py

Each line is {"bench", "metric", "value", "unit", "floor", "ratio"}.

- initial_import: a full sync of 10,000 events into a temporary SQLite database
  (calendarView/delta pages fetched over HTTPS, classified, upserted, committed). The
  floor is the same delta round paged with a bare requests session (same page size,
  same Prefer header) and no processing, in the same run against the same emulator.
  Goal: ratio <= 2. Best of three runs.
- idle_round: an incremental sync with nothing changed. Requests to the emulator per
  calendar, token and discovery endpoints included (goal 1), and block writes (goal
  0); the floor is the goal.

Nothing is asserted. Needs the test emulator (tests/emulators/microsoft.py).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import emit, events, runs
from bench._sync import best_full_import, report_idle_round
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.calendars import repository
from integrations.calendars.sync import CalendarSync
from integrations.providers.microsoft import client as graph_client
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.providers.microsoft.helpers import connect, microsoft_environment
from web import database

EVENTS = events(10_000)
RUNS = runs(3)
USER = "bench@contoso.example"


def seed(ms: MicrosoftGraphEmulator, now: datetime) -> None:
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=20)
    for n in range(EVENTS):
        # ~27 events a day over the year: every classification the table knows.
        begin = start + timedelta(minutes=37 * n)
        extra: dict[str, Any] = {}
        if n % 10 == 1:
            extra["showAs"] = "free"
        elif n % 10 == 2:
            extra["sensitivity"] = "private"
        elif n % 10 == 3:
            extra["showAs"] = "tentative"
        elif n % 10 == 4:
            extra["showAs"] = "oof"
        ms.add_event(start=begin, end=begin + timedelta(minutes=30), subject=f"Event {n}", **extra)


def bare_paging(ms: MicrosoftGraphEmulator, window: Any) -> float:
    session = ms.graph_session(("Calendars.Read",))
    headers = {"Prefer": graph_client.PREFER}
    url: str | None = f"{ms.graph_url}/me/calendars/{ms.default_calendar_id}/calendarView/delta"
    params: dict[str, str] | None = {
        "startDateTime": graph_client.graph_stamp(window.start),
        "endDateTime": graph_client.graph_stamp(window.end),
    }
    started = time.perf_counter()
    count = 0
    while url:
        answer = session.get(url, params=params, headers=headers, timeout=60).json()
        count += len(answer["value"])
        url, params = answer.get("@odata.nextLink"), None
    elapsed = time.perf_counter() - started
    if count != EVENTS:
        raise SystemExit(f"the emulator listed {count} events, not {EVENTS}")
    return elapsed


async def main() -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp, MicrosoftGraphEmulator(user_email=USER) as ms:
        seed(ms, now)
        engine = database.build_engine(f"sqlite:///{tmp}/bench.sqlite3")
        await database.migrate(engine)
        env = microsoft_environment(ms)
        sync = CalendarSync(env)
        host = await hosts.create(HostCreate(email=USER, slug="bench", time_zone="UTC"))
        (calendar_id,) = await repository.conflict_calendar_ids(await connect(env, ms, host.id))
        window = env.window(env.clock())

        floor = min(bare_paging(ms, window) for _ in range(RUNS))

        emit(
            "sync_microsoft",
            "initial_import_10k_events",
            await best_full_import(sync, calendar_id, EVENTS, RUNS),
            "s",
            floor,
        )

        await report_idle_round("sync_microsoft", sync, calendar_id, lambda: len(ms.requests))


if __name__ == "__main__":
    asyncio.run(main())
