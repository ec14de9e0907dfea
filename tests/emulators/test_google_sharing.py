"""The Google Calendar emulator on what two-way sync runs into: a guest's copy of
someone else's event, a calendar shared read-only, the e-mails ``sendUpdates``
sends, private extended properties, and an id that a deleted event keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.discovery import Resource
from googleapiclient.errors import HttpError

from tests.emulators.google import GoogleCalendarEmulator

START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
HOST = "host@example.com"


def timed(start: datetime = START, minutes: int = 60) -> dict[str, Any]:
    end = start + timedelta(minutes=minutes)
    return {"start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()}}


def refused(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.status_code, caught.value.error_details[0]["reason"]


class TestGuestCopy:
    @pytest.fixture
    def invitation(self, google_emulator: GoogleCalendarEmulator) -> dict[str, Any]:
        return google_emulator.add_event(
            HOST,
            organizer="boss@example.org",
            summary="Their meeting",
            attendees=[
                {"email": "boss@example.org", "organizer": True, "responseStatus": "accepted"},
                {"email": HOST, "responseStatus": "needsAction"},
            ],
            start=START,
            end=START + timedelta(hours=1),
        )

    def test_it_names_the_organiser_and_marks_the_host_as_self(
        self, invitation: dict[str, Any]
    ) -> None:
        assert invitation["organizer"] == {"email": "boss@example.org"}
        assert [a.get("self", False) for a in invitation["attendees"]] == [False, True]

    def test_shared_properties_are_the_organisers(
        self, google_service: Resource, invitation: dict[str, Any]
    ) -> None:
        events = google_service.events()
        for body in (
            {"summary": "Mine now"},
            timed(START + timedelta(hours=3)),
            {"extendedProperties": {"shared": {"k": "v"}}},
            {"attendees": [{"email": HOST, "responseStatus": "accepted"}]},
        ):
            call = events.patch(calendarId=HOST, eventId=invitation["id"], body=body)
            assert refused(call) == (403, "forbiddenForNonOrganizer")

    def test_the_guest_answers_and_keeps_private_notes(
        self, google_service: Resource, invitation: dict[str, Any]
    ) -> None:
        attendees = [dict(a) for a in invitation["attendees"]]
        attendees[1]["responseStatus"] = "accepted"
        patched = (
            google_service.events()
            .patch(
                calendarId=HOST,
                eventId=invitation["id"],
                body={
                    "attendees": attendees,
                    "transparency": "transparent",
                    "extendedProperties": {"private": {"note": "bring slides"}},
                },
            )
            .execute()
        )
        assert patched["attendees"][1]["responseStatus"] == "accepted"
        assert patched["extendedProperties"]["private"] == {"note": "bring slides"}

    def test_guests_may_change_an_event_that_lets_them(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        shared = google_emulator.add_event(
            HOST, organizer="boss@example.org", guestsCanModify=True, summary="Ours", **timed()
        )
        patched = (
            google_service.events()
            .patch(calendarId=HOST, eventId=shared["id"], body={"summary": "Renamed"})
            .execute()
        )
        assert patched["summary"] == "Renamed"


class TestReadOnlyCalendar:
    def test_a_reader_reads_but_writes_nothing(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        event = google_emulator.add_event(HOST, summary="Shared", **timed())
        google_emulator.set_access_role(HOST, "reader")
        events = google_service.events()

        assert events.get(calendarId=HOST, eventId=event["id"]).execute()["summary"] == "Shared"
        for call in (
            events.insert(calendarId=HOST, body={"summary": "New", **timed()}),
            events.patch(calendarId=HOST, eventId=event["id"], body={"summary": "x"}),
            events.delete(calendarId=HOST, eventId=event["id"]),
        ):
            assert refused(call) == (403, "requiredAccessLevel")
        assert google_emulator.event(HOST, event["id"])["status"] == "confirmed"


class TestNotifications:
    GUESTS = [
        {"email": HOST},
        {"email": "colleague@example.com"},
        {"email": "ada@elsewhere.org"},
    ]

    def test_none_and_the_default_send_nothing(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        events = google_service.events()
        body = {"summary": "Quiet", "attendees": self.GUESTS, **timed()}
        made = events.insert(calendarId=HOST, body=body, sendUpdates="none").execute()
        events.insert(calendarId=HOST, body=body).execute()
        events.patch(
            calendarId=HOST, eventId=made["id"], body={"summary": "Still quiet"}, sendUpdates="none"
        ).execute()
        assert google_emulator.notifications == []

    def test_all_mails_every_guest_but_the_host(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        events = google_service.events()
        body = {"summary": "Loud", "attendees": self.GUESTS, **timed()}
        made = events.insert(calendarId=HOST, body=body, sendUpdates="all").execute()
        events.delete(calendarId=HOST, eventId=made["id"], sendUpdates="externalOnly").execute()

        sent = google_emulator.notifications
        assert [(n.method_id, n.recipients) for n in sent] == [
            ("calendar.events.insert", ("colleague@example.com", "ada@elsewhere.org")),
            ("calendar.events.delete", ("ada@elsewhere.org",)),
        ]


class TestIdsAndProperties:
    def test_private_properties_are_stored_and_merged_by_a_patch(
        self, google_service: Resource
    ) -> None:
        events = google_service.events()
        made = events.insert(
            calendarId=HOST,
            body={"summary": "Tagged", "extendedProperties": {"private": {"a": "1"}}, **timed()},
        ).execute()
        patched = events.patch(
            calendarId=HOST,
            eventId=made["id"],
            body={"extendedProperties": {"private": {"b": "2"}}},
        ).execute()
        assert patched["extendedProperties"]["private"] == {"a": "1", "b": "2"}

    def test_a_deleted_events_id_stays_taken_until_the_event_is_revived(
        self, google_service: Resource
    ) -> None:
        events = google_service.events()
        body = {"id": "rdv0123456789", "summary": "First", **timed()}
        made = events.insert(calendarId=HOST, body=body).execute()
        events.delete(calendarId=HOST, eventId=made["id"]).execute()

        assert refused(events.insert(calendarId=HOST, body=body)) == (409, "duplicate")
        gone = events.get(calendarId=HOST, eventId=made["id"]).execute()
        assert gone["status"] == "cancelled"
        revived = events.update(
            calendarId=HOST,
            eventId=made["id"],
            body={**body, "summary": "Again", "status": "confirmed"},
        ).execute()
        assert (revived["status"], revived["summary"]) == ("confirmed", "Again")
        listed = events.list(calendarId=HOST).execute()["items"]
        assert [e["summary"] for e in listed] == ["Again"]
