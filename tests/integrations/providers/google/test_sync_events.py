"""Google event JSON <-> EventFields and our tag (integrations/providers/google/sync_events.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from integrations.accounts.errors import BadResponse
from integrations.providers.google.sync_events import (
    event_body,
    event_patch,
    read_item,
    read_tag,
    with_link,
    without_link,
)
from integrations.sync.items import EventFields, Guest, OurTag, field_hashes

BERLIN = ZoneInfo("Europe/Berlin")
TAG = OurTag(owner_id=7, activity_id=41)
START = datetime(2031, 3, 11, 9, 0, tzinfo=BERLIN)


def link_for(activity_id: int) -> str:
    return f"https://rdv.example.com/activities/{activity_id}"


def as_google(body: dict[str, Any], **server: Any) -> dict[str, Any]:
    """What Google answers for a body we sent: ours plus its own fields."""
    return {
        "id": "rdvabc123",
        "etag": '"1"',
        "status": "confirmed",
        "organizer": {"email": "host@example.com", "self": True},
        **body,
        **server,
    }


def round_trip(fields: EventFields, zone: ZoneInfo = BERLIN) -> EventFields:
    body = event_body(fields, TAG, zone=zone, link=link_for(TAG.activity_id))
    return read_item(as_google(body), zone=zone, link_for=link_for).fields


MEETING = EventFields(
    title="Call with Ada",
    start=START,
    end=START + timedelta(minutes=30),
    location="Room 4",
    description="Agenda:\n- budget",
    guests=(Guest(email="ada@example.com"), Guest(email="bob@example.com", response="accepted")),
)


@pytest.mark.parametrize(
    "fields",
    [
        MEETING,
        EventFields(
            title="Holiday",
            start=datetime(2031, 3, 11, tzinfo=BERLIN),
            end=datetime(2031, 3, 13, tzinfo=BERLIN),
            all_day=True,
            show_as="free",
        ),
        EventFields(
            title="Maybe", start=START, end=START + timedelta(hours=1), show_as="tentative"
        ),
        EventFields(
            title="Ours, private", start=START, end=START + timedelta(hours=1), private=True
        ),
        EventFields(title="", start=START, end=START),
    ],
    ids=["meeting", "all-day-free", "tentative", "private-of-ours", "empty"],
)
def test_what_we_write_reads_back_the_same(fields: EventFields) -> None:
    assert field_hashes(round_trip(fields)) == field_hashes(fields)


def test_the_tag_rides_in_private_extended_properties() -> None:
    body = event_body(MEETING, TAG, zone=BERLIN, link=link_for(41), event_id="rdvabc123")
    assert body["id"] == "rdvabc123"
    assert body["extendedProperties"] == {"private": {"rdvOwner": "7", "rdvActivity": "41"}}
    assert read_tag(body) == TAG
    item = read_item(as_google(body), zone=BERLIN, link_for=link_for)
    assert item.tag == TAG
    assert item.host_is_organiser


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"extendedProperties": {"shared": {"rdvOwner": "7", "rdvActivity": "41"}}},
        {"extendedProperties": {"private": {"rdvOwner": "7"}}},
        {"extendedProperties": {"private": {"rdvOwner": "seven", "rdvActivity": "41"}}},
    ],
)
def test_events_without_a_readable_tag_of_ours_have_none(event: dict[str, Any]) -> None:
    assert read_tag(event) is None


def test_the_link_back_is_written_last_and_stripped_on_reading() -> None:
    body = event_body(MEETING, TAG, zone=BERLIN, link=link_for(41))
    assert body["description"] == "Agenda:\n- budget\n\nhttps://rdv.example.com/activities/41"
    assert event_body(
        EventFields(title="x", start=START, end=START), TAG, zone=BERLIN, link=link_for(41)
    )["description"] == link_for(41)
    item = read_item(as_google(body), zone=BERLIN, link_for=link_for)
    assert item.fields.description == "Agenda:\n- budget"


@pytest.mark.parametrize(
    ("held", "typed"),
    [
        ("LINK", ""),
        ("notes\n\nLINK", "notes"),
        ("notes\nLINK", "notes"),
        # The host typed below our link in Google: their text stays, the link goes.
        ("notes\n\nLINK\nmore", "notes\n\nmore"),
        ("notes without a link", "notes without a link"),
        ("see LINK inline", "see LINK inline"),
        # Saved by Google Calendar's web editor, which keeps descriptions as HTML.
        ('notes<br>more<br><br><a href="LINK">LINK</a>', "notes<br>more"),
        ('notes<br><a href="LINK" target="_blank">link</a> ', "notes"),
        ("notes<br><br>LINK", "notes"),
    ],
)
def test_stripping_the_link_keeps_what_the_host_typed(held: str, typed: str) -> None:
    link = link_for(41)
    assert without_link(held.replace("LINK", link), link) == typed.replace("LINK", link)


def test_an_html_link_with_an_escaped_query_is_ours_too() -> None:
    link = "https://rdv.example.com/a?id=41&tab=event"
    saved = 'notes<br><a href="https://rdv.example.com/a?id=41&amp;tab=event">here</a>'
    assert without_link(saved, link) == "notes"


def test_a_link_of_another_activity_is_the_hosts_text() -> None:
    # Only our tag's own link is ours to strip.
    assert without_link(with_link("notes", link_for(9)), link_for(41)).endswith(link_for(9))


def test_events_without_our_tag_keep_their_whole_description() -> None:
    event = as_google(
        {"summary": "Theirs", "description": f"notes\n\n{link_for(41)}"},
        start={"dateTime": "2031-03-11T09:00:00+01:00"},
        end={"dateTime": "2031-03-11T10:00:00+01:00"},
    )
    assert read_item(event, zone=BERLIN, link_for=link_for).fields.description.endswith(
        link_for(41)
    )


def test_a_private_event_of_the_hosts_is_blanked() -> None:
    event = as_google(
        {
            "summary": "Lawyer",
            "description": "about the divorce",
            "location": "Main St 1",
            "attendees": [{"email": "lawyer@example.com"}],
            "visibility": "confidential",
            "transparency": "transparent",
            "start": {"date": "2031-03-11"},
            "end": {"date": "2031-03-12"},
        }
    )
    fields = read_item(event, zone=BERLIN, link_for=link_for).fields
    assert fields == EventFields(
        title="Busy",
        start=datetime(2031, 3, 11, tzinfo=BERLIN),
        end=datetime(2031, 3, 12, tzinfo=BERLIN),
        all_day=True,
        show_as="free",
        private=True,
    )


def test_all_day_events_cover_the_hosts_days() -> None:
    holiday = EventFields(
        title="Holiday",
        # Midnight in Berlin is the evening before in UTC: still the 11th to the 13th.
        start=datetime(2031, 3, 11, tzinfo=BERLIN).astimezone(UTC),
        end=datetime(2031, 3, 13, tzinfo=BERLIN).astimezone(UTC),
        all_day=True,
    )
    body = event_body(holiday, TAG, zone=BERLIN, link=link_for(41))
    assert (body["start"], body["end"]) == ({"date": "2031-03-11"}, {"date": "2031-03-13"})


def test_a_patch_holds_only_the_changed_fields_and_clears_the_other_time_kind() -> None:
    assert event_patch(MEETING, ("title",), zone=BERLIN, link=None) == {"summary": "Call with Ada"}
    times = event_patch(MEETING, ("start",), zone=BERLIN, link=None)
    assert times["start"] == {
        "dateTime": "2031-03-11T09:00:00+01:00",
        "timeZone": "Europe/Berlin",
        "date": None,
    }
    assert times["end"]["dateTime"] == "2031-03-11T09:30:00+01:00"
    shown = event_patch(MEETING, ("show_as", "private"), zone=BERLIN, link=None)
    assert shown == {"transparency": "opaque", "status": "confirmed", "visibility": "default"}
    assert event_patch(MEETING, ("guests",), zone=BERLIN, link=None)["attendees"] == [
        {"email": "ada@example.com", "responseStatus": "needsAction"},
        {"email": "bob@example.com", "responseStatus": "accepted"},
    ]
    described = event_patch(MEETING, ("description",), zone=BERLIN, link=link_for(41))
    assert described == {"description": with_link("Agenda:\n- budget", link_for(41))}


def test_show_as_reads_from_transparency_and_status() -> None:
    def show_as(**event: Any) -> str:
        timed = {
            "start": {"dateTime": "2031-03-11T09:00:00Z"},
            "end": {"dateTime": "2031-03-11T10:00:00Z"},
        }
        return read_item(as_google(timed, **event), zone=BERLIN, link_for=link_for).fields.show_as

    assert show_as() == "busy"
    assert show_as(status="tentative") == "tentative"
    assert show_as(transparency="transparent") == "free"
    assert show_as(status="tentative", transparency="transparent") == "free"


def test_an_occurrence_names_its_series_and_original_start() -> None:
    event = as_google(
        {"summary": "Stand-up"},
        id="series1_20310312T080000Z",
        recurringEventId="series1",
        originalStartTime={"dateTime": "2031-03-12T09:00:00+01:00", "timeZone": "Europe/Berlin"},
        start={"dateTime": "2031-03-12T11:00:00+01:00", "timeZone": "Europe/Berlin"},
        end={"dateTime": "2031-03-12T11:15:00+01:00", "timeZone": "Europe/Berlin"},
    )
    item = read_item(event, zone=BERLIN, link_for=link_for)
    assert item.series_id == "series1"
    assert item.original_start == datetime(2031, 3, 12, 8, tzinfo=UTC)
    assert item.fields.start == datetime(2031, 3, 12, 10, tzinfo=UTC)


def test_the_organiser_is_the_host_by_self_or_by_address() -> None:
    base = {
        "start": {"dateTime": "2031-03-11T09:00:00Z"},
        "end": {"dateTime": "2031-03-11T10:00:00Z"},
    }

    def organised(organizer: dict[str, Any]) -> bool:
        event = as_google(base, organizer=organizer)
        return read_item(
            event, zone=BERLIN, link_for=link_for, owner="Host@Example.com"
        ).host_is_organiser

    assert organised({"email": "host@example.com", "self": True})
    assert organised({"email": "host@example.com"})
    assert not organised({"email": "boss@example.org"})


def test_a_floating_time_is_read_in_its_named_zone() -> None:
    event = as_google(
        {},
        start={"dateTime": "2031-03-11T09:00:00", "timeZone": "America/New_York"},
        end={"dateTime": "2031-03-11T10:00:00", "timeZone": "America/New_York"},
    )
    item = read_item(event, zone=BERLIN, link_for=link_for)
    assert item.fields.start == datetime(2031, 3, 11, 13, tzinfo=UTC)


@pytest.mark.parametrize(
    "event",
    [
        {"id": "x"},
        {"id": "x", "start": {"dateTime": "soon"}, "end": {"dateTime": "later"}},
        {"start": {"date": "2031-03-11"}, "end": {"date": "2031-03-12"}},
    ],
)
def test_an_unreadable_event_is_a_bad_response(event: dict[str, Any]) -> None:
    with pytest.raises(BadResponse):
        read_item(event, zone=BERLIN, link_for=link_for)
