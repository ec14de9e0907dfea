"""Benchmark of the CalDAV sync against a real Radicale; prints JSON lines.

Run from the repository root:  .venv/bin/python bench/sync_caldav.py

Each line is {"bench", "metric", "value", "unit", "floor", "ratio"}.

- initial_import: a full sync of 10,000 events (one resource each) into a temporary
  SQLite database: one sync-collection REPORT that asks for each resource's etag and
  text (calendar-data; since 2026-12-01, before it listed hrefs and etags and read
  the text with calendar-multiget in batches of 250), parse and expand with the
  iCalendar core (its fast read of a plain event), classify, upsert, commit. The
  floor is the same events fetched with the bare caldav client and no processing
  (the sync-collection REPORT and calendar-multiget of every href, the way the
  adapter asked before; and one calendar-query REPORT of everything,
  ``calendar.search()``: the faster of the two is the floor), in the same run
  against the same server. Goal: ratio <= 2.
  Best of three runs, after one warm-up (Radicale builds its caches on first read).
- idle_round: an incremental sync with nothing changed. Requests per calendar as
  Radicale's front counted them (goal 1) and block writes (goal 0).

Seeding writes the 10,000 ``.ics`` files straight into Radicale's storage folder
(its filesystem layout: one file per resource in the collection's folder), which
takes a second instead of the minutes 10,000 PUTs take; Radicale reads the folder
on every request, so it serves them like PUT ones. Nothing is asserted.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import emit, events, runs
from bench._sync import best_full_import, report_idle_round
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.calendars import repository, service
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.sync import CalendarSync
from integrations.net.dav import dav_client
from integrations.net.fetch import Limits
from integrations.net.guard import AddressPolicy
from integrations.vault import TokenVault, generate_key
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Radicale, vevent
from web import database

EVENTS = events(10_000)
RUNS = runs(3)
BATCH = 250
#: Radicale's first read of 10,000 new files builds its caches: minutes, not seconds.
LIMITS = Limits(total_timeout=900, max_bytes=64 * 1024 * 1024)


def note(**seconds: float) -> None:
    """Set-up times, on stderr: not figures of the sync."""
    fields = {name: round(value, 2) for name, value in seconds.items()}
    print(json.dumps({"bench": "sync_caldav", **fields}), file=sys.stderr, flush=True)


def seed(dav: Radicale, now: datetime) -> None:
    folder = dav.folder / "data" / "collection-root" / USER / "calendar"
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=20)
    for n in range(EVENTS):
        # ~27 events a day over the year: every classification the table knows.
        begin = start + timedelta(minutes=37 * n)
        props = {1: ["TRANSP:TRANSPARENT"], 2: ["CLASS:PRIVATE"], 3: ["STATUS:TENTATIVE"]}
        uid = f"bench-{n}@radicale.test"
        text = vevent(uid, f"Event {n}", begin, begin + timedelta(minutes=30),
                      *props.get(n % 10, []))  # fmt: skip
        (folder / f"bench-{n}.ics").write_text(text, newline="")


def bare_fetch(dav: Radicale, *, parse: bool = False) -> float:
    """The floor: the same events through the bare caldav client, no processing.
    ``parse``: also read each body with icalendar (what any consumer must do; not
    the floor, a figure that shows where the rest of the time goes)."""
    client = dav_client(
        dav.url, AddressPolicy(allow_private=True), username=USER, password=PASSWORD,
        auth_type="basic", limits=LIMITS,
    )  # fmt: skip
    calendar = client.calendar(url=client.url.join(dav.calendar_path()))
    started = time.perf_counter()
    listing = calendar.get_objects_by_sync_token(None, load_objects=False, disable_fallback=True)
    urls = [o.url for o in listing]
    loaded = 0
    for offset in range(0, len(urls), BATCH):
        for resource in calendar.multiget(urls[offset : offset + BATCH]):
            if resource.data:
                loaded += 1
                if parse:
                    icalendar.Calendar.from_ical(resource.data)
    by_sync = time.perf_counter() - started
    if parse:
        return by_sync
    started = time.perf_counter()
    searched = len(calendar.search())
    by_search = time.perf_counter() - started
    if loaded != EVENTS or searched != EVENTS:
        raise SystemExit(f"the bare client read {loaded} / {searched} events, not {EVENTS}")
    return min(by_sync, by_search)


async def main() -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp, Radicale(Path(tmp) / "radicale") as dav:
        started = time.perf_counter()
        seed(dav, now)
        note(seeded_s=time.perf_counter() - started)
        engine = database.build_engine(f"sqlite:///{tmp}/bench.sqlite3")
        await database.migrate(engine)
        env = CalendarEnvironment(
            vault=TokenVault(generate_key()),
            public_url="http://127.0.0.1:8000",
            mail_from="bench@example.com",
            allow_private_urls=True,
            fetch_limits=LIMITS,
        )
        sync = CalendarSync(env)
        host = await hosts.create(
            HostCreate(email="bench@example.com", slug="bench", time_zone="UTC")
        )
        account_id = await service.connect_caldav(env, host.id, dav.url, USER, PASSWORD)
        (calendar_id,) = await repository.conflict_calendar_ids(account_id)

        started = time.perf_counter()
        bare_fetch(dav)  # warm-up: Radicale's item and history caches
        note(warm_up_s=time.perf_counter() - started)
        floor = min(bare_fetch(dav) for _ in range(RUNS))

        imported = await best_full_import(sync, calendar_id, EVENTS, RUNS)
        emit("sync_caldav", "initial_import_10k_events", imported, "s", floor)
        parsed = min(bare_fetch(dav, parse=True) for _ in range(RUNS))
        emit("sync_caldav", "initial_import_vs_bare_fetch_and_icalendar_parse", imported, "s",
             parsed)  # fmt: skip

        await report_idle_round(
            "sync_caldav",
            sync,
            calendar_id,
            lambda: len(dav.seen),
            metric="idle_round_requests_per_calendar",
            unit="requests",
        )


if __name__ == "__main__":
    asyncio.run(main())
