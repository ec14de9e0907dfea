"""The Google Calendar emulator, driven by the real googleapiclient: calendars,
event writes with etags, request checking, errors and fault injection, free/busy."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from googleapiclient.discovery import Resource
from googleapiclient.errors import HttpError

from tests.emulators.google import GoogleCalendarEmulator

START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


def timed(start: datetime, minutes: int = 60) -> dict[str, Any]:
    end = start + timedelta(minutes=minutes)
    return {"start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()}}


def http_error(call: Any) -> HttpError:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value


class TestCalendarList:
    def test_primary_and_secondary_calendars_page(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        google_emulator.add_calendar(
            "team@group.calendar.google.com", "Team", time_zone="Europe/Paris"
        )
        google_emulator.add_calendar("rooms@group.calendar.google.com", "Rooms")

        first = google_service.calendarList().list(maxResults=2).execute()
        second = (
            google_service.calendarList()
            .list(maxResults=2, pageToken=first["nextPageToken"])
            .execute()
        )

        assert "nextSyncToken" not in first
        assert "nextPageToken" not in second
        assert "nextSyncToken" in second
        entries = {e["id"]: e for e in first["items"] + second["items"]}
        primary = entries["host@example.com"]
        assert primary["primary"] is True
        assert primary["accessRole"] == "owner"
        team = entries["team@group.calendar.google.com"]
        assert "primary" not in team
        assert team["summary"] == "Team"
        assert team["timeZone"] == "Europe/Paris"
        assert team["etag"].startswith('"')
        assert {"backgroundColor", "accessRole"} <= team.keys()

    def test_primary_alias_resolves_to_the_users_calendar(self, google_service: Resource) -> None:
        entry = google_service.calendarList().get(calendarId="primary").execute()

        assert entry["id"] == "host@example.com"


class TestEventWrites:
    def test_insert_get_patch_update_delete_with_etags(self, google_service: Resource) -> None:
        events = google_service.events()
        body = {"summary": "Demo", "description": "agenda", **timed(START)}
        body["extendedProperties"] = {"private": {"rendezvous": "1"}}
        created = events.insert(calendarId="primary", body=body, sendUpdates="none").execute()

        assert created["status"] == "confirmed"
        assert created["iCalUID"] == created["id"] + "@google.com"
        assert created["organizer"] == {"email": "host@example.com", "self": True}
        fetched = events.get(calendarId="primary", eventId=created["id"]).execute()
        assert fetched == created

        patched = events.patch(
            calendarId="primary",
            eventId=created["id"],
            body={"summary": "Demo v2", "extendedProperties": {"private": {"crm": "7"}}},
        ).execute()
        assert patched["description"] == "agenda"
        assert patched["extendedProperties"]["private"] == {"rendezvous": "1", "crm": "7"}
        assert patched["etag"] != created["etag"]
        assert patched["sequence"] == 0

        updated = events.update(
            calendarId="primary",
            eventId=created["id"],
            body={"summary": "Replaced", **timed(START + timedelta(hours=1))},
        ).execute()
        assert "description" not in updated
        assert updated["sequence"] == 1
        assert updated["created"] == created["created"]

        events.delete(calendarId="primary", eventId=created["id"]).execute()
        # A deleted event stays readable, cancelled; deleting it again is 410.
        gone = events.get(calendarId="primary", eventId=created["id"]).execute()
        assert gone["status"] == "cancelled"
        error = http_error(events.delete(calendarId="primary", eventId=created["id"]))
        assert error.status_code == 410
        assert error.error_details[0]["reason"] == "deleted"

    def test_if_match_mismatch_is_412(self, google_service: Resource) -> None:
        events = google_service.events()
        created = events.insert(calendarId="primary", body=timed(START)).execute()
        events.patch(calendarId="primary", eventId=created["id"], body={"summary": "x"}).execute()

        stale_patch = events.patch(
            calendarId="primary", eventId=created["id"], body={"summary": "mine"}
        )
        stale_patch.headers["If-Match"] = created["etag"]
        stale_delete = events.delete(calendarId="primary", eventId=created["id"])
        stale_delete.headers["If-Match"] = created["etag"]

        for call in (stale_patch, stale_delete):
            error = http_error(call)
            assert error.status_code == 412
            assert error.error_details[0]["reason"] == "conditionNotMet"
        current = events.get(calendarId="primary", eventId=created["id"]).execute()
        fresh = events.patch(calendarId="primary", eventId=created["id"], body={"summary": "ok"})
        fresh.headers["If-Match"] = current["etag"]
        assert fresh.execute()["summary"] == "ok"

    def test_client_chosen_id_is_idempotent(self, google_service: Resource) -> None:
        events = google_service.events()
        body = {"id": "rdv0000000001", **timed(START)}
        events.insert(calendarId="primary", body=body).execute()

        error = http_error(events.insert(calendarId="primary", body=body))
        assert error.status_code == 409
        assert error.error_details[0]["reason"] == "duplicate"

    @pytest.mark.parametrize("event_id", ["abc", "UPPERCASE1", "has-dash-1", "wxyz12345"])
    def test_client_chosen_id_must_be_base32hex(
        self, google_service: Resource, event_id: str
    ) -> None:
        error = http_error(
            google_service.events().insert(
                calendarId="primary", body={"id": event_id, **timed(START)}
            )
        )

        assert error.status_code == 400
        assert error.error_details[0]["reason"] == "invalid"

    def test_unknown_event_and_calendar_are_404(self, google_service: Resource) -> None:
        for call in (
            google_service.events().get(calendarId="primary", eventId="nosuchevent"),
            google_service.events().list(calendarId="nobody@example.com"),
        ):
            error = http_error(call)
            assert error.status_code == 404
            assert error.error_details[0]["reason"] == "notFound"

    def test_event_needs_a_time_range(self, google_service: Resource) -> None:
        backwards = {"start": timed(START)["end"], "end": timed(START)["start"]}
        error = http_error(google_service.events().insert(calendarId="primary", body=backwards))

        assert error.status_code == 400
        assert error.error_details[0]["reason"] == "timeRangeEmpty"

    def test_times_come_back_in_the_calendars_zone(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        google_emulator.add_calendar("paris@group.calendar.google.com", time_zone="Europe/Paris")
        created = (
            google_service.events()
            .insert(calendarId="paris@group.calendar.google.com", body=timed(START))
            .execute()
        )

        assert created["start"]["dateTime"] == "2031-03-03T10:00:00+01:00"


class TestRequestChecking:
    def test_unknown_parameter_is_400(self, google_service: Resource) -> None:
        call = google_service.events().list(calendarId="primary")
        call.uri += "&bogus=1"

        error = http_error(call)

        assert error.status_code == 400
        assert error.error_details[0]["reason"] == "badRequest"
        assert "bogus" in error.reason

    def test_bad_enum_value_is_400(self, google_service: Resource) -> None:
        call = google_service.events().list(calendarId="primary")
        call.uri += "&orderBy=random"

        assert http_error(call).status_code == 400

    def test_order_by_start_time_needs_single_events(self, google_service: Resource) -> None:
        error = http_error(google_service.events().list(calendarId="primary", orderBy="startTime"))

        assert error.status_code == 400
        assert error.error_details[0]["reason"] == "invalid"

    @pytest.mark.parametrize(
        "extra",
        [
            {"timeMin": "2031-01-01T00:00:00Z"},
            {"timeMax": "2031-01-01T00:00:00Z"},
            {"updatedMin": "2031-01-01T00:00:00Z"},
            {"q": "demo"},
            {"orderBy": "updated"},
            {"iCalUID": "x@google.com"},
            {"privateExtendedProperty": "rendezvous=1"},
        ],
    )
    def test_sync_token_forbids_filters(
        self, google_service: Resource, extra: dict[str, str]
    ) -> None:
        token = google_service.events().list(calendarId="primary").execute()["nextSyncToken"]

        error = http_error(
            google_service.events().list(calendarId="primary", syncToken=token, **extra)
        )

        assert error.status_code == 400
        assert error.error_details[0]["reason"] == "invalid"

    def test_missing_credentials_is_401(self, google_emulator: GoogleCalendarEmulator) -> None:
        url = google_emulator.api_endpoint + "users/me/calendarList"

        missing = requests.get(url, timeout=5)
        bogus = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5)

        assert missing.status_code == 401
        assert missing.json()["error"]["errors"][0]["reason"] == "required"
        assert bogus.status_code == 401
        assert bogus.json()["error"]["errors"][0]["reason"] == "authError"

    def test_read_only_scope_cannot_write(self, google_emulator: GoogleCalendarEmulator) -> None:
        readonly = google_emulator.credentials(
            ("https://www.googleapis.com/auth/calendar.readonly",)
        )
        service = google_emulator.build_service(readonly)

        service.events().list(calendarId="primary").execute()
        error = http_error(service.events().insert(calendarId="primary", body=timed(START)))

        assert error.status_code == 403
        assert error.error_details[0]["reason"] == "insufficientPermissions"

    def test_partial_response_with_fields(self, google_service: Resource) -> None:
        google_service.events().insert(calendarId="primary", body=timed(START)).execute()

        page = (
            google_service.events()
            .list(calendarId="primary", fields="items(id,status),nextSyncToken")
            .execute()
        )

        assert page.keys() == {"items", "nextSyncToken"}
        assert page["items"][0].keys() == {"id", "status"}


class TestFaults:
    @pytest.mark.parametrize(
        ("status", "reason", "domain"),
        [
            (429, "rateLimitExceeded", "usageLimits"),
            (403, "rateLimitExceeded", "usageLimits"),
            (403, "userRateLimitExceeded", "usageLimits"),
            (403, "quotaExceeded", "usageLimits"),
            (500, "backendError", "global"),
            (503, "backendError", "global"),
        ],
    )
    def test_next_requests_fail_then_recover(
        self,
        google_emulator: GoogleCalendarEmulator,
        google_service: Resource,
        status: int,
        reason: str,
        domain: str,
    ) -> None:
        google_emulator.fail_next(2, status, reason, "calendar.events.list", retry_after=3)

        # Other methods are untouched by a fault aimed at events.list.
        google_service.calendarList().list().execute()
        for _ in range(2):
            error = http_error(google_service.events().list(calendarId="primary"))
            assert error.status_code == status
            assert error.error_details[0]["reason"] == reason
            assert error.error_details[0]["domain"] == domain
            assert error.resp["retry-after"] == "3"
        google_service.events().list(calendarId="primary").execute()

    def test_requests_are_logged_per_calendar(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        google_emulator.add_calendar("team@group.calendar.google.com")
        google_emulator.fail_next(1, 500, "backendError")
        for calendar_id in ("primary", "primary", "team@group.calendar.google.com"):
            with contextlib.suppress(HttpError):
                google_service.events().list(calendarId=calendar_id).execute()

        assert google_emulator.count("calendar.events.list", "host@example.com") == 2
        assert google_emulator.count(calendar_id="team@group.calendar.google.com") == 1
        assert [r.status for r in google_emulator.requests] == [500, 200, 200]

    def test_latency_is_added(self, google_emulator: GoogleCalendarEmulator) -> None:
        google_emulator.set_latency(0.05)
        before = datetime.now(UTC)

        requests.get(google_emulator.api_endpoint + "colors", timeout=5)

        assert datetime.now(UTC) - before >= timedelta(seconds=0.05)


class TestFreeBusy:
    def test_busy_periods_merge_and_skip_free_events(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        cal = "host@example.com"
        google_emulator.add_event(cal, start=START, end=START + timedelta(hours=1))
        google_emulator.add_event(
            cal, start=START + timedelta(minutes=30), end=START + timedelta(hours=2)
        )
        google_emulator.add_event(
            cal,
            start=START + timedelta(hours=3),
            end=START + timedelta(hours=4),
            transparency="transparent",
        )
        google_emulator.add_event(
            cal,
            start=START + timedelta(hours=5),
            end=START + timedelta(hours=6),
            attendees=[{"email": cal, "responseStatus": "declined"}],
        )
        cancelled = google_emulator.add_event(
            cal, start=START + timedelta(hours=7), end=START + timedelta(hours=8)
        )
        google_emulator.delete_event(cal, cancelled["id"])
        google_emulator.add_event(
            cal, start=START + timedelta(hours=9), end=START + timedelta(hours=11)
        )

        answer = (
            google_service.freebusy()
            .query(
                body={
                    "timeMin": START.isoformat(),
                    "timeMax": (START + timedelta(hours=10)).isoformat(),
                    "items": [{"id": "primary"}, {"id": "ghost@example.com"}],
                }
            )
            .execute()
        )

        assert answer["calendars"]["primary"]["busy"] == [
            {"start": "2031-03-03T09:00:00Z", "end": "2031-03-03T11:00:00Z"},
            {"start": "2031-03-03T18:00:00Z", "end": "2031-03-03T19:00:00Z"},
        ]
        assert answer["calendars"]["ghost@example.com"] == {
            "errors": [{"domain": "global", "reason": "notFound"}],
            "busy": [],
        }

    @pytest.mark.parametrize(
        ("days", "calendars", "reason"),
        [
            (0, 1, "timeRangeEmpty"),
            (120, 1, "timeRangeTooLong"),
            (7, 51, "tooManyCalendarsRequested"),
        ],
    )
    def test_refused_queries(
        self, google_service: Resource, days: int, calendars: int, reason: str
    ) -> None:
        body = {
            "timeMin": START.isoformat(),
            "timeMax": (START + timedelta(days=days)).isoformat(),
            "items": [{"id": f"c{i}@example.com"} for i in range(calendars)],
        }

        error = http_error(google_service.freebusy().query(body=body))

        assert error.status_code == 400
        assert error.error_details[0]["reason"] == reason
