"""End to end: one host with a conflict calendar from each of the four providers
(Google and Microsoft 365 through their consent flows against the emulators,
CalDAV on a real Radicale and an ICS feed through the API). Each holds the same
kinds of event, in that provider's own words: opaque, transparent, tentative,
cancelled, private, all-day, recurring with an exception, in a foreign zone. The
public slots are exactly what DESIGN.md's busy/free table says, worked out here
from the table, not read back from our code; with the tentative switch on, and off
for one calendar. Private titles never reach the public answer.

Layout, host in UTC, working hours 09:00-17:00 Monday to Friday, half-hour events:
each provider has its own weekday of the first week for its single events (Google
Monday, Microsoft Tuesday, CalDAV Wednesday, ICS Thursday) at the same hours, its
own half hour of 15:00-17:00 for its daily series (starting Monday: Monday's
occurrence moved to Friday, Tuesday's cancelled, Wednesday's kept), and its own
weekday of the second week for its all-day event. No two events share a slot, so
each one's effect is seen on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.helpers import at, free_slots, host_offering_a_call, next_monday, serving
from tests.emulators.google import GoogleCalendarEmulator
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.calendars.helpers import app_settings as google_settings
from tests.integrations.calendars.helpers import connect_in_browser
from tests.integrations.providers.caldav.radicale import PASSWORD as DAV_PASSWORD
from tests.integrations.providers.caldav.radicale import USER as DAV_USER
from tests.integrations.providers.caldav.radicale import Radicale
from tests.integrations.providers.ics.feedserver import FeedServer
from tests.integrations.providers.microsoft.helpers import app_settings as microsoft_settings
from tests.web.pages.test_account import PASSWORD, sign_in
from web.app import create_app
from web.settings import Settings

WAIT = 10.0
EMAIL = "ada@example.com"
OUTLOOK = "ada@contoso.example"
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = next_monday()
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + timedelta(days=n) for n in range(1, 5))
PROVIDERS = ("google", "microsoft", "caldav", "ics")
#: Each provider's weekday of the first week, for its single events.
DAY = dict(zip(PROVIDERS, (MONDAY, TUESDAY, WEDNESDAY, THURSDAY), strict=True))
#: Each provider's weekday of the second week, for its all-day event.
ALL_DAY = {p: d + timedelta(days=7) for p, d in DAY.items()}
#: Each provider's daily series: its own half hour of the afternoon.
SERIES = dict(zip(PROVIDERS, ((15, 0), (15, 30), (16, 0), (16, 30)), strict=True))
#: Titles of the private events: none may reach the public answer.
SECRETS = {p: f"Secret appointment at the clinic ({p})" for p in PROVIDERS}


def new_york(day: date) -> datetime:
    """08:00 in New York on ``day``: 13:00 UTC in winter, 12:00 in summer; read as
    UTC it would fall before working hours, so a zone error shows as a free slot."""
    return datetime.combine(day, time(8), NEW_YORK)


def half_hour(start: datetime) -> tuple[datetime, datetime]:
    return start, start + timedelta(minutes=30)


def busy_by_the_table(provider: str, *, tentative_blocks: bool) -> list[tuple[datetime, datetime]]:
    """DESIGN.md's "Busy or free" table applied by hand to what the test put on
    ``provider``'s calendar; the frees are simply absent."""
    day, (hour, minute) = DAY[provider], SERIES[provider]
    busy = [
        half_hour(at(day, 9)),  # opaque / showAs=busy
        # 09:30 transparent / showAs=free: free
        # 10:30 cancelled: free
        half_hour(at(day, 11)),  # private: still blocks, as "Busy"
        # 11:30 declined / workingElsewhere / X-MICROSOFT-CDO-BUSYSTATUS:FREE: free
        half_hour(new_york(day).astimezone(UTC)),  # a foreign zone
        (at(ALL_DAY[provider], 0), at(ALL_DAY[provider] + timedelta(days=1), 0)),  # all day
        # The series: Monday's occurrence moved to Friday, Tuesday's cancelled.
        half_hour(at(WEDNESDAY, hour, minute)),
        half_hour(at(FRIDAY, hour, minute)),
    ]
    if provider == "microsoft":
        busy.append(half_hour(at(day, 14)))  # showAs=oof
        busy.append(half_hour(at(day, 14, 30)))  # showAs=unknown
    if tentative_blocks:
        busy.append(half_hour(at(day, 10)))  # tentative follows the switch
        if provider == "google":
            busy.append(half_hour(at(day, 14)))  # needsAction follows the switch too
    return busy


