"""The engine over the real Google and Microsoft adapters and their emulators: a
two-way round trip in each direction, and a quiet run that costs one call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from tests.emulators.google import GoogleCalendarEmulator
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.hosts import free_around_the_clock
from tests.integrations.calendars.helpers import environment
from tests.integrations.providers.microsoft.helpers import microsoft_environment
from tests.integrations.sync.emulated import link_google, link_microsoft

pytestmark = pytest.mark.usefixtures("db")

EMAIL = "ada@example.com"
DAY = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email=EMAIL) as emulator:
        yield emulator


@pytest.fixture
def ms() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator(user_email=EMAIL) as emulator:
        yield emulator


async def test_google_round_trip(google: GoogleCalendarEmulator) -> None:
    host = await free_around_the_clock("ada")
    linked = await link_google(
        environment(google), google, host.id, earliest=DAY - timedelta(days=1)
    )
    google.add_event(EMAIL, summary="From Google", start=DAY, end=DAY + timedelta(hours=1))
    await activities.create(
        host.id,
        ActivityCreate(
            title="From the CRM", start=DAY + timedelta(hours=2), end=DAY + timedelta(hours=3)
        ),
    )
    run = await linked.run()
    assert run.counts == {"crm": {"create": 1}, "calendar": {"create": 1}}, run
    assert sorted(a.title for a in await activities.list_for(host.id)) == [
        "From Google",
        "From the CRM",
    ]
    assert sorted(e["summary"] for e in google.events(EMAIL)) == ["From Google", "From the CRM"]

    lists = google.count("calendar.events.list")
    quiet = await linked.run()
    assert quiet.counts == {}
    assert google.count("calendar.events.list") == lists + 1


async def test_microsoft_round_trip(ms: MicrosoftGraphEmulator) -> None:
    host = await free_around_the_clock("ada")
    linked = await link_microsoft(
        microsoft_environment(ms), ms, host.id, earliest=DAY - timedelta(days=1)
    )
    ms.add_event(subject="From Outlook", start=DAY, end=DAY + timedelta(hours=1))
    await activities.create(
        host.id,
        ActivityCreate(
            title="From the CRM", start=DAY + timedelta(hours=2), end=DAY + timedelta(hours=3)
        ),
    )
    run = await linked.run()
    assert run.counts == {"crm": {"create": 1}, "calendar": {"create": 1}}, run
    assert sorted(a.title for a in await activities.list_for(host.id)) == [
        "From Outlook",
        "From the CRM",
    ]
    assert ms.messages_sent == 0
    quiet = await linked.run()
    assert quiet.counts == {}


async def test_events_gone_from_the_listing_are_looked_up_one_at_a_time(
    google: GoogleCalendarEmulator,
) -> None:
    """Regression: the engine looked up every linked event missing from an incremental
    listing in parallel threads over one adapter, whose HTTP client (httplib2 under
    googleapiclient) is not thread-safe: the run failed with "Google did not answer in
    time" and the activities of deleted events were never trashed."""
    host = await free_around_the_clock("ada")
    linked = await link_google(
        environment(google), google, host.id, earliest=DAY - timedelta(days=1)
    )
    made = [
        google.add_event(
            EMAIL,
            summary=f"Event {n}",
            start=DAY + timedelta(hours=n),
            end=DAY + timedelta(hours=n, minutes=30),
        )
        for n in range(6)
    ]
    await linked.run()
    for event in made:
        google.delete_event(EMAIL, event["id"])
    run = await linked.run(confirm=True)
    assert run.status == "done", run.errors
    assert run.counts == {"crm": {"delete": 6}}
    assert await activities.list_for(host.id) == []
    assert google.count("calendar.events.get") == 6


async def test_microsoft_recreates_a_pushed_event_the_host_moved_to_another_calendar(
    ms: MicrosoftGraphEmulator,
) -> None:
    """Regression: in one-way, a pushed event moved to another calendar is created
    again; Graph answered the retry's transactionId with the moved event, which is
    not in the linked calendar, so every run POSTed again and failed ("lost right after
    writing it") and the event never came back."""
    host = await free_around_the_clock("ada")
    linked = await link_microsoft(
        microsoft_environment(ms), ms, host.id, mode="one_way", earliest=DAY - timedelta(days=1)
    )
    await activities.create(
        host.id, ActivityCreate(title="Ours", start=DAY, end=DAY + timedelta(hours=1))
    )
    await linked.run()
    (pushed,) = ms.calendar_view(None, DAY - timedelta(days=1), DAY + timedelta(days=1))
    other = ms.add_calendar("Team")["id"]
    ms.move_event(pushed["id"], other)

    run = await linked.run()
    assert run.errors == []
    assert run.counts == {"calendar": {"create": 1}}
    (back,) = ms.calendar_view(None, DAY - timedelta(days=1), DAY + timedelta(days=1))
    assert back["subject"] == "Ours"
    creates = ms.count("events.create")
    quiet = await linked.run()
    assert quiet.counts == {}
    assert ms.count("events.create") == creates


async def test_microsoft_deleting_an_imported_meeting_mails_no_guest(
    ms: MicrosoftGraphEmulator,
) -> None:
    host = await free_around_the_clock("ada")
    linked = await link_microsoft(
        microsoft_environment(ms), ms, host.id, earliest=DAY - timedelta(days=1)
    )
    ms.add_event(
        subject="Planning",
        start=DAY,
        end=DAY + timedelta(hours=1),
        attendees=[{"emailAddress": {"address": "guest@example.org"}, "type": "required"}],
    )
    await linked.run()
    (activity,) = await activities.list_for(host.id)
    await activities.delete(host.id, activity.id)
    run = await linked.run()
    # Graph would mail the guest about the deletion: the write is refused, once, and
    # the run says why.
    assert run.counts == {}
    assert [e.code for e in run.errors] == ["provider-write-refused"]
    assert "Outlook would e-mail" in run.errors[0].message
    again = await linked.run()
    assert again.errors == []
    assert ms.messages_sent == 0
