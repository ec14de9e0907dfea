"""The Graph event codec of the Microsoft linked calendar (integrations/providers/
microsoft/sync_events.py): Graph JSON <-> EventFields and our tag, no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from integrations.accounts.errors import BadResponse
from integrations.providers.microsoft.sync_events import (
    GUESTS_PROPERTY,
    TAG_PROPERTY,
    calendar_item,
    event_body,
    html_to_text,
    parse_tag,
    strip_link,
    with_link,
)
from integrations.sync.items import FIELD_NAMES, EventFields, Guest, OurTag, field_hashes

START = datetime(2031, 3, 3, 9, tzinfo=UTC)
LINK = "https://rdv.example/activities/41"
TAG = OurTag(owner_id=7, activity_id=41)


def graph_event(**extra: Any) -> dict[str, Any]:
    return {
        "id": "AAMkADone",
        "@odata.etag": 'W/"abc"',
        "subject": "Call with Ada",
        "start": {"dateTime": "2031-03-03T09:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2031-03-03T09:30:00.0000000", "timeZone": "UTC"},
        "isAllDay": False,
        "showAs": "busy",
        "sensitivity": "normal",
        "isOrganizer": True,
        "location": {"displayName": "Room 4"},
        "body": {"contentType": "text", "content": "Agenda"},
        "attendees": [],
        "seriesMasterId": None,
        **extra,
    }


def as_graph_answer(body: dict[str, Any]) -> dict[str, Any]:
    """What Graph answers for an event written with ``body`` (times echoed back with
    Graph's seven fractional digits)."""
    answer = graph_event(**body)
    for side in ("start", "end"):
        answer[side] = {**body[side], "dateTime": body[side]["dateTime"] + ".0000000"}
    return answer


def fields(**extra: Any) -> EventFields:
    values: dict[str, Any] = {
        "title": "Call with Ada",
        "start": START,
        "end": START + timedelta(minutes=30),
        "location": "Room 4",
        "description": "Agenda:\n- budget",
        "guests": (Guest(email="ada@example.com"),),
        **extra,
    }
    return EventFields(**values)


@pytest.mark.parametrize(
    "written",
    [
        fields(),
        fields(show_as="tentative", private=True),
        fields(show_as="free", location="", description=""),
        fields(
            all_day=True,
            start=datetime(2031, 3, 5, tzinfo=UTC),
            end=datetime(2031, 3, 7, tzinfo=UTC),
        ),
    ],
)
def test_what_we_write_reads_back_the_same(written: EventFields) -> None:
    body = event_body(written, FIELD_NAMES, link=LINK, tag=TAG)

    item = calendar_item(as_graph_answer(body))

    assert item.tag == TAG
    assert field_hashes(item.fields) == field_hashes(written)


def test_a_write_carries_our_tag_and_guests_privately_and_no_attendees() -> None:
    body = event_body(fields(), FIELD_NAMES, link=LINK, tag=TAG)

    properties = {p["id"]: p["value"] for p in body["singleValueExtendedProperties"]}
    assert "attendees" not in body  # Graph would mail them
    assert properties[TAG_PROPERTY] == "7:41"
    assert json.loads(properties[GUESTS_PROPERTY]) == [
        {"email": "ada@example.com", "response": "needsAction"}
    ]
    assert body["body"] == {
        "contentType": "text",
        "content": f"Agenda:\n- budget\n\nOpen in Rendezvous: {LINK}",
    }
    assert body["start"] == {"dateTime": "2031-03-03T09:00:00", "timeZone": "UTC"}


def test_an_update_body_holds_only_the_changed_fields() -> None:
    assert event_body(fields(), ("title",), link=LINK, tag=None) == {"subject": "Call with Ada"}
    moved = event_body(fields(), ("end",), link=LINK, tag=None)
    assert set(moved) == {"start", "end", "isAllDay"}
    assert event_body(fields(), (), link=LINK, tag=None) == {}


def test_times_in_another_zone_are_written_as_the_same_instant_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    body = event_body(
        fields(start=START.astimezone(paris), end=START.astimezone(paris) + timedelta(hours=1)),
        ("start", "end"),
        link=None,
        tag=None,
    )
    assert body["start"]["dateTime"] == "2031-03-03T09:00:00"


def test_an_html_body_reads_as_text_without_the_link_back() -> None:
    markup = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>Agenda:</p><ul><li>budget &amp; plan</li></ul>"
        f"<p>Open in Rendezvous: {LINK}</p></body></html>"
    )
    item = calendar_item(graph_event(body={"contentType": "html", "content": markup}))
    assert item.fields.description == "Agenda:\n- budget & plan"


