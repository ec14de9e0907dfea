"""One host, one ICS feed holding every kind of event DESIGN.md's table names: the
busy blocks the slots read are exactly what the table says, in the right zones,
and the events that cannot be read are said on the calendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from integrations.calendars import repository, service
from integrations.calendars.conflicts import ConflictBlocks
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.schemas import CalendarUpdate
from integrations.calendars.sync import CalendarSync
from integrations.vault import TokenVault, generate_key
from tests.integrations.providers.ics.feedserver import FeedServer

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DAY = datetime.now(UTC).date() + timedelta(days=3)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def local(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def span(start: datetime, end: datetime) -> list[str]:
    return [f"DTSTART:{stamp(start)}", f"DTEND:{stamp(end)}"]


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    d1, d2, d3 = (DAY + timedelta(days=n) for n in (1, 2, 3))
    events: dict[str, list[str]] = {
        "opaque": [*span(utc(DAY, 8), utc(DAY, 9)), "SUMMARY:Opaque", "TRANSP:OPAQUE"],
        "transparent": [*span(utc(DAY, 9), utc(DAY, 10)), "SUMMARY:Free", "TRANSP:TRANSPARENT"],
        "tentative": [*span(utc(DAY, 10), utc(DAY, 11)), "SUMMARY:Maybe", "STATUS:TENTATIVE"],
        "cancelled": [*span(utc(DAY, 11), utc(DAY, 12)), "SUMMARY:Off", "STATUS:CANCELLED"],
        "private": [*span(utc(DAY, 12), utc(DAY, 13)), "SUMMARY:Doctor", "CLASS:PRIVATE"],
        "outlook-free": [
            *span(utc(DAY, 13), utc(DAY, 14)),
            "SUMMARY:Outlook free",
            "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
        ],
        "new-york": [
            f"DTSTART;TZID=America/New_York:{DAY:%Y%m%d}T090000",
            f"DTEND;TZID=America/New_York:{DAY:%Y%m%d}T100000",
            "SUMMARY:New York",
        ],
        "windows-zone": [
            f"DTSTART;TZID=W. Europe Standard Time:{d1:%Y%m%d}T150000",
            f"DTEND;TZID=W. Europe Standard Time:{d1:%Y%m%d}T160000",
            "SUMMARY:Outlook zone",
        ],
        "unknown-zone": [
            f"DTSTART;TZID=Mars/Base:{d1:%Y%m%d}T100000",
            f"DTEND;TZID=Mars/Base:{d1:%Y%m%d}T110000",
            "SUMMARY:Mars",
        ],
        "backwards": [*span(utc(d1, 20), utc(d1, 19)), "SUMMARY:Backwards"],
        "all-day": [
            f"DTSTART;VALUE=DATE:{d2:%Y%m%d}",
            f"DTEND;VALUE=DATE:{(d2 + timedelta(days=1)):%Y%m%d}",
            "SUMMARY:Offsite",
        ],
        "series": [
            *span(utc(d3, 7), utc(d3, 7, 30)),
            "SUMMARY:Daily",
            "RRULE:FREQ=DAILY;COUNT=4",
            f"EXDATE:{stamp(utc(d3 + timedelta(days=1), 7))}",
        ],
    }
    for uid, props in events.items():
        server.events[uid] = ["DTSTAMP:20260101T000000Z", *props]
    # The moved instance, written as a second VEVENT of the same UID.
    server.extra.append(
        "\r\n".join(
            [
                "BEGIN:VEVENT",
                "UID:series",
                "DTSTAMP:20260101T000000Z",
                f"RECURRENCE-ID:{stamp(utc(d3 + timedelta(days=2), 7))}",
                *span(utc(d3 + timedelta(days=2), 18), utc(d3 + timedelta(days=2), 18, 30)),
                "SUMMARY:Daily (moved)",
                "END:VEVENT",
                "BEGIN:VFREEBUSY",
                "UID:fb",
                "DTSTAMP:20260101T000000Z",
                f"FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:{stamp(utc(d1, 6))}/{stamp(utc(d1, 7))}",
                f"FREEBUSY;FBTYPE=FREE:{stamp(utc(d1, 5))}/{stamp(utc(d1, 6))}",
                "END:VFREEBUSY",
            ]
        )
        + "\r\n"
    )
    yield server
    server.close()


@pytest.fixture
async def host(db: None) -> Host:
    return await hosts.create(
        HostCreate(email="ada@example.com", slug="ada", time_zone="Europe/Berlin", name="Ada")
    )


async def test_the_slots_read_exactly_what_designs_table_says(host: Host, feed: FeedServer) -> None:
    env = CalendarEnvironment(
        vault=TokenVault(generate_key()),
        public_url="http://127.0.0.1:8000",
        mail_from="x@example.com",
        allow_private_urls=True,
    )
    account_id = await service.connect_ics(env, host.id, feed.url, "Feed")
    [calendar] = await repository.calendars_of_account(account_id)
    sync = CalendarSync(env)
    assert (await sync.sync_calendar(calendar.id)).ok
    event_type = await event_types.create(
        host.id, EventTypeCreate(title="Call", duration_minutes=30)
    )
    conflicts = ConflictBlocks()
    d1, d2, d3 = (DAY + timedelta(days=n) for n in (1, 2, 3))

    async def seen() -> list[tuple[datetime, datetime, str | None, bool]]:
        blocks = await conflicts(
            host.id, event_type.id, utc(DAY, 0), utc(DAY + timedelta(days=8), 0)
        )
        return sorted((b.start, b.end, b.title, b.tentative) for b in blocks)

    expected = [
        (utc(DAY, 8), utc(DAY, 9), "Opaque", False),
        (utc(DAY, 10), utc(DAY, 11), "Maybe", True),
        (utc(DAY, 12), utc(DAY, 13), None, False),  # private: blocks, says nothing
        (local(DAY, 9, NEW_YORK), local(DAY, 10, NEW_YORK), "New York", False),
        (utc(d1, 6), utc(d1, 7), None, False),  # VFREEBUSY BUSY-UNAVAILABLE
        (local(d1, 10, BERLIN), local(d1, 11, BERLIN), "Mars", False),  # the host's zone
        (local(d1, 15, BERLIN), local(d1, 16, BERLIN), "Outlook zone", False),
        (local(d2, 0, BERLIN), local(d2 + timedelta(days=1), 0, BERLIN), "Offsite", False),
        (utc(d3, 7), utc(d3, 7, 30), "Daily", False),
        (
            utc(d3 + timedelta(days=2), 18),
            utc(d3 + timedelta(days=2), 18, 30),
            "Daily (moved)",
            False,
        ),
        (utc(d3 + timedelta(days=3), 7), utc(d3 + timedelta(days=3), 7, 30), "Daily", False),
    ]
    assert await seen() == sorted(expected)
    stored = await repository.calendar(calendar.id)
    assert stored is not None
    assert stored.last_error.startswith("Synced, but 1 event(s) could not be read")
    assert "backwards" in stored.last_error

    await service.update_calendar(
        env, sync, host.id, calendar.id, CalendarUpdate(tentative_blocks=False),
        on_conflict_added=lambda _: None,
    )  # fmt: skip
    assert await seen() == sorted(e for e in expected if not e[3])

    # An idle round (304) keeps the note; the feed fixed clears it.
    assert (await sync.sync_calendar(calendar.id)).ok
    stored = await repository.calendar(calendar.id)
    assert stored is not None
    assert "backwards" in stored.last_error
    del feed.events["backwards"]
    assert (await sync.sync_calendar(calendar.id)).ok
    stored = await repository.calendar(calendar.id)
    assert stored is not None
    assert stored.last_error == ""
