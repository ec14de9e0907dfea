"""'Why is this time not bookable?': every reason the engine gives, in plain words,
with the booking, activity or calendar event in the way named.

Time is frozen on Monday 2026-03-02 07:00 UTC. Ada works Mon-Fri 09:00-17:00 in
Europe/Berlin (UTC+1); the page takes and shows her zone's times.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine
from litestar import Litestar

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from booking.bookings import service as bookings
from booking.bookings.schemas import BookingCreate, PublicBooking
from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import ScheduleUpdate
from tests.conftest import SignedIn
from tests.integrations.providers.ics.feedserver import FeedServer
from tests.web.pages.test_account import PASSWORD, sign_in
from web.app import create_app
from web.settings import Settings

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
PAGE = "/dashboard/explain"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def app(settings: Settings) -> Litestar:
    # The ICS feed below is served on loopback.
    return create_app(replace(settings, allow_private_urls=True))


@pytest.fixture
async def intro(ada: SignedIn) -> EventType:
    return await event_types.create(
        ada.host.id,
        EventTypeCreate(
            title="Intro call",
            slug="intro",
            duration_minutes=30,
            buffer_after_minutes=15,
            minimum_notice_minutes=240,
            horizon_days=14,
            max_per_day=2,
            max_per_week=3,
        ),
    )


async def book(app: Litestar, start: str, name: str) -> PublicBooking:
    return await bookings.book(
        "ada",
        "intro",
        BookingCreate(
            start=datetime.fromisoformat(start),
            name=name,
            email=f"{name.split()[0].lower()}@example.com",
            time_zone="UTC",
        ),
        app.state.env,
    )


async def reasons(
    client: httpx.AsyncClient, event_type: EventType, day: str, at: str
) -> list[tuple[str, str]]:
    """(kind, words) of every reason the page gives for ``day`` ``at`` (Berlin)."""
    page = await client.get(PAGE, params={"event_type": event_type.id, "date": day, "time": at})
    assert page.status_code == 200, page.text
    found = re.findall(r'<li data-reason="([a-z_]+)">(.*?)</li>', page.text, re.S)
    said = [(kind, html.unescape(re.sub(r"<[^>]+>", "", text)).strip()) for kind, text in found]
    if not said:
        assert "Bookable" in page.text
    return said


async def test_each_rule_is_said_in_plain_words(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    form = await client.get(PAGE)
    assert form.status_code == 200
    assert "Intro call (30 min)" in form.text
    assert 'value="2026-03-02"' in form.text, "today, in the host's zone"
    listed = await client.get("/dashboard/event-types")
    assert f'href="{PAGE}?event_type={intro.id}"' in listed.text, "offered from each event type"
    chosen = await client.get(PAGE, params={"event_type": intro.id})
    assert chosen.status_code == 200
    assert f'<option value="{intro.id}" selected>' in chosen.text

    assert await reasons(client, intro, "2026-03-03", "08:00") == [
        (
            "outside_working_hours",
            "Outside working hours: 08:00 to 08:30 on Tuesday is not inside one of your "
            "working-hours ranges (09:00 to 17:00 that day).",
        )
    ]
    assert [k for k, _ in await reasons(client, intro, "2026-03-03", "16:45")] == [
        "outside_working_hours"
    ], "it would end after 17:00"
    assert await reasons(client, intro, "2026-03-03", "10:10") == [
        (
            "not_a_slot_start",
            "Not a start time: Intro call offers a start every 30 minutes from the beginning "
            "of each working-hours range, and 10:10 is not one.",
        )
    ]
    assert await reasons(client, intro, "2026-03-02", "10:00") == [
        (
            "too_soon",
            "Too soon: Intro call needs 4 hours notice, so right now the earliest start is "
            "Monday, 2026-03-02 12:00.",
        )
    ]
    assert await reasons(client, intro, "2026-03-17", "10:00") == [
        (
            "outside_horizon",
            "Too far ahead: Intro call can be booked at most 14 days ahead, so the last day "
            "invitees can choose is 2026-03-16.",
        )
    ]
    default = await schedules.get_default(ada.host.id)
    await schedules.update(ada.host.id, default.id, ScheduleUpdate(overrides={"2026-03-05": []}))
    assert await reasons(client, intro, "2026-03-05", "10:00") == [
        ("day_off", "Day off: Thursday, 2026-03-05 is blocked by a date override.")
    ]
    assert await reasons(client, intro, "2026-03-03", "10:00") == []
    bookable = await client.get(
        PAGE, params={"event_type": intro.id, "date": "2026-03-03", "time": "10:00"}
    )
    assert "Tuesday, 2026-03-03 10:00 (Europe/Berlin)" in bookable.text
    assert 'href="/ada/intro"' in bookable.text, "a link to book it"

    bad = await client.get(PAGE, params={"event_type": intro.id, "date": "x", "time": "25:00"})
    assert bad.status_code == 422
    assert "Write a date as YYYY-MM-DD." in bad.text
    assert "Write a time as HH:MM." in bad.text


async def test_bookings_limits_buffers_and_activities_are_named(
    client: httpx.AsyncClient, app: Litestar, ada: SignedIn, intro: EventType
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    grace = await book(app, "2026-03-04T09:00:00Z", "Grace Hopper")  # Wednesday 10:00 Berlin

    assert await reasons(client, intro, "2026-03-04", "10:00") == [
        (
            "booking",
            "Busy: your booking “Intro call with Grace Hopper” (10:00 to 10:30) takes this "
            "time. Open it",
        )
    ], "its activity is the same time and is not said twice"
    page = await client.get(
        PAGE, params={"event_type": intro.id, "date": "2026-03-04", "time": "10:00"}
    )
    assert f'href="/dashboard/bookings/{grace.uid}"' in page.text
    assert await reasons(client, intro, "2026-03-04", "09:30") == [
        (
            "buffer",
            "Buffer: your booking “Intro call with Grace Hopper” (10:00 to 10:30) is outside "
            "the slot but too close to it (Intro call keeps 15 minutes free after each "
            "booking). Open it",
        )
    ]

    await book(app, "2026-03-04T12:00:00Z", "Alan Turing")
    assert await reasons(client, intro, "2026-03-04", "15:00") == [
        (
            "daily_limit",
            "Daily limit: 2026-03-04 already has 2 bookings of Intro call, and the limit is 2 "
            "a day.",
        )
    ]
    await book(app, "2026-03-05T09:00:00Z", "Edsger Dijkstra")
    assert await reasons(client, intro, "2026-03-06", "15:00") == [
        (
            "weekly_limit",
            "Weekly limit: the week of 2026-03-02 already has 3 bookings of Intro call, and "
            "the limit is 3 a week.",
        )
    ]

    board = await activities.create(
        ada.host.id,
        ActivityCreate(
            title="Board meeting",
            start=datetime(2026, 3, 10, 13, tzinfo=UTC),
            end=datetime(2026, 3, 10, 14, tzinfo=UTC),
        ),
    )
    assert await reasons(client, intro, "2026-03-10", "14:30") == [
        (
            "activity",
            "Busy: your activity “Board meeting” (14:00 to 15:00) takes this time. Open it",
        )
    ]
    page = await client.get(
        PAGE, params={"event_type": intro.id, "date": "2026-03-10", "time": "14:30"}
    )
    assert f'href="/dashboard/activities/{board.id}"' in page.text


async def test_conflict_calendar_events_are_named_with_their_calendar(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    feed = FeedServer()
    try:
        feed.add(
            "Dentist", datetime(2026, 3, 3, 12, tzinfo=UTC), datetime(2026, 3, 3, 13, tzinfo=UTC)
        )
        feed.add(
            "Therapy",
            datetime(2026, 3, 3, 14, tzinfo=UTC),
            datetime(2026, 3, 3, 15, tzinfo=UTC),
            "CLASS:PRIVATE",
        )
        added = await client.post(
            "/api/v1/calendar-accounts",
            json={"provider": "ics", "url": feed.url, "name": "Family"},
            headers=ada.headers,
        )
        assert added.status_code == 201, added.text
        [calendar] = (await client.get("/api/v1/calendars", headers=ada.headers)).json()
        app: Any = client._transport.app  # type: ignore[attr-defined]
        await asyncio.wait_for(app.state["calendars"].runner.wait_synced(calendar["id"], 0), 10)
    finally:
        feed.close()

    await sign_in(client, ada.host.email, PASSWORD)
    assert await reasons(client, intro, "2026-03-03", "13:30") == [
        (
            "calendar",
            "Busy: “Dentist” in your ICS calendar “Family” (13:00 to 14:00) takes this time.",
        )
    ]
    private = await client.get(
        PAGE, params={"event_type": intro.id, "date": "2026-03-03", "time": "15:00"}
    )
    assert "Therapy" not in private.text
    assert await reasons(client, intro, "2026-03-03", "15:00") == [
        (
            "calendar",
            "Busy: “Busy” in your ICS calendar “Family” (15:00 to 16:00) takes this time.",
        )
    ]


async def test_another_hosts_event_type_is_not_explained(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    await hosts.create(
        HostCreate(
            email="bob@example.com", slug="bob", time_zone="UTC", name="Bob", password=PASSWORD
        )
    )
    await sign_in(client, "bob@example.com", PASSWORD)
    page = await client.get(
        PAGE, params={"event_type": intro.id, "date": "2026-03-03", "time": "10:00"}
    )
    assert page.status_code == 422
    assert "Intro call" not in page.text
    assert "You have no event types yet." in page.text
