"""The linked calendar's VEVENT codec: what a CalDAV app sees of our writes, and what
we read of its events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import msgspec
import pytest

from integrations.calendars.provider import SyncWindow
from integrations.providers.ical.sync_events import (
    TAG_ACTIVITY,
    TAG_OWNER,
    Codec,
    occurrence_id,
    split_id,
)
from integrations.sync.items import FIELD_NAMES, CalendarItem, EventFields, Guest, OurTag

HOST = "host@example.com"
TAG = OurTag(owner_id=7, activity_id=41)
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WINDOW = SyncWindow(datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))
CODEC = Codec(HOST, lambda activity: f"https://crm.example.com/activities/{activity}")

FIELDS = EventFields(
    title="Call with Ada",
    start=START,
    end=START + timedelta(minutes=30),
    location="Room 4",
    description="Agenda:\n- budget",
    guests=(Guest(email="ada@example.com"), Guest(email="bob@example.com", response="accepted")),
)


def reparse(calendar: icalendar.Calendar) -> icalendar.Calendar:
    """What a server stores and hands back: the text, read again."""
    parsed = icalendar.Calendar.from_ical(calendar.to_ical())
    assert isinstance(parsed, icalendar.Calendar)
    return parsed


def the_event(calendar: icalendar.Calendar) -> icalendar.Component:
    (event,) = calendar.walk("VEVENT")
    return event


def written(fields: EventFields, tag: OurTag = TAG) -> icalendar.Calendar:
    return reparse(CODEC.new_calendar("rdv1", fields, tag))


def read(calendar: icalendar.Calendar, remote_id: str = "rdv1") -> CalendarItem:
    item = CODEC.item(reparse(calendar), '"etag"', remote_id)
    assert item is not None
    return item


def phone(*lines: str) -> icalendar.Calendar:
    """An event as another app writes it."""
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Phone//EN", "BEGIN:VEVENT"]
    text = "\r\n".join([*head, *lines, "END:VEVENT", "END:VCALENDAR", ""])
    calendar = icalendar.Calendar.from_ical(text)
    assert isinstance(calendar, icalendar.Calendar)
    return calendar


def series(*extra: str) -> icalendar.Calendar:
    text = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Phone//EN",
            "BEGIN:VEVENT",
            "UID:standup@phone",
            "DTSTAMP:20261101T000000Z",
            "DTSTART;TZID=Europe/Berlin:20261207T100000",
            "DTEND;TZID=Europe/Berlin:20261207T101500",
            "RRULE:FREQ=DAILY;COUNT=3",
            "SUMMARY:Stand-up",
            "LOCATION:Kitchen",
            "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC",
            "END:VEVENT",
            *extra,
            "END:VCALENDAR",
            "",
        ]
    )
    calendar = icalendar.Calendar.from_ical(text)
    assert isinstance(calendar, icalendar.Calendar)
    return calendar


def starts(calendar: icalendar.Calendar) -> dict[str, tuple[str, datetime]]:
    return {
        i.remote_id: (i.fields.title, i.fields.start)
        for i in CODEC.items(reparse(calendar), '"e"', WINDOW)
    }


# -- ids ------------------------------------------------------------------------------------


def test_an_occurrence_id_is_the_uid_and_its_utc_recurrence_id() -> None:
    assert occurrence_id("standup@phone", "20261207T090000Z") == "standup@phone:20261207T090000Z"
    assert split_id("standup@phone:20261207T090000Z") == ("standup@phone", "20261207T090000Z")
    assert split_id("standup@phone:20261207") == ("standup@phone", "20261207")
    # A UID with colons of its own (urn:uuid:...) is a single event's id.
    assert split_id("urn:uuid:4f0c-11") == ("urn:uuid:4f0c-11", None)


# -- round trips ---------------------------------------------------------------------------


def test_what_we_write_reads_back_as_written_with_our_tag() -> None:
    item = read(written(FIELDS))
    assert item.fields == FIELDS
    assert item.tag == TAG
    assert item.host_is_organiser
    assert item.series_id is None


def test_the_tag_rides_in_x_properties() -> None:
    event = the_event(written(FIELDS))
    assert (str(event[TAG_OWNER]), str(event[TAG_ACTIVITY])) == ("7", "41")


def test_guests_are_never_scheduled_by_the_server() -> None:
    event = the_event(written(FIELDS))
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert attendees["mailto:ada@example.com"]["PARTSTAT"] == "NEEDS-ACTION"
    assert attendees["mailto:bob@example.com"]["PARTSTAT"] == "ACCEPTED"
    assert {p["SCHEDULE-AGENT"] for p in attendees.values()} == {"CLIENT"}
    assert str(event["ORGANIZER"]) == f"mailto:{HOST}"


def test_times_are_written_in_utc() -> None:
    berlin = EventFields(
        title="T",
        start=datetime(2026, 12, 7, 10, tzinfo=ZoneInfo("Europe/Berlin")),
        end=datetime(2026, 12, 7, 11, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    event = the_event(written(berlin))
    assert event["DTSTART"].to_ical() == b"20261207T090000Z"
    assert read(written(berlin)).fields.start == START


def test_an_all_day_event_is_written_as_dates_and_reads_back_as_utc_midnights() -> None:
    day = datetime(2026, 12, 24, tzinfo=UTC)
    holiday = EventFields(
        title="Holiday", start=day, end=day + timedelta(days=2), all_day=True, show_as="free"
    )
    event = the_event(written(holiday))
    assert event["DTSTART"].dt == date(2026, 12, 24)
    assert event["DTEND"].dt == date(2026, 12, 26)
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert read(written(holiday)).fields == holiday


@pytest.mark.parametrize(
    ("show_as", "transp", "status"),
    [("busy", "OPAQUE", None), ("free", "TRANSPARENT", None), ("tentative", "OPAQUE", "TENTATIVE")],
)
def test_show_as_maps_to_transp_and_status(show_as: str, transp: str, status: str | None) -> None:
    fields = msgspec.structs.replace(FIELDS, show_as=show_as)
    event = the_event(written(fields))
    assert str(event["TRANSP"]) == transp
    assert (str(event["STATUS"]) if "STATUS" in event else None) == status
    assert read(written(fields)).fields.show_as == show_as


def test_our_private_event_keeps_its_details_and_is_class_private() -> None:
    fields = msgspec.structs.replace(FIELDS, private=True)
    assert str(the_event(written(fields))["CLASS"]) == "PRIVATE"
    assert read(written(fields)).fields == fields


# -- the link back ---------------------------------------------------------------------------


def test_the_link_back_is_the_last_line_written_and_stripped_on_reading() -> None:
    event = the_event(written(FIELDS))
    assert str(event["DESCRIPTION"]) == (
        "Agenda:\n- budget\n\nhttps://crm.example.com/activities/41"
    )
    assert read(written(FIELDS)).fields.description == "Agenda:\n- budget"


def test_an_empty_description_is_just_the_link_and_reads_empty() -> None:
    fields = msgspec.structs.replace(FIELDS, description="")
    assert str(the_event(written(fields))["DESCRIPTION"]) == (
        "https://crm.example.com/activities/41"
    )
    assert read(written(fields)).fields.description == ""


def test_a_link_the_user_typed_elsewhere_in_the_text_stays() -> None:
    text = "See https://crm.example.com/activities/41 first\nthen call"
    assert read(written(msgspec.structs.replace(FIELDS, description=text))).fields.description == (
        text
    )


def test_someone_elses_event_keeps_its_whole_description() -> None:
    calendar = phone(
        "UID:x@phone",
        "DTSTART:20261207T090000Z",
        "DTEND:20261207T093000Z",
        "SUMMARY:Dentist",
        "DESCRIPTION:Bring card\\n\\nhttps://crm.example.com/activities/41",
    )
    item = read(calendar, "x@phone")
    assert item.tag is None
    assert item.fields.description == "Bring card\n\nhttps://crm.example.com/activities/41"


# -- reading others' events -------------------------------------------------------------------


@pytest.mark.parametrize("klass", ["PRIVATE", "CONFIDENTIAL"])
def test_a_private_event_not_ours_reads_as_busy_without_details(klass: str) -> None:
    calendar = phone(
        "UID:x@phone",
        "DTSTART:20261207T090000Z",
        "DURATION:PT45M",
        "SUMMARY:Lawyer",
        "LOCATION:Downtown",
        "DESCRIPTION:Divorce papers",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:lawyer@example.com",
        f"CLASS:{klass}",
        "STATUS:TENTATIVE",
    )
    fields = read(calendar, "x@phone").fields
    assert fields == EventFields(
        title="Busy",
        start=START,
        end=START + timedelta(minutes=45),
        private=True,
        show_as="tentative",
    )


@pytest.mark.parametrize(
    ("organiser", "host_organises"),
    [(None, True), (f"mailto:{HOST.upper()}", True), ("mailto:boss@example.org", False)],
)
def test_the_host_organises_events_without_an_organiser_or_with_their_address(
    organiser: str | None, host_organises: bool
) -> None:
    lines = ["UID:x@phone", "DTSTART:20261207T090000Z", "DTEND:20261207T093000Z", "SUMMARY:M"]
    if organiser is not None:
        lines.append(f"ORGANIZER:{organiser}")
    assert read(phone(*lines), "x@phone").host_is_organiser is host_organises


def test_partstats_read_as_responses() -> None:
    calendar = phone(
        "UID:x@phone",
        "DTSTART:20261207T090000Z",
        "DTEND:20261207T093000Z",
        "SUMMARY:M",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:a@example.com",
        "ATTENDEE;PARTSTAT=TENTATIVE:MAILTO:b@example.com",
        "ATTENDEE:mailto:c@example.com",
    )
    assert read(calendar, "x@phone").fields.guests == (
        Guest(email="a@example.com", response="declined"),
        Guest(email="b@example.com", response="tentative"),
        Guest(email="c@example.com", response="needsAction"),
    )


def test_a_cancelled_event_is_gone() -> None:
    calendar = phone(
        "UID:x@phone",
        "DTSTART:20261207T090000Z",
        "DTEND:20261207T093000Z",
        "SUMMARY:Off",
        "STATUS:CANCELLED",
    )
    assert CODEC.item(calendar, '"e"', "x@phone") is None
    assert CODEC.items(calendar, '"e"', WINDOW) == []


# -- updates --------------------------------------------------------------------------------


def test_an_update_changes_only_the_named_fields_and_keeps_the_rest_of_the_file() -> None:
    calendar = phone(
        "UID:x@phone",
        "DTSTART:20261207T090000Z",
        "DTEND:20261207T093000Z",
        "SUMMARY:Planning",
        "LOCATION:Theirs",
        "X-APPLE-STRUCTURED-LOCATION;VALUE=URI:geo:52.5,13.4",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT15M",
        "END:VALARM",
    )
    wanted = msgspec.structs.replace(FIELDS, title="Planning (moved)", location="Ours")
    assert CODEC.update(calendar, "x@phone", wanted, ("title",), None)
    event = the_event(reparse(calendar))
    assert str(event["SUMMARY"]) == "Planning (moved)"
    assert str(event["LOCATION"]) == "Theirs"
    assert "X-APPLE-STRUCTURED-LOCATION" in event
    assert [c.name for c in event.subcomponents] == ["VALARM"]
    assert TAG_OWNER not in event


def test_blank_fields_remove_their_properties() -> None:
    calendar = written(FIELDS)
    blank = msgspec.structs.replace(FIELDS, location="", description="", guests=())
    assert CODEC.update(calendar, "rdv1", blank, ("location", "description", "guests"), None)
    event = the_event(reparse(calendar))
    assert "LOCATION" not in event
    assert "ATTENDEE" not in event
    # Ours still: the description is the link back alone, which reads as blank.
    assert str(event["DESCRIPTION"]) == "https://crm.example.com/activities/41"
    assert read(calendar).fields == blank


def test_a_guests_response_changes_in_place() -> None:
    calendar = written(FIELDS)
    answered = msgspec.structs.replace(
        FIELDS, guests=(Guest(email="ADA@example.com", response="declined"),)
    )
    CODEC.update(calendar, "rdv1", answered, ("guests",), None)
    (attendee,) = [the_event(reparse(calendar))["ATTENDEE"]]
    assert attendee.params["PARTSTAT"] == "DECLINED"
    assert attendee.params["SCHEDULE-AGENT"] == "CLIENT"


def test_an_update_with_a_new_tag_moves_the_link_back_too() -> None:
    calendar = written(FIELDS)
    other = OurTag(owner_id=7, activity_id=99)
    CODEC.update(calendar, "rdv1", FIELDS, (), other)
    event = the_event(reparse(calendar))
    assert str(event["DESCRIPTION"]) == (
        "Agenda:\n- budget\n\nhttps://crm.example.com/activities/99"
    )
    item = read(calendar)
    assert item.tag == other
    assert item.fields.description == "Agenda:\n- budget"


def test_busy_again_ends_a_tentative_status() -> None:
    calendar = written(msgspec.structs.replace(FIELDS, show_as="tentative"))
    CODEC.update(calendar, "rdv1", FIELDS, ("show_as",), None)
    assert read(calendar).fields.show_as == "busy"


def test_an_update_of_an_event_not_there_is_false() -> None:
    assert not CODEC.update(written(FIELDS), "other@phone", FIELDS, ("title",), None)


# -- series ---------------------------------------------------------------------------------


def test_a_series_lists_each_occurrence_under_its_utc_recurrence_id() -> None:
    items = CODEC.items(series(), '"e"', WINDOW)
    assert [i.remote_id for i in items] == [
        "standup@phone:20261207T090000Z",
        "standup@phone:20261208T090000Z",
        "standup@phone:20261209T090000Z",
    ]
    assert all(i.series_id == "standup@phone" and i.etag == '"e"' for i in items)
    assert all(i.original_start == i.fields.start for i in items)
    assert items[1].fields.location == "Kitchen"


def test_updating_one_occurrence_makes_an_exception_of_it_only() -> None:
    calendar = series()
    second = CODEC.item(calendar, '"e"', "standup@phone:20261208T090000Z")
    assert second is not None
    later = second.fields.start + timedelta(hours=2)
    moved = msgspec.structs.replace(
        second.fields, title="Stand-up (late)", start=later, end=later + timedelta(minutes=15)
    )
    assert CODEC.update(
        calendar, second.remote_id, moved, ("title", "start", "end"), None, second.fields
    )
    assert starts(calendar) == {
        "standup@phone:20261207T090000Z": ("Stand-up", START),
        "standup@phone:20261208T090000Z": ("Stand-up (late)", later),
        "standup@phone:20261209T090000Z": ("Stand-up", START + timedelta(days=2)),
    }
    exception = [e for e in reparse(calendar).walk("VEVENT") if "RECURRENCE-ID" in e]
    assert len(exception) == 1
    # The exception copies the occurrence's other values, and names it in the
    # master's zone.
    assert str(exception[0]["LOCATION"]) == "Kitchen"
    assert exception[0]["RECURRENCE-ID"].dt == datetime(
        2026, 12, 8, 10, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert exception[0]["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert "RRULE" not in exception[0]

    # A second change of it changes that exception, not a new one.
    again = CODEC.item(reparse(calendar), '"e"', second.remote_id)
    assert again is not None
    CODEC.update(
        calendar,
        second.remote_id,
        msgspec.structs.replace(again.fields, location="Roof"),
        ("location",),
        None,
    )
    reread = reparse(calendar)
    assert len([e for e in reread.walk("VEVENT") if "RECURRENCE-ID" in e]) == 1
    final = CODEC.item(reread, '"e"', second.remote_id)
    assert final is not None
    assert (final.fields.title, final.fields.location, final.fields.start) == (
        "Stand-up (late)",
        "Roof",
        later,
    )


def test_cancelling_an_occurrence_adds_an_exdate_in_the_masters_zone() -> None:
    calendar = series()
    assert CODEC.cancel(calendar, "standup@phone:20261207T090000Z")
    master = the_event(reparse(calendar))
    exdate = master["EXDATE"]
    assert exdate.dts[0].dt == datetime(2026, 12, 7, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    assert exdate.params["TZID"] == "Europe/Berlin"
    assert set(starts(calendar)) == {
        "standup@phone:20261208T090000Z",
        "standup@phone:20261209T090000Z",
    }
    assert CODEC.item(reparse(calendar), '"e"', "standup@phone:20261207T090000Z") is None


def test_cancelling_an_edited_occurrence_drops_its_exception() -> None:
    calendar = series(
        "BEGIN:VEVENT",
        "UID:standup@phone",
        "DTSTAMP:20261101T000000Z",
        "RECURRENCE-ID;TZID=Europe/Berlin:20261208T100000",
        "DTSTART;TZID=Europe/Berlin:20261208T120000",
        "DTEND;TZID=Europe/Berlin:20261208T121500",
        "SUMMARY:Moved",
        "END:VEVENT",
    )
    assert starts(calendar)["standup@phone:20261208T090000Z"][0] == "Moved"
    assert CODEC.cancel(calendar, "standup@phone:20261208T090000Z")
    assert set(starts(calendar)) == {
        "standup@phone:20261207T090000Z",
        "standup@phone:20261209T090000Z",
    }
    assert len(list(reparse(calendar).walk("VEVENT"))) == 1


def test_cancelling_the_only_occurrence_a_resource_holds_leaves_nothing() -> None:
    # An invitation to one occurrence only: the resource holds just its exception.
    calendar = phone(
        "UID:weekly@boss",
        "RECURRENCE-ID:20261207T090000Z",
        "DTSTART:20261207T090000Z",
        "DTEND:20261207T100000Z",
        "SUMMARY:Weekly",
        "ORGANIZER:mailto:boss@example.org",
    )
    assert set(starts(calendar)) == {"weekly@boss:20261207T090000Z"}
    assert not CODEC.cancel(calendar, "weekly@boss:20261207T090000Z")


def test_an_all_day_series_has_date_recurrence_ids_and_date_exdates() -> None:
    calendar = phone(
        "UID:gym@phone",
        "DTSTART;VALUE=DATE:20261207",
        "DTEND;VALUE=DATE:20261208",
        "RRULE:FREQ=DAILY;COUNT=2",
        "SUMMARY:Gym day",
    )
    ids = set(starts(calendar))
    assert ids == {"gym@phone:20261207", "gym@phone:20261208"}
    assert CODEC.cancel(calendar, "gym@phone:20261207")
    assert the_event(reparse(calendar))["EXDATE"].dts[0].dt == date(2026, 12, 7)
    assert set(starts(calendar)) == {"gym@phone:20261208"}


def test_every_field_name_is_written_on_create() -> None:
    # A guard for EventFields growing a field the codec does not know.
    assert set(FIELD_NAMES) == {
        "title", "start", "end", "all_day", "location", "description", "guests", "show_as",
        "private",
    }  # fmt: skip