def expected_slots(tentative_off: str | None = None) -> dict[str, list[str]]:
    busy = [b for p in PROVIDERS for b in busy_by_the_table(p, tentative_blocks=p != tentative_off)]
    days = [MONDAY + timedelta(days=n) for n in range(11)]
    return {str(day): free_slots(day, busy) if day.weekday() < 5 else [] for day in days}


# -- each provider's calendar, in its own words -----------------------------------------


def fill_google(google: GoogleCalendarEmulator) -> None:
    day, me = DAY["google"], {"email": EMAIL, "self": True}

    def add(hour: int, minute: int, summary: str, **fields: Any) -> dict[str, Any]:
        start, end = half_hour(at(day, hour, minute))
        return google.add_event(EMAIL, summary=summary, start=start, end=end, **fields)

    add(9, 0, "Opaque", transparency="opaque")
    add(9, 30, "Transparent", transparency="transparent")
    add(10, 0, "Tentative", status="tentative")
    add(10, 30, "Cancelled", status="cancelled")
    add(11, 0, SECRETS["google"], visibility="private")
    add(11, 30, "Declined", attendees=[{**me, "responseStatus": "declined"}])
    add(14, 0, "Not answered", attendees=[{**me, "responseStatus": "needsAction"}])
    start = new_york(day)
    google.add_event(
        EMAIL, summary="New York",
        start={"dateTime": start.isoformat(), "timeZone": "America/New_York"},
        end={"dateTime": (start + timedelta(minutes=30)).isoformat(),
             "timeZone": "America/New_York"},
    )  # fmt: skip
    google.add_event(
        EMAIL, summary="Offsite", start=ALL_DAY["google"],
        end=ALL_DAY["google"] + timedelta(days=1),
    )  # fmt: skip
    hour, minute = SERIES["google"]
    first = at(MONDAY, hour, minute)
    series = google.add_event(
        EMAIL, summary="Daily",
        start={"dateTime": first.isoformat(), "timeZone": "UTC"},
        end={"dateTime": (first + timedelta(minutes=30)).isoformat(), "timeZone": "UTC"},
        recurrence=["RRULE:FREQ=DAILY;COUNT=3"],
    )  # fmt: skip

    def instance(day: date) -> str:
        return f"{series['id']}_{day:%Y%m%d}T{hour:02d}{minute:02d}00Z"

    moved = at(FRIDAY, hour, minute)
    google.edit_event(EMAIL, instance(MONDAY), start=moved, end=moved + timedelta(minutes=30))
    google.edit_event(EMAIL, instance(TUESDAY), status="cancelled")


