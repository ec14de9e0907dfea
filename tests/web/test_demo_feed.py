"""The demo host's ICS conflict calendar (``make run``): what it holds, and that the
real server, fetching the feed from itself, takes those hours off the booking page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from click.testing import CliRunner

from integrations.calendars.provider import SyncWindow
from integrations.providers.ical.busy import event_facts
from integrations.providers.ical.expand import expand
from integrations.providers.ical.parse import parse_calendar
from web.cli import main
from web.demo_feed import DEMO_FEED_PATH, demo_calendar

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")


def weekdays_after(day: date, count: int) -> list[date]:
    found: list[date] = []
    while len(found) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            found.append(day)
    return found


def berlin(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=BERLIN).replace(hour=hour)


def test_the_demo_feed_holds_each_kind_of_event() -> None:
    now = datetime(2026, 11, 30, 8, tzinfo=UTC)  # a Monday
    first, second, third = weekdays_after(now.date(), 3)
    window = SyncWindow(now - timedelta(days=1), now + timedelta(days=10))
    occurrences = expand(parse_calendar(demo_calendar(now)).calendar, window).occurrences
    facts = [f for f in (event_facts(o, host_zone="Europe/Berlin") for o in occurrences) if f]
    busy = {(f.start, f.end) for f in facts if f.busy}
    free = {(f.start, f.end) for f in facts if not f.busy}
    assert (berlin(first, 9), berlin(first, 10)) in busy  # the stand-up series
    assert (berlin(third, 9), berlin(third, 10)) not in busy  # its cancelled instance
    assert (berlin(first, 12), berlin(first, 14)) in busy
    assert (berlin(second, 0), berlin(second + timedelta(days=1), 0)) in busy  # all day
    assert (berlin(third, 13), berlin(third, 17)) in free  # TRANSP:TRANSPARENT
    [private] = [f for f in facts if f.start == berlin(first, 16)]
    assert (private.busy, private.title) == (True, None)


async def test_the_feed_is_not_served_where_private_urls_are_refused(
    client: httpx.AsyncClient,
) -> None:
    # It would be fetched by nobody: this server may not fetch from itself.
    assert (await client.get(DEMO_FEED_PATH)).status_code == 404


def test_make_run_shows_the_feeds_events_as_taken_slots(tmp_path: Path, database_url: str) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "s" * 48,
        "PUBLIC_URL": url,
        "RENDEZVOUS_VAR_DIR": str(tmp_path / "var"),
        "ALLOW_PRIVATE_URLS": "on",
        "LOG_FORMAT": "console",
    }
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    for _ in range(2):  # idempotent, like make run twice
        done = runner.invoke(main, ["demo"])
        assert done.exit_code == 0, done.output
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "web.main:app", "--fd", str(listener.fileno())],
            pass_fds=[listener.fileno()],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    listener.close()
    try:
        today = datetime.now(BERLIN).date()
        first, second, _ = weekdays_after(today, 3)
        params = {"start": first.isoformat(), "end": second.isoformat(), "tz": "Europe/Berlin"}
        deadline = time.monotonic() + 60
        while True:
            answer = httpx.get(f"{url}/api/v1/public/demo/intro/slots", params=params, timeout=10)
            assert answer.status_code == 200, answer.text
            days = {d["date"]: d["slots"] for d in answer.json()["days"]}
            starts = {datetime.fromisoformat(s["start"]) for s in days.get(first.isoformat(), [])}
            if berlin(first, 9) not in starts or time.monotonic() > deadline:
                break
            time.sleep(0.2)  # the server's first poll of its own feed
        assert starts, log_path.read_text()[-3000:]
        assert berlin(first, 9) not in starts, "the stand-up takes 09:00-10:00"
        assert berlin(first, 10) in starts
        assert berlin(first, 12) not in starts
        assert berlin(first, 13) not in starts
        assert berlin(first, 14) in starts
        assert days.get(second.isoformat(), []) == [], "the all-day offsite takes the day"
    finally:
        server.terminate()
        server.wait(timeout=10)
