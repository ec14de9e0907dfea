"""The contract every linked-calendar adapter keeps (integrations/sync/linked.py).

The same tests run against Google and Microsoft (emulators) and CalDAV (Radicale).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from integrations.accounts.errors import (
    PreconditionFailed,
    RateLimited,
    SyncStateExpired,
    Unavailable,
    WriteRefused,
)
from integrations.calendars.provider import SyncWindow
from integrations.sync.ids import remote_id_for
from integrations.sync.items import CalendarItem, EventFields, Guest, OurTag, field_hashes
from integrations.sync.linked import Listing
from tests.integrations.sync.linked.harness import LinkedHarness

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
WINDOW = SyncWindow(NOW - timedelta(days=30), NOW + timedelta(days=365))
TAG = OurTag(owner_id=7, activity_id=41)
SYNCED = ("title", "start", "end", "all_day", "location", "description", "show_as")


def meeting(title: str = "Call with Ada", *, day: int = 2, **extra: object) -> EventFields:
    start = NOW + timedelta(days=day, hours=1)
    values: dict[str, object] = {
        "title": title,
        "start": start,
        "end": start + timedelta(minutes=30),
        "location": "Room 4",
        "description": "Agenda:\n- budget",
        **extra,
    }
    return EventFields(**values)  # type: ignore[arg-type]


def same(a: EventFields, b: EventFields, names: tuple[str, ...] = SYNCED) -> None:
    """Equal as the planner compares them (instants in any zone are one instant)."""
    left, right = field_hashes(a), field_hashes(b)
    differ = [n for n in names if left[n] != right[n]]
    assert not differ, {n: (getattr(a, n), getattr(b, n)) for n in differ}


def everything(h: LinkedHarness) -> tuple[dict[str, CalendarItem], str | None]:
    listing = h.calendar.changes(None, WINDOW)
    assert listing.full
    return {item.remote_id: item for item in listing.changed}, listing.state


def since(h: LinkedHarness, state: str | None) -> Listing:
    return h.calendar.changes(state, WINDOW)


def test_a_created_event_reads_back_as_written_with_our_tag(harness: LinkedHarness) -> None:
    fields = meeting(guests=(Guest(email="ada@example.com"),))
    created = harness.calendar.create(remote_id_for(41), fields, TAG)

    assert created.tag == TAG
    assert created.host_is_organiser
    same(created.fields, fields)
    assert [g.email for g in created.fields.guests] == ["ada@example.com"]
    fetched = harness.calendar.get(created.remote_id)
    assert fetched is not None
    same(fetched.fields, fields)
    assert fetched.tag == TAG
    # The link back is in the calendar, not in what the engine compares.
    assert "http" in harness.raw_description(created.remote_id)
    assert fetched.fields.description == fields.description
    assert harness.notifications_sent() == 0


def test_a_retried_create_makes_no_second_event(harness: LinkedHarness) -> None:
    fields = meeting()
    first = harness.calendar.create(remote_id_for(41), fields, TAG)
    again = harness.calendar.create(remote_id_for(41), fields, TAG)

    assert again.remote_id == first.remote_id
    items, _ = everything(harness)
    assert [i.remote_id for i in items.values() if i.tag == TAG] == [first.remote_id]


def test_a_create_after_a_deletion_brings_the_event_back(harness: LinkedHarness) -> None:
    first = harness.calendar.create(remote_id_for(41), meeting(), TAG)
    harness.calendar.delete(first)
    assert harness.calendar.get(first.remote_id) is None

    again = harness.calendar.create(remote_id_for(41), meeting("Call, again"), TAG)
    items, _ = everything(harness)
    assert items[again.remote_id].fields.title == "Call, again"
    assert len([i for i in items.values() if i.tag == TAG]) == 1


def test_a_full_listing_holds_the_users_events_and_hides_private_details(
    harness: LinkedHarness,
) -> None:
    mine = harness.user_creates(meeting("Dentist"))
    secret = harness.user_creates(meeting("Lawyer", day=3, private=True))

    items, state = everything(harness)
    assert items[mine].fields.title == "Dentist"
    assert items[mine].tag is None
    hidden = items[secret].fields
    assert hidden.private
    assert (hidden.title, hidden.description, hidden.location, hidden.guests) == (
        "Busy",
        "",
        "",
        (),
    )
    assert hidden.start == meeting(day=3).start
    assert state is not None


def test_changes_since_a_state_report_edits_deletions_and_moves(harness: LinkedHarness) -> None:
    edited = harness.user_creates(meeting("Edited"))
    deleted = harness.user_creates(meeting("Deleted", day=3))
    moved = harness.user_creates(meeting("Moved", day=4))
    _, state = everything(harness)

    harness.user_edits(edited, title="Edited twice", location="Room 5")
    harness.user_deletes(deleted)
    harness.user_moves_out(moved)
    listing = since(harness, state)

    changed = {i.remote_id: i for i in listing.changed}
    assert changed[edited].fields.title == "Edited twice"
    assert changed[edited].fields.location == "Room 5"
    assert {deleted, moved} <= set(listing.removed)
    assert harness.calendar.get(moved) is None
    assert harness.calendar.get(deleted) is None


def test_an_update_writes_only_the_changed_fields(harness: LinkedHarness) -> None:
    remote_id = harness.user_creates(meeting("Planning"))
    items, _ = everything(harness)
    current = items[remote_id]
    # The user changes the location meanwhile; we change only the title.
    wanted = msgspec.structs.replace(current.fields, title="Planning (moved)", location="Ours")
    harness.user_edits(remote_id, location="Theirs")
    fresh = harness.calendar.get(remote_id)
    assert fresh is not None

    written = harness.calendar.update(fresh, wanted, ("title",), None)
    assert written.fields.title == "Planning (moved)"
    assert written.fields.location == "Theirs"
    assert written.etag != fresh.etag
    assert harness.notifications_sent() == 0


def test_an_update_of_a_stale_version_is_refused(harness: LinkedHarness) -> None:
    remote_id = harness.user_creates(meeting("Planning"))
    stale = harness.calendar.get(remote_id)
    assert stale is not None
    harness.user_edits(remote_id, title="Changed by the user")

    with pytest.raises(PreconditionFailed):
        harness.calendar.update(
            stale, msgspec.structs.replace(stale.fields, title="Ours"), ("title",), None
        )


def test_an_update_can_point_the_tag_at_another_activity(harness: LinkedHarness) -> None:
    created = harness.calendar.create(remote_id_for(41), meeting(), TAG)
    retagged = harness.calendar.update(
        created, created.fields, (), OurTag(owner_id=7, activity_id=99)
    )
    assert retagged.tag == OurTag(owner_id=7, activity_id=99)
    fetched = harness.calendar.get(created.remote_id)
    assert fetched is not None
    assert fetched.tag == retagged.tag


def test_our_own_write_comes_back_as_we_stored_it(harness: LinkedHarness) -> None:
    _, state = everything(harness)
    created = harness.calendar.create(remote_id_for(41), meeting(), TAG)
    echo = {i.remote_id: i for i in since(harness, state).changed}[created.remote_id]
    assert echo.tag == TAG
    assert field_hashes(echo.fields) == field_hashes(created.fields)


def test_a_series_is_one_item_per_occurrence_and_an_edit_stays_an_exception(
    harness: LinkedHarness,
) -> None:
    series = harness.user_creates(meeting("Stand-up"), daily_count=3)
    items, _ = everything(harness)
    occurrences = sorted(
        (i for i in items.values() if i.series_id == series), key=lambda i: i.fields.start
    )
    assert [i.fields.start for i in occurrences] == [
        meeting().start + timedelta(days=n) for n in range(3)
    ]
    assert all(i.original_start == i.fields.start for i in occurrences)

    second = occurrences[1]
    later = second.fields.start + timedelta(hours=2)
    harness.calendar.update(
        second,
        msgspec.structs.replace(
            second.fields, title="Stand-up (late)", start=later, end=later + timedelta(minutes=30)
        ),
        ("title", "start", "end"),
        None,
    )
    after, _ = everything(harness)
    titles = sorted(
        (i.original_start, i.fields.title, i.fields.start)
        for i in after.values()
        if i.series_id == series
    )
    assert titles == [
        (occurrences[0].fields.start, "Stand-up", occurrences[0].fields.start),
        (second.fields.start, "Stand-up (late)", later),
        (occurrences[2].fields.start, "Stand-up", occurrences[2].fields.start),
    ]


def test_deleting_one_occurrence_leaves_the_others(harness: LinkedHarness) -> None:
    series = harness.user_creates(meeting("Stand-up"), daily_count=3)
    items, _ = everything(harness)
    first = min((i for i in items.values() if i.series_id == series), key=lambda i: i.fields.start)
    harness.calendar.delete(first)
    after, _ = everything(harness)
    left = [i for i in after.values() if i.series_id == series]
    assert len(left) == 2
    assert first.fields.start not in {i.fields.start for i in left}


def test_a_users_edit_of_one_occurrence_is_seen_as_that_occurrence(
    harness: LinkedHarness,
) -> None:
    series = harness.user_creates(meeting("Stand-up"), daily_count=3)
    _, state = everything(harness)
    harness.user_edits_occurrence(series, meeting().start + timedelta(days=1), title="Moved")
    listing = since(harness, state)
    edited = [i for i in listing.changed if i.fields.title == "Moved"]
    assert len(edited) == 1
    assert edited[0].series_id == series
    assert edited[0].original_start == meeting().start + timedelta(days=1)


def test_invitations_from_others_are_not_ours_to_change(harness: LinkedHarness) -> None:
    remote_id = harness.user_creates(
        meeting("Their meeting", guests=(Guest(email=harness.host_email, response="accepted"),)),
        organiser="boss@example.org",
    )
    item = harness.calendar.get(remote_id)
    assert item is not None
    assert not item.host_is_organiser
    assert item.organiser == "boss@example.org"
    with pytest.raises(WriteRefused):
        harness.calendar.update(
            item, msgspec.structs.replace(item.fields, title="Mine now"), ("title",), None
        )


def test_a_read_only_calendar_refuses_writes_for_good(harness: LinkedHarness) -> None:
    harness.make_read_only()
    with pytest.raises(WriteRefused):
        harness.calendar.create(remote_id_for(41), meeting(), TAG)


def test_an_expired_state_is_a_typed_error(harness: LinkedHarness) -> None:
    harness.user_creates(meeting())
    _, state = everything(harness)
    if state is None:
        pytest.fail("every linked-calendar provider here has incremental sync")
    harness.expire_state()
    with pytest.raises(SyncStateExpired):
        since(harness, state)


def test_outages_and_rate_limits_are_typed(harness: LinkedHarness) -> None:
    harness.fail_next(503)
    with pytest.raises(Unavailable):
        harness.calendar.create(remote_id_for(41), meeting(), TAG)
    harness.fail_next(429, retry_after=7)
    with pytest.raises(RateLimited) as limited:
        harness.calendar.create(remote_id_for(41), meeting(), TAG)
    assert limited.value.retry_after == 7


def test_gone_events_are_none_and_deleting_them_again_is_no_error(
    harness: LinkedHarness,
) -> None:
    created = harness.calendar.create(remote_id_for(41), meeting(), TAG)
    harness.user_deletes(created.remote_id)
    assert harness.calendar.get(created.remote_id) is None
    harness.calendar.delete(created)


def test_all_day_and_free_and_tentative_round_trip(harness: LinkedHarness) -> None:
    day = (NOW + timedelta(days=5)).replace(hour=0)
    holiday = EventFields(
        title="Holiday", start=day, end=day + timedelta(days=1), all_day=True, show_as="free"
    )
    maybe = meeting("Maybe", show_as="tentative")
    for n, fields in enumerate((holiday, maybe)):
        created = harness.calendar.create(remote_id_for(50 + n), fields, TAG)
        fetched = harness.calendar.get(created.remote_id)
        assert fetched is not None
        same(fetched.fields, fields)


FRESH_SHAPES = {
    "guests": meeting(guests=(Guest(email="ada@example.com"), Guest(email="bob@example.com"))),
    "bare": EventFields(
        title="Bare", start=NOW + timedelta(days=3), end=NOW + timedelta(days=3, hours=1)
    ),
    "all_day_free": EventFields(
        title="Holiday",
        start=(NOW + timedelta(days=5)).replace(hour=0),
        end=(NOW + timedelta(days=6)).replace(hour=0),
        all_day=True,
        show_as="free",
    ),
    "private_tentative": meeting("Lawyer", private=True, show_as="tentative"),
}


@pytest.mark.parametrize("shape", sorted(FRESH_SHAPES))
def test_a_fresh_create_answers_the_event_as_get_reads_it(
    harness: LinkedHarness, shape: str
) -> None:
    """``fresh``: the id was never sent before. The item a create returns is what the
    engine stores (status row, mirror), so it is the event exactly as a read finds it,
    whether or not the adapter read it back."""
    fields = FRESH_SHAPES[shape]
    created = harness.calendar.create(remote_id_for(41), fields, TAG, fresh=True)

    assert created.tag == TAG
    same(created.fields, fields)
    assert created == harness.calendar.get(created.remote_id)
    items, _ = everything(harness)
    assert [i.remote_id for i in items.values() if i.tag == TAG] == [created.remote_id]
    assert harness.notifications_sent() == 0


def test_a_fresh_create_on_a_read_only_calendar_is_refused_for_good(
    harness: LinkedHarness,
) -> None:
    harness.make_read_only()
    with pytest.raises(WriteRefused):
        harness.calendar.create(remote_id_for(41), meeting(), TAG, fresh=True)