def test_the_link_back_is_stripped_only_at_the_end() -> None:
    text = with_link("See Open in Rendezvous: earlier", LINK)
    assert strip_link(text) == "See Open in Rendezvous: earlier"
    assert strip_link(with_link("", LINK)) == ""
    assert with_link("Agenda", None) == "Agenda"


def test_html_to_text_keeps_line_breaks() -> None:
    assert html_to_text("one<br>two<div>three</div>&nbsp;four") == "one\ntwo\nthree\n four"


def test_private_events_without_our_tag_are_blanked() -> None:
    item = calendar_item(
        graph_event(
            sensitivity="private",
            attendees=[{"emailAddress": {"address": "x@example.com"}, "status": {}}],
        )
    )
    assert (item.fields.title, item.fields.description, item.fields.location) == (
        "Busy",
        "",
        "",
    )
    assert item.fields.guests == ()
    assert item.fields.private
    assert item.fields.start == START


def test_our_own_private_event_keeps_its_details() -> None:
    tagged = graph_event(
        sensitivity="private",
        singleValueExtendedProperties=[{"id": TAG_PROPERTY.lower(), "value": "7:41"}],
    )
    item = calendar_item(tagged)
    assert item.tag == TAG
    assert item.fields.title == "Call with Ada"


def test_attendees_and_stored_guests_merge_with_the_attendees_answer_winning() -> None:
    event = graph_event(
        attendees=[
            {"emailAddress": {"address": "Ada@Example.com"}, "status": {"response": "accepted"}},
            {"emailAddress": {"address": "bob@example.com"}, "status": {"response": "none"}},
            {
                "emailAddress": {"address": "cy@example.com"},
                "status": {"response": "tentativelyAccepted"},
            },
        ],
        singleValueExtendedProperties=[
            {
                "id": GUESTS_PROPERTY,
                "value": json.dumps([{"email": "ada@example.com"}, {"email": "dee@example.com"}]),
            }
        ],
    )
    assert calendar_item(event).fields.guests == (
        Guest(email="Ada@Example.com", response="accepted"),
        Guest(email="bob@example.com", response="needsAction"),
        Guest(email="cy@example.com", response="tentative"),
        Guest(email="dee@example.com", response="needsAction"),
    )


def test_occurrences_carry_their_series_and_original_start() -> None:
    item = calendar_item(
        graph_event(
            type="occurrence",
            seriesMasterId="AAMkADmaster",
            originalStart="2031-03-03T09:00:00Z",
            isOrganizer=False,
        )
    )
    assert item.series_id == "AAMkADmaster"
    assert item.original_start == START
    assert not item.host_is_organiser
    assert item.etag == 'W/"abc"'


def test_show_as_outside_ours_reads_as_busy_and_zones_are_honoured() -> None:
    item = calendar_item(
        graph_event(
            showAs="oof",
            start={"dateTime": "2031-03-03T10:00:00", "timeZone": "Europe/Paris"},
        )
    )
    assert item.fields.show_as == "busy"
    assert item.fields.start == START


@pytest.mark.parametrize("value", ["", "7", "a:b", "7:", None, 7])
def test_a_tag_value_we_did_not_write_is_no_tag(value: object) -> None:
    assert parse_tag(value) is None


def test_an_unreadable_time_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        calendar_item(graph_event(start={"dateTime": "soon", "timeZone": "UTC"}))
    with pytest.raises(BadResponse):
        calendar_item(graph_event(start={"dateTime": "2031-03-03T09:00:00", "timeZone": "Mars"}))
