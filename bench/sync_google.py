"""Benchmark of the Google sync against the local emulator; prints JSON lines.

Run from the repository root:  .venv/bin/python bench/sync_google.py

Each line is {"bench", "metric", "value", "unit", "floor", "ratio"}.

- initial_import: a full sync of 10,000 events into a temporary SQLite database
  (fetch, classify, upsert, commit). The floor is the same pages fetched with the
  bare googleapiclient and no processing, in the same run against the same emulator.
  Goal: ratio <= 2. Best of three runs.
- idle_round: an incremental sync with nothing changed. api_calls per calendar
  (goal 1) and block writes (goal 0); the floor is the goal.

Nothing is asserted. Needs the test emulator (tests/emulators/google.py).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import emit, events, runs
from bench._sync import best_full_import, report_idle_round

# The emulator speaks http:// on loopback; oauthlib refuses that unless told.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.calendars import repository
from integrations.calendars.sync import CalendarSync
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import connect, environment
from web import database

EVENTS = events(10_000)
RUNS = runs(3)
USER = "bench@example.com"


def seed(google: GoogleCalendarEmulator, now: datetime) -> None:
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=20)
    for n in range(EVENTS):
        # ~27 events a day over the year: every classification the table knows.
        begin = start + timedelta(minutes=37 * n)
        extra: dict[str, Any] = {}
        if n % 10 == 1:
            extra["transparency"] = "transparent"
        elif n % 10 == 2:
            extra["visibility"] = "private"
        elif n % 10 == 3:
            extra["status"] = "tentative"
        google.add_event(
            USER, summary=f"Event {n}", start=begin, end=begin + timedelta(minutes=30), **extra
        )


def bare_paging(google: GoogleCalendarEmulator, window: Any) -> float:
    service = google.build_service()
    started = time.perf_counter()
    page = None
    count = 0
    while True:
        answer = (
            service.events()
            .list(
                calendarId=USER,
                singleEvents=True,
                maxResults=2500,
                timeMin=window.start.isoformat(),
                timeMax=window.end.isoformat(),
                pageToken=page,
            )
            .execute()
        )
        count += len(answer.get("items", []))
        page = answer.get("nextPageToken")
        if not page:
            break
    if count != EVENTS:
        raise SystemExit(f"the emulator listed {count} events, not {EVENTS}")
    return time.perf_counter() - started


async def main() -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp, GoogleCalendarEmulator(user_email=USER) as google:
        seed(google, now)
        engine = database.build_engine(f"sqlite:///{tmp}/bench.sqlite3")
        await database.migrate(engine)
        env = environment(google)
        sync = CalendarSync(env)
        host = await hosts.create(HostCreate(email=USER, slug="bench", time_zone="UTC"))
        (calendar_id,) = await repository.conflict_calendar_ids(await connect(env, host.id))
        window = env.window(env.clock())

        floor = min(bare_paging(google, window) for _ in range(RUNS))

        emit(
            "sync_google",
            "initial_import_10k_events",
            await best_full_import(sync, calendar_id, EVENTS, RUNS),
            "s",
            floor,
        )

        await report_idle_round("sync_google", sync, calendar_id, lambda: len(google.requests))


if __name__ == "__main__":
    asyncio.run(main())
