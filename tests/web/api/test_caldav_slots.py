"""End to end: one host, a CalDAV conflict calendar on a real Radicale holding every
kind of event DESIGN.md's busy table names; the public slots lose exactly the
hours the table says are busy, and keep the ones it says are free."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from tests.conftest import SignedIn
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Radicale
from web.app import create_app
from web.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
#: A Monday at least a week ahead: every slot of the week is in the future.
MONDAY = datetime.now(UTC).date() + timedelta(days=7 + (7 - datetime.now(UTC).weekday()) % 7)
TUE, WED, THU, FRI = (MONDAY + timedelta(days=n) for n in range(1, 5))


def at(day: date, hour: int, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def z(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def calendar(*events: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Phone//EN"]
    for props in events:
        lines += ["BEGIN:VEVENT", "DTSTAMP:20260101T000000Z", *props, "END:VEVENT"]
    return "\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n"


def plain(uid: str, start: datetime, end: datetime, *props: str) -> list[str]:
    return [f"UID:{uid}", f"DTSTART:{z(start)}", f"DTEND:{z(end)}", f"SUMMARY:{uid}", *props]


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale") as server:
        for uid, props in {
            "opaque": plain("opaque", at(MONDAY, 9), at(MONDAY, 10), "TRANSP:OPAQUE"),
            "transparent": plain("transparent", at(MONDAY, 10), at(MONDAY, 11),
                                 "TRANSP:TRANSPARENT"),
            "tentative": plain("tentative", at(MONDAY, 11), at(MONDAY, 12), "STATUS:TENTATIVE"),
            "cancelled": plain("cancelled", at(MONDAY, 12), at(MONDAY, 13), "STATUS:CANCELLED"),
            "private": plain("private", at(MONDAY, 13), at(MONDAY, 14), "CLASS:PRIVATE"),
            "outlook-free": plain("outlook-free", at(MONDAY, 14), at(MONDAY, 15),
                                  "X-MICROSOFT-CDO-BUSYSTATUS:FREE"),
        }.items():  # fmt: skip
            server.put(calendar(props), uid=uid)
        server.put(
            calendar(
                [
                    "UID:new-york",
                    f"DTSTART;TZID=America/New_York:{MONDAY:%Y%m%d}T100000",
                    f"DTEND;TZID=America/New_York:{MONDAY:%Y%m%d}T110000",
                    "SUMMARY:In New York",
                ]
            ),
            uid="new-york",
        )
        server.put(
            calendar(
                [
                    "UID:all-day",
                    f"DTSTART;VALUE=DATE:{TUE:%Y%m%d}",
                    f"DTEND;VALUE=DATE:{WED:%Y%m%d}",
                    "SUMMARY:Offsite",
                ]
            ),
            uid="all-day",
        )
        # A daily series in Berlin time: Thursday's instance cancelled (EXDATE), and
        # Friday's moved to 16:00 by an override written before its master.
        server.put(
            calendar(
                [
                    "UID:series",
                    f"RECURRENCE-ID;TZID=Europe/Berlin:{FRI:%Y%m%d}T090000",
                    f"DTSTART;TZID=Europe/Berlin:{FRI:%Y%m%d}T160000",
                    f"DTEND;TZID=Europe/Berlin:{FRI:%Y%m%d}T170000",
                    "SUMMARY:Daily (moved)",
                ],
                [
                    "UID:series",
                    f"DTSTART;TZID=Europe/Berlin:{WED:%Y%m%d}T090000",
                    f"DTEND;TZID=Europe/Berlin:{WED:%Y%m%d}T100000",
                    "RRULE:FREQ=DAILY;COUNT=3",
                    f"EXDATE;TZID=Europe/Berlin:{THU:%Y%m%d}T090000",
                    "SUMMARY:Daily",
                ],
            ),
            uid="series",
        )
        yield server


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(replace(settings, allow_private_urls=True))


#: What DESIGN.md's table makes of each event (the tentative switch is on by default).
BUSY = [
    (at(MONDAY, 9), at(MONDAY, 10)),  # opaque
    (at(MONDAY, 11), at(MONDAY, 12)),  # tentative
    (at(MONDAY, 13), at(MONDAY, 14)),  # private: blocks, says nothing
    (at(MONDAY, 10, NEW_YORK), at(MONDAY, 11, NEW_YORK)),  # a foreign zone
    (at(TUE, 0), at(WED, 0)),  # all day in the host's zone
    (at(WED, 9), at(WED, 10)),  # the series; Thursday's instance excluded
    (at(FRI, 16), at(FRI, 17)),  # the moved instance
]
FREE = [
    at(MONDAY, 10),  # transparent
    at(MONDAY, 12),  # cancelled
    at(MONDAY, 14),  # X-MICROSOFT-CDO-BUSYSTATUS:FREE
    at(THU, 9),  # the excluded instance
    at(FRI, 9),  # where the moved instance was
]


async def slots(client: httpx.AsyncClient) -> list[datetime]:
    answer = await client.get(
        "/api/v1/public/ada/hour/slots",
        params={"start": MONDAY.isoformat(), "end": FRI.isoformat(), "tz": "Europe/Berlin"},
    )
    assert answer.status_code == 200, answer.text
    return [
        datetime.fromisoformat(s["start"]).astimezone(UTC)
        for day in answer.json()["days"]
        for s in day["slots"]
    ]


async def test_a_caldav_calendar_takes_exactly_the_busy_hours_off_the_public_slots(
    client: httpx.AsyncClient, ada: SignedIn, dav: Radicale
) -> None:
    await event_types.create(
        ada.host.id, EventTypeCreate(title="An hour", slug="hour", duration_minutes=60)
    )
    before = await slots(client)
    assert set(FREE) <= set(before), "working hours offer every hour the test looks at"

    added = await client.post(
        "/api/v1/calendar-accounts",
        json={"provider": "caldav", "url": dav.url, "username": USER, "password": PASSWORD},
        headers=ada.headers,
    )
    assert added.status_code == 201, added.text
    [calendar] = (await client.get("/api/v1/calendars", headers=ada.headers)).json()
    app: Any = client._transport.app  # type: ignore[attr-defined]
    await asyncio.wait_for(app.state["calendars"].runner.wait_synced(calendar["id"], 0), 10)

    def blocked(start: datetime) -> bool:
        end = start + timedelta(hours=1)
        return any(start < busy_end and end > busy_start for busy_start, busy_end in BUSY)

    after = await slots(client)
    assert after == [s for s in before if not blocked(s)]
    assert set(FREE) <= set(after)
    tuesday = [s for s in before if at(TUE, 0) <= s < at(WED, 0)]
    assert tuesday, "Tuesday had slots"
    assert not set(tuesday) & set(after), "the all-day event took the whole day"
