"""What the CalDAV linked calendar does beyond the shared contract
(tests/integrations/sync/linked/test_contract.py): a series is one resource, so its
changes and deletions are reported per occurrence, exactly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from integrations.calendars.provider import SyncWindow
from integrations.sync.ids import remote_id_for
from integrations.sync.items import EventFields, Guest, OurTag
from tests.integrations.sync.linked.harness_caldav import (
    LINKED,
    CalDavLinkedHarness,
    linked_harness,
)

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
WINDOW = SyncWindow(NOW - timedelta(days=30), NOW + timedelta(days=365))
TAG = OurTag(owner_id=7, activity_id=41)


def meeting(title: str = "Stand-up", *, day: int = 2) -> EventFields:
    start = NOW + timedelta(days=day, hours=1)
    return EventFields(title=title, start=start, end=start + timedelta(minutes=15))


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[CalDavLinkedHarness]:
    with linked_harness(tmp_path) as made:
        yield made


def ids_of_series(h: CalDavLinkedHarness, series: str) -> set[str]:
    listing = h.calendar.changes(None, WINDOW)
    return {i.remote_id for i in listing.changed if i.series_id == series}


def test_a_deleted_series_reports_every_occurrence_removed(harness: CalDavLinkedHarness) -> None:
    series = harness.user_creates(meeting(), daily_count=3)
    occurrences = ids_of_series(harness, series)
    state = harness.calendar.changes(None, WINDOW).state
    assert len(occurrences) == 3

    harness.user_deletes(series)
    listing = harness.calendar.changes(state, WINDOW)
    assert set(listing.removed) == occurrences
    assert listing.changed == ()


def test_a_series_shortened_elsewhere_reports_the_dropped_occurrences(
    harness: CalDavLinkedHarness,
) -> None:
    series = harness.user_creates(meeting(), daily_count=3)
    before = ids_of_series(harness, series)
    state = harness.calendar.changes(None, WINDOW).state

    text = harness.dav.get(harness.resource_name(series), calendar=LINKED)
    harness.dav.put(
        text.replace("COUNT=3", "COUNT=1"), uid=harness.resource_name(series), calendar=LINKED
    )
    listing = harness.calendar.changes(state, WINDOW)
    kept = {i.remote_id for i in listing.changed}
    assert len(kept) == 1
    assert set(listing.removed) == before - kept
    # It carries its resource's new etag.
    fetched = harness.calendar.get(next(iter(kept)))
    assert fetched is not None
    assert [i.etag for i in listing.changed] == [fetched.etag]


def test_an_event_moved_out_of_the_window_is_reported_where_it_now_is(
    harness: CalDavLinkedHarness,
) -> None:
    remote_id = harness.user_creates(meeting("Dentist"))
    state = harness.calendar.changes(None, WINDOW).state
    far = WINDOW.end + timedelta(days=40)
    harness.user_edits(remote_id, start=far, end=far + timedelta(hours=1))

    listing = harness.calendar.changes(state, WINDOW)
    assert listing.removed == ()
    assert [(i.remote_id, i.fields.start) for i in listing.changed] == [(remote_id, far)]


def test_an_event_we_made_after_a_listing_and_the_user_deleted_is_reported_removed(
    harness: CalDavLinkedHarness,
) -> None:
    """The listing's state is taken before the run writes: an event we create then
    is not in it. Deleted in the phone before the next listing, it is still reported
    (the sync machine found activities kept for events long gone)."""
    state = harness.calendar.changes(None, WINDOW).state
    made = harness.calendar.create(remote_id_for(41), meeting("Ours"), TAG)

    harness.user_deletes(made.remote_id)
    listing = harness.calendar.changes(state, WINDOW)

    assert listing.removed == (made.remote_id,)
    assert listing.changed == ()


def test_occurrences_of_one_series_share_the_resources_etag(
    harness: CalDavLinkedHarness,
) -> None:
    series = harness.user_creates(meeting(), daily_count=3)
    listing = harness.calendar.changes(None, WINDOW)
    etags = {i.etag for i in listing.changed if i.series_id == series}
    assert len(etags) == 1
    first = min((i for i in listing.changed if i.series_id == series), key=lambda i: i.remote_id)
    fetched = harness.calendar.get(first.remote_id)
    assert fetched is not None
    assert fetched.etag == first.etag


def test_deleting_every_occurrence_one_by_one_leaves_no_occurrence(
    harness: CalDavLinkedHarness,
) -> None:
    series = harness.user_creates(meeting(), daily_count=2)
    for remote_id in sorted(ids_of_series(harness, series)):
        current = harness.calendar.get(remote_id)
        assert current is not None
        harness.calendar.delete(current)
        assert harness.calendar.get(remote_id) is None
    assert ids_of_series(harness, series) == set()


def test_an_unchanged_resource_is_not_listed_again(harness: CalDavLinkedHarness) -> None:
    harness.user_creates(meeting("Dentist"))
    state = harness.calendar.changes(None, WINDOW).state
    idle = harness.calendar.changes(state, WINDOW)
    assert (idle.changed, idle.removed, idle.full) == ((), (), False)


def test_a_create_where_an_app_saved_our_uid_under_its_own_name_overwrites_that(
    harness: CalDavLinkedHarness,
) -> None:
    created = harness.calendar.create(remote_id_for(41), meeting("Ours"), TAG)
    # The user's app re-saved our event under a name of its own choosing.
    text = harness.dav.get(created.remote_id, calendar=LINKED)
    harness.dav.delete(created.remote_id, calendar=LINKED)
    harness.dav.put(text, uid="phone-renamed", calendar=LINKED)

    again = harness.calendar.create(remote_id_for(41), meeting("Ours, again"), TAG)
    assert again.remote_id == created.remote_id
    items = [i for i in harness.calendar.changes(None, WINDOW).changed if i.tag == TAG]
    assert [(i.remote_id, i.fields.title) for i in items] == [(created.remote_id, "Ours, again")]


def test_the_harness_counts_attendees_a_server_would_invite(
    harness: CalDavLinkedHarness,
) -> None:
    # The counter is honest: an attendee written without SCHEDULE-AGENT=CLIENT by
    # the adapter's channel counts.
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:u\r\n"
        b"DTSTAMP:20260101T000000Z\r\nDTSTART:20300101T090000Z\r\n"
        b"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:a@example.com\r\n"
        b"ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:b@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    harness.dav.next_fault("PUT", body)
    assert harness.notifications_sent() == 1


def test_guests_written_and_updated_are_never_invited_by_the_server(
    harness: CalDavLinkedHarness,
) -> None:
    fields = msgspec.structs.replace(meeting(), guests=(Guest(email="ada@example.com"),))
    created = harness.calendar.create(remote_id_for(41), fields, TAG)
    more = msgspec.structs.replace(
        fields, guests=(*fields.guests, Guest(email="bob@example.com", response="accepted"))
    )
    updated = harness.calendar.update(created, more, ("guests",), None)
    assert [(g.email, g.response) for g in updated.fields.guests] == [
        ("ada@example.com", "needsAction"),
        ("bob@example.com", "accepted"),
    ]
    assert harness.notifications_sent() == 0


def test_our_writes_to_the_users_meeting_invite_nobody(harness: CalDavLinkedHarness) -> None:
    """Attendees the phone wrote carry no SCHEDULE-AGENT: a PUT of ours that leaves
    them so (a title from the CRM, one occurrence cancelled) would have a scheduling
    server mail them (the sync machine caught it)."""
    guests = (Guest(email="ada@example.com"),)
    single = harness.user_creates(msgspec.structs.replace(meeting("Lunch"), guests=guests))
    series = harness.user_creates(
        msgspec.structs.replace(meeting("Stand-up", day=3), guests=guests), daily_count=3
    )
    items = {i.remote_id: i for i in harness.calendar.changes(None, WINDOW).changed}
    occurrence = next(i for i in items.values() if i.series_id == series)

    current = items[single]
    harness.calendar.update(
        current, msgspec.structs.replace(current.fields, title="Lunch, moved"), ("title",), None
    )
    harness.calendar.delete(occurrence)

    assert harness.notifications_sent() == 0
    assert harness.calendar.get(single) is not None
    assert harness.calendar.get(occurrence.remote_id) is None
