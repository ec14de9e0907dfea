from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar, Event

from booking.notifications.ics import PRODID, build_ics, google_calendar_url
from tests.booking.notifications import CREATED, START, make_invite

JOIN = "https://zoom.us/j/123456?pwd=secret"


def parse(ics: bytes) -> tuple[Calendar, Any]:
    """The calendar and its one event (Any: icalendar types property values as a union
    of thirty classes, which would need a cast on every assertion)."""
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert isinstance(events[0], Event)
    return calendar, events[0]


def expected_text(value: str) -> str:
    """What iCalendar TEXT can carry: LF line breaks, no control characters but tab."""
    return re.sub("[\x00-\x08\x0b-\x1f\x7f]", "", value.replace("\r\n", "\n").replace("\r", "\n"))


class TestBuildIcs:
    def test_request_carries_every_itip_field(self) -> None:
        ics = build_ics(make_invite())
        calendar, event = parse(ics)

        assert calendar["METHOD"] == "REQUEST"
        assert calendar["PRODID"] == PRODID
        assert calendar["VERSION"] == "2.0"
        assert event["UID"] == "bk_7f3a@rendezvous"
        assert event["SEQUENCE"] == 0
        assert event["SUMMARY"] == "30 Minute Meeting"
        assert event["STATUS"] == "CONFIRMED"
        assert event["TRANSP"] == "OPAQUE"
        assert event.decoded("DTSTAMP") == CREATED
        assert event.decoded("DTSTART") == START
        assert event.decoded("DTEND") == START + timedelta(minutes=30)
        # UTC on the wire ("Z"), not a TZID the receiving client would have to know.
        assert b"DTSTART:20260303T090000Z\r\n" in ics
        assert b"DTEND:20260303T093000Z\r\n" in ics

    def test_organizer_and_attendees(self) -> None:
        _, event = parse(build_ics(make_invite()))

        organizer = event["ORGANIZER"]
        assert str(organizer) == "mailto:ada@example.com"
        assert organizer.params["CN"] == "Ada Lovelace"
        attendees = event["ATTENDEE"]
        assert [str(a) for a in attendees] == [
            "mailto:grace@example.com",
            "mailto:alan@example.org",
        ]
        assert [a.params["CN"] for a in attendees] == ["Grace Hopper", "Alan Turing"]
        for attendee in attendees:
            assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
            assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
            assert attendee.params["RSVP"] == "TRUE"

    def test_join_url_is_the_location_and_is_in_the_description(self) -> None:
        invite = make_invite(join_url=JOIN, location="Room 4")
        _, event = parse(build_ics(invite))

        assert event["LOCATION"] == JOIN
        description = str(event["DESCRIPTION"])
        assert f"Join: {JOIN}" in description
        assert "Location: Room 4" in description
        assert f"Reschedule or cancel: {invite.manage_url}" in description
        assert "Notes from Grace Hopper:\nPlease bring the punch cards." in description
        assert "A quick call about the engine." in description

    def test_location_without_join_url(self) -> None:
        _, event = parse(build_ics(make_invite(location="Room 4")))

        assert event["LOCATION"] == "Room 4"
        assert "Join:" not in str(event["DESCRIPTION"])

    def test_no_location_no_description_when_nothing_to_say(self) -> None:
        invite = make_invite(description="", notes="  ", manage_url=None)
        _, event = parse(build_ics(invite))

        assert "LOCATION" not in event
        assert "DESCRIPTION" not in event

    def test_reschedule_keeps_uid_and_raises_sequence(self) -> None:
        first = make_invite()
        moved = make_invite(
            start=START + timedelta(days=1), end=START + timedelta(days=1, minutes=30), sequence=1
        )
        _, before = parse(build_ics(first))
        _, after = parse(build_ics(moved))

        assert after["UID"] == before["UID"]
        assert after["SEQUENCE"] == 1
        assert after.decoded("DTSTART") == START + timedelta(days=1)

    def test_cancel(self) -> None:
        calendar, event = parse(build_ics(make_invite(status="cancelled", sequence=2)))

        assert calendar["METHOD"] == "CANCEL"
        assert event["STATUS"] == "CANCELLED"
        assert event["UID"] == "bk_7f3a@rendezvous"
        assert event["SEQUENCE"] == 2

    def test_other_zones_are_written_in_utc(self) -> None:
        berlin = ZoneInfo("Europe/Berlin")
        invite = make_invite(
            start=datetime(2026, 7, 1, 10, 0, tzinfo=berlin),
            end=datetime(2026, 7, 1, 11, 0, tzinfo=berlin),
        )
        ics = build_ics(invite)

        assert b"DTSTART:20260701T080000Z\r\n" in ics
        assert b"TZID" not in ics

    def test_special_characters_cannot_break_out(self) -> None:
        invite = make_invite(
            title='Q&A; "deep" dive, part\\2',
            organizer_name='Lovelace, Ada "Countess"',
            attendees=(("Evil\r\nATTENDEE:mailto:x@evil.test;X", "grace@example.com"),),
        )
        ics = build_ics(invite)
        _, event = parse(ics)

        assert event["SUMMARY"] == 'Q&A; "deep" dive, part\\2'
        assert event["ORGANIZER"].params["CN"] == 'Lovelace, Ada "Countess"'
        attendee = event["ATTENDEE"]
        assert attendee.params["CN"] == "Evil ATTENDEE:mailto:x@evil.test;X"
        assert str(attendee) == "mailto:grace@example.com"
        assert b"\nATTENDEE:mailto:x@evil.test" not in ics

    def test_control_characters_are_dropped(self) -> None:
        _, event = parse(build_ics(make_invite(title="Bell\x07 and\x00 NUL", notes="a\x0cb\r\nc")))

        assert event["SUMMARY"] == "Bell and NUL"
        assert "ab\nc" in str(event["DESCRIPTION"])

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"start": datetime(2026, 3, 3, 9, 0)}, "start must be timezone-aware"),
            ({"created": datetime(2026, 3, 1)}, "created must be timezone-aware"),
            ({"end": START}, "end must be after start"),
            ({"attendees": ()}, "at least the invitee"),
            ({"sequence": -1}, "sequence"),
            ({"uid": ""}, "uid"),
            ({"organizer_email": "ada example.com"}, "organizer_email"),
            ({"attendees": (("X", "x@y\r\nBCC:z"),)}, "attendee email"),
            ({"join_url": "javascript:alert(1)"}, "join_url"),
            ({"manage_url": "data:text/html,hi"}, "manage_url"),
        ],
    )
    def test_rejects_invalid_invites(self, changes: dict[str, Any], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            make_invite(**changes)

    @given(
        title=st.text(),
        notes=st.text(),
        invitee=st.text(),
        organizer=st.text(),
    )
    def test_any_text_round_trips(
        self, title: str, notes: str, invitee: str, organizer: str
    ) -> None:
        invite = make_invite(
            title=title,
            notes=notes,
            organizer_name=organizer,
            attendees=((invitee, "grace@example.com"),),
        )
        _, event = parse(build_ics(invite))

        assert event["SUMMARY"] == expected_text(title)
        if notes.strip():
            assert expected_text(notes) in str(event["DESCRIPTION"])
        # One line, no control characters, no backslashes (see ics._address).
        cn = re.sub("[\x00-\x1f\x7f\\\\]", "", " ".join(invitee.split()))
        assert event["ATTENDEE"].params.get("CN", "") == cn


class TestGoogleCalendarUrl:
    def test_fields(self) -> None:
        invite = make_invite(join_url=JOIN, title="R&D: ½ day? #1")
        url = google_calendar_url(invite)

        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc, parts.path) == (
            "https",
            "calendar.google.com",
            "/calendar/render",
        )
        query = parse_qs(parts.query, strict_parsing=True)
        assert query["action"] == ["TEMPLATE"]
        assert query["text"] == ["R&D: ½ day? #1"]
        assert query["dates"] == ["20260303T090000Z/20260303T093000Z"]
        assert query["location"] == [JOIN]
        [details] = query["details"]
        assert f"Join: {JOIN}" in details
        assert f"Reschedule or cancel: {invite.manage_url}" in details
        assert "Please bring the punch cards." in details
        # Everything is percent-encoded: no raw space, "+" or second "?" in the URL.
        assert " " not in url
        assert "+" not in url
        assert url.count("?") == 1

    def test_without_location(self) -> None:
        query = parse_qs(urlsplit(google_calendar_url(make_invite())).query)

        assert "location" not in query

    def test_dates_are_utc(self) -> None:
        tokyo = ZoneInfo("Asia/Tokyo")
        invite = make_invite(
            start=datetime(2026, 3, 4, 9, 0, tzinfo=tokyo),
            end=datetime(2026, 3, 4, 9, 15, tzinfo=tokyo),
        )
        query = parse_qs(urlsplit(google_calendar_url(invite)).query)

        assert query["dates"] == ["20260304T000000Z/20260304T001500Z"]


def test_dtstamp_is_the_given_moment_not_the_clock() -> None:
    issued = datetime(2030, 1, 1, tzinfo=UTC)
    _, event = parse(build_ics(make_invite(created=issued)))

    assert event.decoded("DTSTAMP") == issued
