"""End to end: a host's Google calendar holds every event type Google makes (out of
office, focus time, working location, birthday, from Gmail); after the sync engine
reads it through the emulator, the public slots are exactly what DESIGN.md says:
transparency decides, and a working-location or birthday marker never blocks a day.

The regression it guards: Easy!Appointments hosts lost whole days of slots to one
all-day "Free" birthday.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import at, free_slots_around, host_offering_a_call, next_monday, serving
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import app_settings, connect_in_browser
from tests.web.pages.test_account import PASSWORD, sign_in
from web.app import create_app
from web.settings import Settings

WAIT = 10.0
PRIMARY = "grace@example.com"


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email=PRIMARY) as emulator:
        yield emulator


@pytest.fixture
async def server(
    settings: Settings, google: GoogleCalendarEmulator
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with serving(
        lambda public_url: create_app(app_settings(settings, google, public_url=public_url))
    ) as served:
        yield served


async def test_public_slots_honour_google_event_types(
    server: tuple[httpx.AsyncClient, Any], google: GoogleCalendarEmulator
) -> None:
    client, app = server
    runner = app.state["calendars"].runner
    headers, call = await host_offering_a_call(client, PRIMARY, "grace", "Grace")

    monday = next_monday()
    tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)
    one_day = {"start": monday, "end": tuesday}
    google.add_event(
        PRIMARY, eventType="outOfOffice", summary="Dentist", start=at(monday, 9),
        end=at(monday, 10),
    )  # fmt: skip
    google.add_event(
        PRIMARY, eventType="focusTime", summary="Focus", start=at(monday, 10),
        end=at(monday, 11),
    )  # fmt: skip
    google.add_event(
        PRIMARY, eventType="focusTime", summary="Focus, interruptible", start=at(monday, 11),
        end=at(monday, 12), transparency="transparent",
    )  # fmt: skip
    google.add_event(
        PRIMARY, eventType="fromGmail", summary="Flight", start=at(monday, 12),
        end=at(monday, 13),
    )  # fmt: skip
    google.add_event(
        PRIMARY, eventType="workingLocation", summary="Home",
        workingLocationProperties={"type": "homeOffice", "homeOffice": {}}, **one_day,
    )  # fmt: skip
    # The Easy!Appointments case: an all-day birthday marked "Free" (Google's only way).
    google.add_event(
        PRIMARY, eventType="birthday", summary="Ada's birthday",
        recurrence=["RRULE:FREQ=YEARLY"], start=tuesday, end=wednesday,
    )  # fmt: skip
    google.add_event(
        PRIMARY, eventType="workingLocation", summary="Office",
        workingLocationProperties={"type": "officeLocation", "officeLocation": {"label": "HQ"}},
        start=at(tuesday, 9), end=at(tuesday, 17),
    )  # fmt: skip
    # Out of office for the whole Wednesday, as Google's UI makes it: timed, opaque.
    google.add_event(
        PRIMARY, eventType="outOfOffice", summary="Away",
        start=at(wednesday, 0), end=at(wednesday + timedelta(days=1), 0),
    )  # fmt: skip

    await sign_in(client, PRIMARY, PASSWORD)
    done = await connect_in_browser(client)
    assert done.status_code == 303, done.text
    calendars = (await client.get("/api/v1/calendars", headers=headers)).json()
    primary = next(c["id"] for c in calendars if c["remote_id"] == PRIMARY)
    await asyncio.wait_for(runner.wait_synced(primary, 0), WAIT)

    answer = await client.get(
        f"/api/v1/public/grace/{call}/slots?start={monday}&end={wednesday}&tz=UTC"
    )
    assert answer.status_code == 200, answer.text
    offered = {
        day["date"]: [datetime.fromisoformat(s["start"]).isoformat() for s in day["slots"]]
        for day in answer.json()["days"]
    }

    assert offered == {
        # Busy: out of office 9-10, focus 10-11, the flight 12-13. Free: the focus time
        # marked available, and the all-day working location.
        str(monday): free_slots_around(monday, [(9, 10), (10, 11), (12, 13)]),
        # Free all day: the birthday and the office hours are markers.
        str(tuesday): free_slots_around(tuesday, []),
        str(wednesday): [],
    }
    # The adapter lists every type and lets the rule judge (client.py says why).
    lists = [r for r in google.requests if r.method_id == "calendar.events.list"]
    assert lists
    assert all("eventTypes" not in r.params for r in lists)
    # Google's own free/busy agrees with the slots we offer on the marker day.
    body = {
        "timeMin": at(tuesday, 0).isoformat(),
        "timeMax": at(wednesday, 0).isoformat(),
        "items": [{"id": PRIMARY}],
    }
    assert (
        google.build_service().freebusy().query(body=body).execute()["calendars"][PRIMARY]["busy"]
        == []
    )
