"""End to end: a host connects Google through the emulator, picks two conflict
calendars, and the public slots honour DESIGN.md's busy/free table; an edit in
Google reaches the slots through its push notification alone.

The app runs under uvicorn on loopback in the test's event loop, so the emulator can
deliver push notifications to it over real HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from integrations.calendars import repository
from tests.e2e.helpers import at, free_slots_around, host_offering_a_call, next_monday, serving
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import app_settings
from tests.web.pages.test_account import PASSWORD, sign_in
from web.app import create_app
from web.settings import Settings

WAIT = 10.0
PRIMARY = "ada@example.com"
TEAM = "team@group.calendar.google.com"
HOLIDAYS = "holidays@group.calendar.google.com"


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email=PRIMARY) as emulator:
        yield emulator


@pytest.fixture
async def server(
    settings: Settings, google: GoogleCalendarEmulator
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with serving(
        lambda public_url: create_app(
            app_settings(settings, google, public_url=public_url, push_notifications=True)
        )
    ) as served:
        yield served


async def test_public_slots_follow_the_busy_free_table_and_push_updates_them(
    server: tuple[httpx.AsyncClient, Any], google: GoogleCalendarEmulator
) -> None:
    client, app = server
    runner = app.state["calendars"].runner
    headers, call = await host_offering_a_call(client, PRIMARY, "ada", "Ada")

    monday = next_monday()
    tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)
    google.add_calendar(TEAM, "Team")
    google.add_calendar(HOLIDAYS, "Holidays")
    me = {"email": PRIMARY, "self": True}
    opaque = google.add_event(PRIMARY, summary="Opaque", start=at(monday, 9), end=at(monday, 10))
    google.add_event(
        PRIMARY, summary="Transparent", start=at(monday, 10), end=at(monday, 11),
        transparency="transparent",
    )  # fmt: skip
    google.add_event(
        PRIMARY, summary="Tentative", start=at(monday, 11), end=at(monday, 11, 30),
        status="tentative",
    )  # fmt: skip
    google.add_event(
        PRIMARY, summary="Declined", start=at(monday, 12), end=at(monday, 13),
        attendees=[{**me, "responseStatus": "declined"}],
    )  # fmt: skip
    google.add_event(
        TEAM, summary="Private", start=at(monday, 13), end=at(monday, 13, 30),
        visibility="private",
    )  # fmt: skip
    cancelled = google.add_event(
        PRIMARY, summary="Cancelled", start=at(monday, 14), end=at(monday, 15)
    )
    google.delete_event(PRIMARY, cancelled["id"])
    series = google.add_event(
        TEAM, summary="Daily",
        start={"dateTime": at(monday, 15).isoformat(), "timeZone": "UTC"},
        end={"dateTime": at(monday, 15, 30).isoformat(), "timeZone": "UTC"},
        recurrence=["RRULE:FREQ=DAILY;COUNT=2"],
    )  # fmt: skip
    # The exception: Monday's occurrence moved to 16:00.
    google.edit_event(
        TEAM, f"{series['id']}_{monday:%Y%m%d}T150000Z",
        start=at(monday, 16), end=at(monday, 16, 30),
    )  # fmt: skip
    google.add_event(TEAM, summary="Offsite", start=wednesday, end=wednesday + timedelta(days=1))
    # Not a conflict calendar: never blocks.
    google.add_event(HOLIDAYS, summary="Elsewhere", start=at(tuesday, 9), end=at(tuesday, 17))

    # Connect through the browser flow: our app -> Google consent -> our callback.
    await sign_in(client, PRIMARY, PASSWORD)
    start = await client.get("/calendars/google/connect")
    consent = await client.get(start.headers["location"])  # the emulator's own address
    callback = urlsplit(consent.headers["location"])
    assert callback.netloc == urlsplit(str(client.base_url)).netloc
    done = await client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 303

    calendars = {
        c["remote_id"]: c for c in (await client.get("/api/v1/calendars", headers=headers)).json()
    }
    team = calendars[TEAM]["id"]
    seen = runner.sync_count(team)
    await client.patch(f"/api/v1/calendars/{team}", json={"is_conflict": True}, headers=headers)
    await asyncio.wait_for(runner.wait_synced(team, seen), WAIT)
    primary = calendars[PRIMARY]["id"]
    await asyncio.wait_for(runner.wait_synced(primary, 0), WAIT)

    slots_url = f"/api/v1/public/ada/{call}/slots?start={monday}&end={wednesday}&tz=UTC"

    async def offered() -> dict[str, list[str]]:
        answer = await client.get(slots_url)
        assert answer.status_code == 200, answer.text
        return {
            day["date"]: [datetime.fromisoformat(s["start"]).isoformat() for s in day["slots"]]
            for day in answer.json()["days"]
        }

    assert await offered() == {
        # Busy: opaque 9-10, tentative 11-11:30, private 13-13:30, moved occurrence 16-16:30.
        # Free: transparent, declined, cancelled, the occurrence's original 15:00.
        str(monday): free_slots_around(monday, [(9, 10), (11, 11.5), (13, 13.5), (16, 16.5)]),
        str(tuesday): free_slots_around(tuesday, [(15, 15.5)]),
        str(wednesday): [],  # all day
    }
    private = [b for b in await repository.blocks_of(team) if b.private]
    assert [b.title for b in private] == [None]

    # The host marks the opaque event "free" in Google; only the push notification
    # tells us.
    seen = runner.sync_count(primary)
    google.edit_event(PRIMARY, opaque["id"], transparency="transparent")
    await asyncio.wait_for(runner.wait_synced(primary, seen), WAIT)
    assert (await offered())[str(monday)] == free_slots_around(
        monday, [(11, 11.5), (13, 13.5), (16, 16.5)]
    )
