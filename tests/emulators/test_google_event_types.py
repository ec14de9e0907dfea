"""The Google emulator's event types, driven by the real googleapiclient: each type
comes back as Google sends it, events.list filters by ``eventTypes``, and each type's
restrictions are refused as Google refuses them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.discovery import Resource
from googleapiclient.errors import HttpError

from tests.emulators.google import GoogleCalendarEmulator
from tests.emulators.test_google_push import Receiver

CAL = "host@example.com"
TEAM = "team@group.calendar.google.com"
DAY = date(2031, 3, 11)
NINE = datetime(2031, 3, 11, 9, tzinfo=UTC)
WINDOW = {"timeMin": "2031-03-01T00:00:00Z", "timeMax": "2031-04-01T00:00:00Z"}


def hours(start: int, end: int) -> dict[str, Any]:
    return {
        "start": {"dateTime": NINE.replace(hour=start).isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": NINE.replace(hour=end).isoformat(), "timeZone": "UTC"},
    }


def all_day(first: date = DAY, days: int = 1) -> dict[str, Any]:
    return {
        "start": {"date": first.isoformat()},
        "end": {"date": (first + timedelta(days)).isoformat()},
    }


BODIES: dict[str, dict[str, Any]] = {
    "default": {"summary": "Planning", **hours(9, 10)},
    "outOfOffice": {
        "eventType": "outOfOffice",
        "summary": "Out of office",
        "outOfOfficeProperties": {
            "autoDeclineMode": "declineAllConflictingInvitations",
            "declineMessage": "Away until Thursday",
        },
        **hours(10, 12),
    },
    "focusTime": {
        "eventType": "focusTime",
        "summary": "Focus time",
        "focusTimeProperties": {"autoDeclineMode": "declineNone", "chatStatus": "doNotDisturb"},
        **hours(13, 14),
    },
    "workingLocation": {
        "eventType": "workingLocation",
        "summary": "Office",
        "workingLocationProperties": {
            "type": "officeLocation",
            "officeLocation": {"buildingId": "HQ", "label": "HQ"},
        },
        **all_day(),
    },
    "birthday": {
        "eventType": "birthday",
        "summary": "Grace's birthday",
        "recurrence": ["RRULE:FREQ=YEARLY"],
        **all_day(),
    },
}


def reason(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.status_code, caught.value.error_details[0]["reason"]


def listed(service: Resource, **params: Any) -> list[dict[str, Any]]:
    return service.events().list(calendarId=CAL, singleEvents=True, **params).execute()["items"]  # type: ignore[no-any-return]


@pytest.fixture
def every_type(
    google_emulator: GoogleCalendarEmulator, google_service: Resource
) -> dict[str, dict[str, Any]]:
    created = {
        name: google_service.events().insert(calendarId=CAL, body=body).execute()
        for name, body in BODIES.items()
    }
    # Gmail puts a flight in the calendar; the API could not.
    created["fromGmail"] = google_emulator.add_event(
        CAL, eventType="fromGmail", summary="Flight", start=NINE.replace(hour=15),
        end=NINE.replace(hour=17),
    )  # fmt: skip
    return created


class TestEventTypesAsGoogleSendsThem:
    def test_each_type_carries_its_fields(self, every_type: dict[str, dict[str, Any]]) -> None:
        assert {name: e["eventType"] for name, e in every_type.items()} == {
            name: name for name in every_type
        }
        birthday = every_type["birthday"]
        assert (birthday["transparency"], birthday["visibility"]) == ("transparent", "private")
        assert birthday["birthdayProperties"] == {"type": "birthday"}
        location = every_type["workingLocation"]
        assert (location["transparency"], location["visibility"]) == ("transparent", "public")
        assert location["workingLocationProperties"]["officeLocation"]["label"] == "HQ"
        assert every_type["outOfOffice"]["outOfOfficeProperties"]["declineMessage"] == (
            "Away until Thursday"
        )
        assert every_type["focusTime"]["focusTimeProperties"]["chatStatus"] == "doNotDisturb"
        # Opaque is Google's default, so it is left out, as Google leaves it out.
        for name in ("default", "outOfOffice", "focusTime", "fromGmail"):
            assert "transparency" not in every_type[name]

    def test_without_event_types_every_type_is_listed(
        self, every_type: dict[str, dict[str, Any]], google_service: Resource
    ) -> None:
        items = listed(google_service, **WINDOW)

        assert sorted(e["eventType"] for e in items) == sorted(every_type)
        birthday = next(e for e in items if e["eventType"] == "birthday")
        # Listed as the instance of its yearly series.
        assert birthday["recurringEventId"] == every_type["birthday"]["id"]
        assert birthday["start"] == {"date": DAY.isoformat()}

    @pytest.mark.parametrize(
        "wanted",
        [["birthday"], ["default", "focusTime", "outOfOffice"], ["workingLocation", "fromGmail"]],
    )
    def test_event_types_keeps_only_those_types(
        self, every_type: dict[str, dict[str, Any]], google_service: Resource, wanted: list[str]
    ) -> None:
        items = listed(google_service, eventTypes=wanted, **WINDOW)

        assert sorted(e["eventType"] for e in items) == sorted(wanted)

    def test_event_types_filter_incremental_sync_deletions_included(
        self,
        every_type: dict[str, dict[str, Any]],
        google_emulator: GoogleCalendarEmulator,
        google_service: Resource,
    ) -> None:
        wanted = ["default", "outOfOffice"]
        first = (
            google_service.events()
            .list(calendarId=CAL, singleEvents=True, eventTypes=wanted)
            .execute()
        )
        google_emulator.delete_event(CAL, every_type["focusTime"]["id"])
        google_emulator.delete_event(CAL, every_type["outOfOffice"]["id"])
        google_emulator.edit_event(CAL, every_type["birthday"]["id"], summary="Grace turns 40")

        changes = (
            google_service.events()
            .list(
                calendarId=CAL,
                singleEvents=True,
                eventTypes=wanted,
                syncToken=first["nextSyncToken"],
            )
            .execute()
        )

        assert [(e["id"], e["status"]) for e in changes["items"]] == [
            (every_type["outOfOffice"]["id"], "cancelled")
        ]

    def test_an_unknown_event_type_is_refused(self, google_service: Resource) -> None:
        # googleapiclient checks the enum itself; a hand-made URL reaches the server.
        call = google_service.events().list(calendarId=CAL, eventTypes=["default"])
        call.uri += "&eventTypes=holiday"

        assert reason(call) == (400, "invalid")

    def test_free_busy_skips_the_markers_and_counts_absence(
        self, every_type: dict[str, dict[str, Any]], google_service: Resource
    ) -> None:
        body = {**WINDOW, "items": [{"id": CAL}]}
        body["timeMax"] = "2031-03-20T00:00:00Z"

        busy = google_service.freebusy().query(body=body).execute()["calendars"][CAL]["busy"]

        # 09-10 meeting + 10-12 out of office, 13-14 focus, 15-17 flight; the all-day
        # working location and birthday are transparent.
        assert busy == [
            {"start": "2031-03-11T09:00:00Z", "end": "2031-03-11T12:00:00Z"},
            {"start": "2031-03-11T13:00:00Z", "end": "2031-03-11T14:00:00Z"},
            {"start": "2031-03-11T15:00:00Z", "end": "2031-03-11T17:00:00Z"},
        ]

    def test_a_watch_with_event_types_hears_only_those_types(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        receiver = Receiver()
        try:
            body = {"id": "channel-1", "type": "web_hook", "address": receiver.address}
            google_service.events().watch(
                calendarId=CAL, body=body, eventTypes=["default", "outOfOffice"]
            ).execute()
            assert receiver.next()["x-goog-resource-state"] == "sync"

            google_service.events().insert(calendarId=CAL, body=BODIES["birthday"]).execute()
            google_service.events().insert(calendarId=CAL, body=BODIES["focusTime"]).execute()
            google_service.events().insert(calendarId=CAL, body=BODIES["outOfOffice"]).execute()

            heard = receiver.next()
            assert (heard["x-goog-resource-state"], heard["x-goog-message-number"]) == (
                "exists",
                "2",
            )
            assert receiver.received.empty()
        finally:
            receiver.close()


class TestRestrictions:
    @pytest.mark.parametrize(
        "body",
        [
            pytest.param({**BODIES["default"], "eventType": "fromGmail"}, id="fromGmail by API"),
            pytest.param({**BODIES["birthday"], **all_day(days=2)}, id="two-day birthday"),
            pytest.param({**BODIES["birthday"], **hours(9, 10)}, id="timed birthday"),
            pytest.param({**BODIES["birthday"], "recurrence": []}, id="birthday once"),
            pytest.param(
                {**BODIES["birthday"], "transparency": "opaque"}, id="birthday that blocks"
            ),
            pytest.param(
                {**BODIES["birthday"], "birthdayProperties": {"type": "anniversary"}},
                id="anniversary by API",
            ),
            pytest.param({**BODIES["outOfOffice"], **all_day()}, id="all-day out of office"),
            pytest.param({**BODIES["focusTime"], **all_day()}, id="all-day focus time"),
            pytest.param(
                {**BODIES["workingLocation"], "workingLocationProperties": {}},
                id="working location without a type",
            ),
            pytest.param(
                {**BODIES["workingLocation"], "transparency": "opaque"},
                id="working location that blocks",
            ),
            pytest.param(
                {**BODIES["default"], "focusTimeProperties": {"chatStatus": "available"}},
                id="another type's properties",
            ),
        ],
    )
    def test_refused_as_google_refuses(
        self, google_service: Resource, body: dict[str, Any]
    ) -> None:
        assert reason(google_service.events().insert(calendarId=CAL, body=body)) == (
            400,
            "eventTypeRestriction",
        )

    @pytest.mark.parametrize("name", ["outOfOffice", "focusTime", "workingLocation"])
    def test_status_events_live_on_the_primary_calendar_only(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource, name: str
    ) -> None:
        google_emulator.add_calendar(TEAM, "Team")

        insert = google_service.events().insert(calendarId=TEAM, body=BODIES[name])

        assert reason(insert) == (400, "eventTypeRestriction")

    def test_the_type_never_changes(self, google_service: Resource) -> None:
        created = google_service.events().insert(calendarId=CAL, body=BODIES["default"]).execute()

        patch = google_service.events().patch(
            calendarId=CAL, eventId=created["id"], body={"eventType": "focusTime"}
        )

        assert reason(patch) == (400, "eventTypeRestriction")

    def test_a_working_location_may_span_hours(self, google_service: Resource) -> None:
        body = {**BODIES["workingLocation"], **hours(9, 13)}
        body["workingLocationProperties"] = {"type": "homeOffice", "homeOffice": {}}

        created = google_service.events().insert(calendarId=CAL, body=body).execute()

        assert created["start"]["dateTime"] == "2031-03-11T09:00:00Z"
        assert created["transparency"] == "transparent"