def fill_microsoft(ms: MicrosoftGraphEmulator) -> None:
    day = DAY["microsoft"]

    def add(hour: int, minute: int, subject: str, **fields: Any) -> dict[str, Any]:
        start, end = half_hour(at(day, hour, minute))
        return ms.add_event(start=start, end=end, subject=subject, **fields)

    add(9, 0, "Busy", showAs="busy")
    add(9, 30, "Free", showAs="free")
    add(10, 0, "Tentative", showAs="tentative")
    add(10, 30, "Called off", isCancelled=True)
    add(11, 0, SECRETS["microsoft"], sensitivity="private")
    add(11, 30, "Home", showAs="workingElsewhere")
    add(14, 0, "Away", showAs="oof")
    add(14, 30, "Unknown", showAs="unknown")
    start = new_york(day)
    ms.add_event(start=start, end=start + timedelta(minutes=30), subject="New York")
    ms.add_event(
        start=ALL_DAY["microsoft"], end=ALL_DAY["microsoft"] + timedelta(days=1),
        subject="Offsite", isAllDay=True,
    )  # fmt: skip
    hour, minute = SERIES["microsoft"]
    first = at(MONDAY, hour, minute)
    series = ms.add_event(
        start=first, end=first + timedelta(minutes=30), subject="Daily",
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": str(MONDAY), "numberOfOccurrences": 3},
        },
    )  # fmt: skip
    moved = at(FRIDAY, hour, minute)
    ms.edit_event(
        ms.occurrence_id(series["id"], first), start=moved, end=moved + timedelta(minutes=30)
    )
    ms.delete_event(ms.occurrence_id(series["id"], at(TUESDAY, hour, minute)))


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ical_events(provider: str) -> dict[str, list[list[str]]]:
    """Every event of a CalDAV or ICS calendar, by UID: each a list of VEVENTs'
    properties (a series and its moved occurrence share one UID)."""
    day, (hour, minute) = DAY[provider], SERIES[provider]

    def timed(hour: int, minute: int, summary: str, *props: str) -> list[list[str]]:
        start, end = half_hour(at(day, hour, minute))
        return [[f"DTSTART:{stamp(start)}", f"DTEND:{stamp(end)}", f"SUMMARY:{summary}", *props]]

    ny = new_york(day)
    first, moved = at(MONDAY, hour, minute), at(FRIDAY, hour, minute)
    return {
        "opaque": timed(9, 0, "Opaque", "TRANSP:OPAQUE"),
        "transparent": timed(9, 30, "Transparent", "TRANSP:TRANSPARENT"),
        "tentative": timed(10, 0, "Tentative", "STATUS:TENTATIVE"),
        "cancelled": timed(10, 30, "Cancelled", "STATUS:CANCELLED"),
        "private": timed(11, 0, SECRETS[provider], "CLASS:PRIVATE"),
        "outlook-free": timed(11, 30, "Outlook free", "X-MICROSOFT-CDO-BUSYSTATUS:FREE"),
        "new-york": [
            [
                f"DTSTART;TZID=America/New_York:{ny:%Y%m%dT%H%M%S}",
                f"DTEND;TZID=America/New_York:{ny + timedelta(minutes=30):%Y%m%dT%H%M%S}",
                "SUMMARY:New York",
            ]
        ],
        "all-day": [
            [
                f"DTSTART;VALUE=DATE:{ALL_DAY[provider]:%Y%m%d}",
                f"DTEND;VALUE=DATE:{ALL_DAY[provider] + timedelta(days=1):%Y%m%d}",
                "SUMMARY:Offsite",
            ]
        ],
        "series": [
            [
                f"DTSTART:{stamp(first)}",
                f"DTEND:{stamp(first + timedelta(minutes=30))}",
                "SUMMARY:Daily",
                "RRULE:FREQ=DAILY;COUNT=3",
                f"EXDATE:{stamp(at(TUESDAY, hour, minute))}",
            ],
            [
                f"RECURRENCE-ID:{stamp(first)}",
                f"DTSTART:{stamp(moved)}",
                f"DTEND:{stamp(moved + timedelta(minutes=30))}",
                "SUMMARY:Daily (moved)",
            ],
        ],
    }


def vevent(uid: str, props: list[str]) -> str:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *props, "END:VEVENT"]
    return "\r\n".join(lines) + "\r\n"


def vcalendar(uid: str, vevents: list[list[str]]) -> str:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Four providers//EN\r\n"
    return head + "".join(vevent(uid, props) for props in vevents) + "END:VCALENDAR\r\n"


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email=EMAIL) as emulator:
        fill_google(emulator)
        yield emulator


