"""The conflict source: busy blocks of the calendars an event type checks."""

from __future__ import annotations

import pytest

from booking.errors import InvalidInput
from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts.schemas import Host
from integrations.calendars import repository, service
from integrations.calendars.conflicts import ConflictBlocks
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.schemas import CalendarUpdate, EventTypeCalendarsUpdate
from integrations.calendars.sync import CalendarSync
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import at, connect

PRIMARY = "ada@example.com"
TEAM = "team@group.calendar.google.com"


async def test_busy_blocks_follow_the_switches_and_the_event_type_choice(
    env: CalendarEnvironment, sync: CalendarSync, google: GoogleCalendarEmulator, host: Host
) -> None:
    google.add_calendar(TEAM, "Team")
    google.add_event(PRIMARY, summary="1:1", start=at(2, 9), end=at(2, 10))
    google.add_event(
        PRIMARY, summary="Secret", start=at(2, 11), end=at(2, 12), visibility="private"
    )
    google.add_event(PRIMARY, summary="Maybe", start=at(2, 13), end=at(2, 14), status="tentative")
    google.add_event(
        PRIMARY, summary="Free", start=at(2, 15), end=at(2, 16), transparency="transparent"
    )
    google.add_event(TEAM, summary="Standup", start=at(2, 8), end=at(2, 9))
    account_id = await connect(env, host.id)
    calendars = {c.remote_id: c.id for c in await repository.calendars_of_account(account_id)}
    event_type = await event_types.create(
        host.id, EventTypeCreate(title="Call", duration_minutes=30)
    )
    await service.update_calendar(
        env, sync, host.id, calendars[TEAM], CalendarUpdate(is_conflict=True),
        on_conflict_added=lambda _: None,
    )  # fmt: skip
    await sync.sync_account(account_id)
    # One instance throughout, as an app holds it: every read below goes through its cache.
    busy_blocks = ConflictBlocks()

    def seen(blocks: object) -> list[tuple[int, str, str | None, bool]]:
        return sorted((b.start.hour, b.source, b.title, b.tentative) for b in blocks)  # type: ignore[attr-defined]

    found = await busy_blocks(host.id, event_type.id, at(2, 0), at(3, 0))
    assert seen(found) == [
        (8, "google:Team", "Standup", False),
        (9, f"google:{PRIMARY}", "1:1", False),
        (11, f"google:{PRIMARY}", None, False),
        (13, f"google:{PRIMARY}", "Maybe", True),
    ]
    assert await busy_blocks(host.id, event_type.id, at(2, 10), at(2, 11)) == []

    # What a sync changes is seen at once, both ways, though the blocks were cached.
    late = google.add_event(PRIMARY, summary="Late", start=at(2, 17), end=at(2, 18))
    await sync.sync_account(account_id)
    found = await busy_blocks(host.id, event_type.id, at(2, 0), at(3, 0))
    assert [hour for hour, *_ in seen(found)] == [8, 9, 11, 13, 17]
    google.delete_event(PRIMARY, late["id"])
    await sync.sync_account(account_id)
    found = await busy_blocks(host.id, event_type.id, at(2, 0), at(3, 0))
    assert [hour for hour, *_ in seen(found)] == [8, 9, 11, 13]

    # The tentative switch applies at once, with no call to Google.
    calls = len(google.requests)
    await service.update_calendar(
        env, sync, host.id, calendars[PRIMARY], CalendarUpdate(tentative_blocks=False),
        on_conflict_added=lambda _: None,
    )  # fmt: skip
    found = await busy_blocks(host.id, event_type.id, at(2, 0), at(3, 0))
    assert [b.start.hour for b in sorted(found, key=lambda b: b.start)] == [8, 9, 11]
    assert len(google.requests) == calls

    # This event type checks only the team calendar.
    choice = await service.set_event_type_calendars(
        host.id, event_type.id, EventTypeCalendarsUpdate(calendar_ids=[calendars[TEAM]])
    )
    assert (choice.uses_default, choice.calendar_ids) == (False, [calendars[TEAM]])
    found = await busy_blocks(host.id, event_type.id, at(2, 0), at(3, 0))
    assert [b.source for b in found] == ["google:Team"]

    # A calendar that stops being a conflict calendar loses its blocks.
    await service.update_calendar(
        env, sync, host.id, calendars[TEAM], CalendarUpdate(is_conflict=False),
        on_conflict_added=lambda _: None,
    )  # fmt: skip
    assert await repository.blocks_of(calendars[TEAM]) == []
    assert await busy_blocks(host.id, event_type.id, at(2, 0), at(3, 0)) == []
    with pytest.raises(InvalidInput):
        await service.set_event_type_calendars(
            host.id, event_type.id, EventTypeCalendarsUpdate(calendar_ids=[calendars[TEAM]])
        )
    back = await service.set_event_type_calendars(
        host.id, event_type.id, EventTypeCalendarsUpdate(calendar_ids=None)
    )
    assert (back.uses_default, back.calendar_ids) == (True, [calendars[PRIMARY]])
