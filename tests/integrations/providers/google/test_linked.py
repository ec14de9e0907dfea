"""What GoogleLinkedCalendar does beyond the shared contract
(tests/integrations/sync/linked/test_contract.py), against the Google emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from integrations.calendars.provider import SyncWindow
from integrations.sync.ids import remote_id_for
from integrations.sync.items import EventFields, OurTag
from tests.integrations.sync.linked.harness_google import (
    HOST,
    GoogleLinkedHarness,
    activity_link,
    linked_harness,
)

START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
WINDOW = SyncWindow(START - timedelta(days=30), START + timedelta(days=300))
TAG = OurTag(owner_id=7, activity_id=41)
MEETING = EventFields(
    title="Call with Ada",
    start=START,
    end=START + timedelta(minutes=30),
    description="Agenda",
)


@pytest.fixture
def h(tmp_path: Path) -> Iterator[GoogleLinkedHarness]:
    with linked_harness(tmp_path) as made:
        yield made


def test_a_new_tag_moves_the_link_back_with_it(h: GoogleLinkedHarness) -> None:
    created = h.calendar.create(remote_id_for(41), MEETING, TAG)
    retagged = h.calendar.update(created, created.fields, (), OurTag(owner_id=7, activity_id=99))

    raw = h.raw_description(created.remote_id)
    assert raw.endswith(activity_link(99))
    assert activity_link(41) not in raw
    assert retagged.fields.description == "Agenda"


def test_tagging_a_private_event_keeps_what_the_host_wrote_in_it(h: GoogleLinkedHarness) -> None:
    secret = h.user_creates(msgspec.structs.replace(MEETING, description="Notes", private=True))
    blanked = h.calendar.get(secret)
    assert blanked is not None
    assert blanked.fields.description == ""

    tagged = h.calendar.update(blanked, blanked.fields, (), TAG)
    assert tagged.tag == TAG
    assert h.raw_description(secret) == "Notes"


def test_a_write_of_other_fields_leaves_the_link_alone(h: GoogleLinkedHarness) -> None:
    created = h.calendar.create(remote_id_for(41), MEETING, TAG)
    renamed = msgspec.structs.replace(created.fields, title="Renamed")
    h.calendar.update(created, renamed, ("title",), None)
    assert h.raw_description(created.remote_id) == f"Agenda\n\n{activity_link(41)}"


def test_an_event_turns_all_day_and_back(h: GoogleLinkedHarness) -> None:
    created = h.calendar.create(remote_id_for(41), MEETING, TAG)
    day = START.replace(hour=0)
    whole_day = msgspec.structs.replace(
        created.fields, start=day, end=day + timedelta(days=1), all_day=True
    )
    turned = h.calendar.update(created, whole_day, ("start", "end", "all_day"), None)
    held = h.google.event(HOST, created.remote_id)
    assert held["start"] == {"date": day.date().isoformat()}
    assert turned.fields.all_day

    back = h.calendar.update(turned, MEETING, ("start", "end", "all_day"), None)
    assert not back.fields.all_day
    assert (back.fields.start, back.fields.end) == (MEETING.start, MEETING.end)


def test_every_write_asks_google_to_email_nobody(h: GoogleLinkedHarness) -> None:
    created = h.calendar.create(remote_id_for(41), MEETING, TAG)
    created = h.calendar.update(created, MEETING, ("title",), None)
    h.calendar.delete(created)
    h.calendar.create(remote_id_for(41), MEETING, TAG)  # revives it: 409, then a replace

    writes = [
        r
        for r in h.google.requests
        if r.method_id.rsplit(".", 1)[1] in ("insert", "patch", "update", "delete")
    ]
    assert [r.method_id.rsplit(".", 1)[1] for r in writes] == [
        "insert",
        "patch",
        "delete",
        "insert",
        "update",
    ]
    assert [r.params.get("sendUpdates") for r in writes] == [["none"]] * 5


def test_working_locations_and_birthdays_are_not_synced(h: GoogleLinkedHarness) -> None:
    today = START.date()
    office = h.google.add_event(
        HOST,
        eventType="workingLocation",
        workingLocationProperties={"type": "homeOffice"},
        start=today,
        end=today + timedelta(days=1),
    )
    birthday = h.google.add_event(
        HOST,
        eventType="birthday",
        summary="Ada's birthday",
        recurrence=["RRULE:FREQ=YEARLY"],
        start=date(today.year, today.month, today.day),
        end=today + timedelta(days=1),
    )
    mine = h.user_creates(MEETING)

    listing = h.calendar.changes(None, WINDOW)
    assert [i.remote_id for i in listing.changed] == [mine]
    assert h.calendar.get(office["id"]) is None
    assert h.calendar.get(birthday["id"]) is None
