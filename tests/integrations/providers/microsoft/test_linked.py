"""What the Microsoft linked calendar does beyond the shared contract suite
(tests/integrations/sync/linked/): how it keeps Graph from mailing anyone, what a
retried create finds, which 403 is a refusal for good, and what a listing costs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from integrations.accounts.errors import InsufficientScope, WriteRefused
from integrations.calendars.provider import SyncWindow
from integrations.providers.microsoft.client import MicrosoftCalendarProvider
from integrations.providers.microsoft.linked import MicrosoftLinkedCalendar
from integrations.providers.microsoft.oauth import READ_SCOPES
from integrations.sync.ids import remote_id_for
from integrations.sync.items import CalendarItem, EventFields, Guest, OurTag
from tests.integrations.providers.microsoft.helpers import consent_tokens, microsoft_app
from tests.integrations.sync.linked.harness_microsoft import MicrosoftHarness, linked_harness

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
WINDOW = SyncWindow(NOW - timedelta(days=30), NOW + timedelta(days=365))
TAG = OurTag(owner_id=7, activity_id=41)


def meeting(title: str = "Call with Ada", **extra: object) -> EventFields:
    start = NOW + timedelta(days=2)
    values: dict[str, object] = {
        "title": title,
        "start": start,
        "end": start + timedelta(minutes=30),
        "description": "Agenda",
        **extra,
    }
    return EventFields(**values)  # type: ignore[arg-type]


@pytest.fixture
def h(tmp_path: Path) -> Iterator[MicrosoftHarness]:
    with linked_harness(tmp_path) as made:
        yield made


def test_guests_we_write_are_kept_off_the_event_so_nobody_is_invited(h: MicrosoftHarness) -> None:
    guests = (Guest(email="ada@example.com"), Guest(email="bob@example.com"))
    created = h.calendar.create(remote_id_for(41), meeting(guests=guests), TAG)

    raw = h.ms.event(created.remote_id)
    assert raw["attendees"] == []
    assert created.fields.guests == guests
    assert h.ms.messages_sent == 0

    changed = (Guest(email="ada@example.com"),)
    written = h.calendar.update(
        created, msgspec.structs.replace(created.fields, guests=changed), ("guests",), None
    )
    assert written.fields.guests == changed
    assert h.ms.messages_sent == 0


def test_a_listing_reads_our_guests_as_get_does(h: MicrosoftHarness) -> None:
    state = h.calendar.changes(None, WINDOW).state
    guests = (Guest(email="ada@example.com"),)
    created = h.calendar.create(remote_id_for(41), meeting(guests=guests), TAG)

    full = {i.remote_id: i for i in h.calendar.changes(None, WINDOW).changed}
    echo = {i.remote_id: i for i in h.calendar.changes(state, WINDOW).changed}

    for listed in (full[created.remote_id], echo[created.remote_id]):
        assert listed.tag == TAG
        assert listed.fields == created.fields


def test_attendees_the_user_invites_in_outlook_come_back_as_guests(h: MicrosoftHarness) -> None:
    created = h.calendar.create(remote_id_for(41), meeting(), TAG)
    h.ms.edit_event(
        created.remote_id,
        attendees=[
            {"emailAddress": {"address": "cy@example.com"}, "status": {"response": "accepted"}}
        ],
    )
    fetched = h.calendar.get(created.remote_id)
    assert fetched is not None
    assert fetched.fields.guests == (Guest(email="cy@example.com", response="accepted"),)


def test_a_meeting_the_host_organises_with_attendees_is_not_written(
    h: MicrosoftHarness,
) -> None:
    """Graph mails a meeting's attendees about any change or deletion by its organiser
    (there is no "send no updates"), so such writes are refused for good, unsent."""
    remote_id = h.user_creates(meeting(guests=(Guest(email="ada@example.com"),)))
    current = h.calendar.get(remote_id)
    assert current is not None
    assert current.notifies_guests
    with pytest.raises(WriteRefused, match="Outlook would e-mail"):
        h.calendar.update(
            current, msgspec.structs.replace(current.fields, title="Moved"), ("title",), None
        )
    with pytest.raises(WriteRefused):
        h.calendar.delete(current)
    assert h.ms.messages_sent == 0
    assert h.calendar.get(remote_id) is not None


def test_a_retried_create_overwrites_what_the_user_changed_meanwhile(h: MicrosoftHarness) -> None:
    first = h.calendar.create(remote_id_for(41), meeting(), TAG)
    h.user_edits(first.remote_id, title="Renamed in Outlook")

    again = h.calendar.create(remote_id_for(41), meeting(), TAG)

    assert again.remote_id == first.remote_id
    assert again.fields.title == "Call with Ada"
    assert h.raw_description(first.remote_id).endswith("https://rdv.example/activities/41")


def test_an_update_is_one_request_and_answers_what_graph_holds(h: MicrosoftHarness) -> None:
    """No read-back GET after a PATCH: its answer plus the properties we wrote (or
    kept, the etag held them) are the event as a GET then reads it."""
    guests = (Guest(email="ada@example.com"),)
    created = h.calendar.create(remote_id_for(41), meeting(guests=guests), TAG)

    def updated(current: CalendarItem, names: tuple[str, ...], tag: OurTag | None) -> CalendarItem:
        before = len(h.ms.requests)
        fields = msgspec.structs.replace(current.fields, title=f"{current.fields.title}!")
        item = h.calendar.update(current, fields, names, tag)
        assert [r.operation for r in h.ms.requests[before:]] == ["events.update"]
        assert item == h.calendar.get(item.remote_id)
        return item

    edited = updated(created, ("title",), None)
    assert (edited.tag, edited.fields.guests) == (TAG, guests)
    retagged = updated(edited, ("title",), OurTag(owner_id=7, activity_id=99))
    assert (retagged.tag, retagged.fields.guests) == (OurTag(owner_id=7, activity_id=99), guests)
    guests_only = updated(retagged, ("guests",), None)
    assert guests_only.fields.title == retagged.fields.title


def test_retagging_rewrites_the_link_back(h: MicrosoftHarness) -> None:
    created = h.calendar.create(remote_id_for(41), meeting(), TAG)
    h.calendar.update(created, created.fields, (), OurTag(owner_id=7, activity_id=99))
    assert h.raw_description(created.remote_id).endswith("/activities/99")


def test_a_grant_without_write_access_is_a_scope_problem_not_a_refusal(
    h: MicrosoftHarness,
) -> None:
    app = microsoft_app(h.ms)
    reader = MicrosoftCalendarProvider(app, consent_tokens(h.ms, app, READ_SCOPES))
    calendar = MicrosoftLinkedCalendar(reader, h.calendar_id, link_for=str)
    with pytest.raises(InsufficientScope) as refused:
        calendar.create(remote_id_for(41), meeting(), TAG)
    assert type(refused.value) is InsufficientScope


def test_a_listing_costs_its_delta_pages_and_one_tag_request(h: MicrosoftHarness) -> None:
    for n in range(5):
        h.calendar.create(remote_id_for(n), meeting(f"Ours {n}"), OurTag(owner_id=7, activity_id=n))
        h.user_creates(meeting(f"Theirs {n}"))
    before = len(h.ms.requests)

    listing = h.calendar.changes(None, WINDOW)

    operations = [r.operation for r in h.ms.requests[before:]]
    assert operations.count("events.list") == 1
    assert set(operations) == {"calendarView.delta", "events.list"}
    tags = {i.fields.title: i.tag for i in listing.changed}
    assert tags["Ours 3"] == OurTag(owner_id=7, activity_id=3)
    assert tags["Theirs 3"] is None


@pytest.mark.parametrize("by_prefer", [True, False])
def test_the_tag_request_is_one_page_whether_graph_pages_events_by_prefer_or_not(
    h: MicrosoftHarness, by_prefer: bool
) -> None:
    # More tagged events than the 10 a page /events answers by default.
    h.ms.events_ignore_maxpagesize = not by_prefer
    for n in range(12):
        h.calendar.create(remote_id_for(n), meeting(f"Ours {n}"), OurTag(owner_id=7, activity_id=n))
    before = len(h.ms.requests)

    listing = h.calendar.changes(None, WINDOW)

    assert [r.operation for r in h.ms.requests[before:]].count("events.list") == 1
    assert sorted(i.tag.activity_id for i in listing.changed if i.tag) == list(range(12))


def test_occurrences_of_a_series_we_tagged_carry_the_tag(h: MicrosoftHarness) -> None:
    series = h.user_creates(meeting("Stand-up"), daily_count=2)
    h.ms.edit_event(
        series,
        singleValueExtendedProperties=[
            {"id": "String {6d1c8a5e-3f0b-4b8e-9c27-5a1e7d4f2b90} Name rdvTag", "value": "7:41"}
        ],
    )
    listing = h.calendar.changes(None, WINDOW)
    assert [i.tag for i in listing.changed if i.series_id == series] == [TAG, TAG]


def test_a_cancelled_meeting_is_removed(h: MicrosoftHarness) -> None:
    remote_id = h.user_creates(
        meeting("Board", guests=(Guest(email=h.host_email, response="accepted"),)),
        organiser="boss@example.org",
    )
    state = h.calendar.changes(None, WINDOW).state
    h.ms.cancel_event(remote_id)

    listing = h.calendar.changes(state, WINDOW)

    assert listing.removed == (remote_id,)
    assert h.calendar.get(remote_id) is None


def test_a_create_with_a_fresh_id_is_one_request(h: MicrosoftHarness) -> None:
    """An id never sent before: no event holds it, so the POST answer is the event it
    made, and with the properties it wrote it is the item (no read-back GET)."""
    guests = (Guest(email="ada@example.com"),)
    before = len(h.ms.requests)
    created = h.calendar.create(remote_id_for(41), meeting(guests=guests), TAG, fresh=True)

    assert [r.operation for r in h.ms.requests[before:]] == ["events.create"]
    assert (created.tag, created.fields.guests) == (TAG, guests)
    assert created == h.calendar.get(created.remote_id)


def test_a_create_with_a_spent_id_reads_back_and_writes_what_it_meant(h: MicrosoftHarness) -> None:
    """Not fresh: the POST may answer an older event that holds the id (our crashed
    try, changed since in Outlook): it is read back and overwritten."""
    first = h.calendar.create(remote_id_for(41), meeting(), TAG, fresh=True)
    h.user_edits(first.remote_id, title="Renamed in Outlook")

    before = len(h.ms.requests)
    again = h.calendar.create(remote_id_for(41), meeting(), TAG)

    operations = [r.operation for r in h.ms.requests[before:]]
    assert operations[:2] == ["events.create", "events.get"]
    assert again.remote_id == first.remote_id
    assert again.fields.title == "Call with Ada"
    assert again == h.calendar.get(again.remote_id)


def test_a_create_whose_id_a_moved_event_holds_makes_the_event_here(h: MicrosoftHarness) -> None:
    """The host moved our event to another calendar; it keeps the transactionId, and
    Graph answers a POST of that id with it. A spent id is read back in this calendar,
    found missing, and the next id makes the event here; the moved one is left alone."""
    first = h.calendar.create(remote_id_for(41), meeting(), TAG, fresh=True)
    h.user_moves_out(first.remote_id)
    moved = h.ms.calendar_view(h.other_calendar_id, NOW, NOW + timedelta(days=9))

    again = h.calendar.create(remote_id_for(41), meeting("Back here"), TAG)

    assert again == h.calendar.get(again.remote_id)
    assert again.fields.title == "Back here"
    assert again.remote_id not in {e["id"] for e in moved}
    still = h.ms.calendar_view(h.other_calendar_id, NOW, NOW + timedelta(days=9))
    assert [e["subject"] for e in still] == ["Call with Ada"]