@pytest.fixture
def ms() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator(user_email=OUTLOOK) as emulator:
        fill_microsoft(emulator)
        yield emulator


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale") as server:
        for uid, vevents in ical_events("caldav").items():
            server.put(vcalendar(uid, vevents), uid=uid)
        yield server


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    for uid, vevents in ical_events("ics").items():
        master, *overrides = vevents
        server.events[uid] = ["DTSTAMP:20260101T000000Z", *master]
        # A moved occurrence is a second VEVENT of the same UID.
        server.extra += [vevent(uid, props) for props in overrides]
    yield server
    server.close()


@pytest.fixture
async def server(
    settings: Settings, google: GoogleCalendarEmulator, ms: MicrosoftGraphEmulator
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with serving(
        lambda public_url: create_app(
            google_settings(
                microsoft_settings(settings, ms),
                google,
                public_url=public_url,
                allow_private_urls=True,  # Radicale and the feed are on loopback
            )
        )
    ) as served:
        yield served


async def test_four_providers_block_exactly_what_designs_table_says(
    server: tuple[httpx.AsyncClient, Any],
    ms: MicrosoftGraphEmulator,
    dav: Radicale,
    feed: FeedServer,
) -> None:
    client, app = server
    runner = app.state["calendars"].runner
    headers, call = await host_offering_a_call(client, EMAIL, "ada", "Ada")

    # Google and Microsoft through their consent, in the browser.
    await sign_in(client, EMAIL, PASSWORD)
    done = await connect_in_browser(client)
    assert done.status_code == 303, done.text
    start = await client.get("/calendars/microsoft/connect")
    assert start.status_code == 302, start.text
    answer = await asyncio.to_thread(ms.browser_sign_in, start.headers["location"])
    back = urlsplit(app.state["calendars"].microsoft_redirect_uri)
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in answer.items())
    done = await client.get(f"{back.path}?{query}")
    assert done.status_code == 303, done.text
    # CalDAV and ICS through the API.
    for body in (
        {"provider": "caldav", "url": dav.url, "username": DAV_USER, "password": DAV_PASSWORD},
        {"provider": "ics", "url": feed.url, "name": "Feed"},
    ):
        added = await client.post("/api/v1/calendar-accounts", json=body, headers=headers)
        assert added.status_code == 201, added.text

    accounts = {
        a["id"]: a["provider"]
        for a in (await client.get("/api/v1/calendar-accounts", headers=headers)).json()
    }
    calendars = (await client.get("/api/v1/calendars", headers=headers)).json()
    by_provider = {accounts[c["account_id"]]: c for c in calendars}
    assert len(calendars) == 4
    assert sorted(by_provider) == sorted(PROVIDERS)
    for calendar in calendars:
        # Each account's one calendar is a conflict calendar without being asked.
        assert calendar["is_conflict"], calendar
        await asyncio.wait_for(runner.wait_synced(calendar["id"], 0), WAIT)

    slots_url = (
        f"/api/v1/public/ada/{call}/slots?start={MONDAY}&end={MONDAY + timedelta(days=10)}&tz=UTC"
    )

    async def offered() -> dict[str, list[str]]:
        reply = await client.get(slots_url)
        assert reply.status_code == 200, reply.text
        for secret in SECRETS.values():
            assert secret not in reply.text
        return {
            day["date"]: [datetime.fromisoformat(s["start"]).isoformat() for s in day["slots"]]
            for day in reply.json()["days"]
        }

    assert await offered() == expected_slots()
    # Nor do the public pages a guest opens, signed out.
    async with httpx.AsyncClient(base_url=client.base_url) as guest:
        for page in ("/ada", f"/ada/{call}"):
            shown = await guest.get(page)
            assert shown.status_code == 200, shown.text
            for secret in SECRETS.values():
                assert secret not in shown.text

    # Tentative stops blocking on Google's calendar only (two slots come back).
    assert expected_slots(tentative_off="google") != expected_slots()
    google_calendar = by_provider["google"]["id"]
    changed = await client.patch(
        f"/api/v1/calendars/{google_calendar}", json={"tentative_blocks": False}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert await offered() == expected_slots(tentative_off="google")
