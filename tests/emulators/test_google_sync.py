"""events.list in the Google Calendar emulator: full and incremental sync, paging,
time bounds, filters, deleted items and recurring series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.discovery import Resource
from googleapiclient.errors import HttpError

from tests.emulators.google import GoogleCalendarEmulator

CAL = "host@example.com"
# Monday 09:00 in New York, in EST; the series crosses the March DST change.
MONDAY = datetime(2031, 3, 3, 14, 0, tzinfo=UTC)


def full_sync(service: Resource, **params: Any) -> tuple[list[dict[str, Any]], str, int]:
    """All pages of a list; returns items, the sync token and the page count."""
    items: list[dict[str, Any]] = []
    page_token = None
    pages = 0
    while True:
        page = service.events().list(calendarId="primary", pageToken=page_token, **params).execute()
        pages += 1
        items += page["items"]
        page_token = page.get("nextPageToken")
        if page_token is None:
            return items, page["nextSyncToken"], pages
        assert "nextSyncToken" not in page


def weekly_series(emulator: GoogleCalendarEmulator, **extra: Any) -> dict[str, Any]:
    return emulator.add_event(
        CAL,
        id="series00001",
        summary="Standup",
        start={"dateTime": "2031-03-03T09:00:00", "timeZone": "America/New_York"},
        end={"dateTime": "2031-03-03T09:30:00", "timeZone": "America/New_York"},
        **extra,
    )


class TestFullAndIncrementalSync:
    def test_paging_then_incremental_changes_and_deletions(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        ids = [
            google_emulator.add_event(
                CAL,
                summary=f"e{i}",
                start=MONDAY + timedelta(days=i),
                end=MONDAY + timedelta(days=i, hours=1),
            )["id"]
            for i in range(5)
        ]

        items, token, pages = full_sync(google_service, maxResults=2)
        assert pages == 3
        assert [e["id"] for e in items] == ids

        google_emulator.edit_event(CAL, ids[0], summary="renamed")
        google_emulator.delete_event(CAL, ids[1])
        added = google_emulator.add_event(CAL, start=MONDAY, end=MONDAY + timedelta(hours=2))

        changes, next_token, _ = full_sync(google_service, syncToken=token)

        assert [e["id"] for e in changes] == [ids[0], ids[1], added["id"]]
        assert changes[0]["summary"] == "renamed"
        # A deletion comes back without showDeleted, carrying little beyond its id.
        assert changes[1]["status"] == "cancelled"
        assert "summary" not in changes[1]
        assert full_sync(google_service, syncToken=next_token)[0] == []

    def test_a_change_while_paging_comes_in_the_next_sync(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        for i in range(3):
            google_emulator.add_event(CAL, start=MONDAY, end=MONDAY + timedelta(hours=i + 1))
        first = google_service.events().list(calendarId="primary", maxResults=2).execute()
        late = google_emulator.add_event(CAL, start=MONDAY, end=MONDAY + timedelta(hours=9))
        last = (
            google_service.events()
            .list(calendarId="primary", maxResults=2, pageToken=first["nextPageToken"])
            .execute()
        )

        assert late["id"] not in [e["id"] for e in first["items"] + last["items"]]
        changes = full_sync(google_service, syncToken=last["nextSyncToken"])[0]
        assert [e["id"] for e in changes] == [late["id"]]

    def test_expired_sync_token_needs_a_full_sync(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        token = full_sync(google_service)[1]
        google_emulator.expire_sync_tokens()

        with pytest.raises(HttpError) as caught:
            google_service.events().list(calendarId="primary", syncToken=token).execute()

        assert caught.value.status_code == 410
        assert caught.value.error_details[0]["reason"] == "fullSyncRequired"

    def test_single_events_must_match_the_full_sync(self, google_service: Resource) -> None:
        token = full_sync(google_service, singleEvents=True)[1]

        with pytest.raises(HttpError) as caught:
            google_service.events().list(calendarId="primary", syncToken=token).execute()

        assert caught.value.status_code == 400

    def test_moved_event_leaves_one_calendar_and_enters_another(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        other = "team@group.calendar.google.com"
        google_emulator.add_calendar(other, "Team")
        event = google_emulator.add_event(CAL, start=MONDAY, end=MONDAY + timedelta(hours=1))
        source_token = full_sync(google_service)[1]
        target_token = google_service.events().list(calendarId=other).execute()["nextSyncToken"]

        google_emulator.move_event(CAL, event["id"], other)

        left = full_sync(google_service, syncToken=source_token)[0]
        entered = google_service.events().list(calendarId=other, syncToken=target_token).execute()
        assert [(e["id"], e["status"]) for e in left] == [(event["id"], "cancelled")]
        assert [(e["id"], e["status"]) for e in entered["items"]] == [(event["id"], "confirmed")]


class TestFilters:
    def test_time_bounds_are_exclusive(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        before = google_emulator.add_event(CAL, start=MONDAY - timedelta(hours=1), end=MONDAY)
        inside = google_emulator.add_event(CAL, start=MONDAY, end=MONDAY + timedelta(hours=1))
        after = google_emulator.add_event(
            CAL, start=MONDAY + timedelta(hours=1), end=MONDAY + timedelta(hours=2)
        )

        items = full_sync(
            google_service,
            timeMin=MONDAY.isoformat(),
            timeMax=(MONDAY + timedelta(hours=1)).isoformat(),
        )[0]

        # Ending exactly at timeMin or starting exactly at timeMax is outside.
        assert [e["id"] for e in items] == [inside["id"]]
        assert {before["id"], after["id"]}.isdisjoint(e["id"] for e in items)

    def test_all_day_events_cover_the_day_in_the_calendars_zone(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        day = google_emulator.add_event(CAL, start=date(2031, 3, 4), end=date(2031, 3, 5))

        on_the_day = full_sync(google_service, timeMin="2031-03-04T23:00:00Z")[0]
        day_after = full_sync(google_service, timeMin="2031-03-05T00:00:00Z")[0]

        assert [e["id"] for e in on_the_day] == [day["id"]]
        assert day_after == []

    def test_show_deleted_private_property_and_ical_uid(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        ours = google_emulator.add_event(
            CAL,
            start=MONDAY,
            end=MONDAY + timedelta(hours=1),
            iCalUID="booking-1@rendezvous",
            extendedProperties={"private": {"rendezvous": "booking-1"}},
        )
        theirs = google_emulator.add_event(CAL, start=MONDAY, end=MONDAY + timedelta(hours=1))
        gone = google_emulator.add_event(CAL, start=MONDAY, end=MONDAY + timedelta(hours=1))
        google_emulator.delete_event(CAL, gone["id"])

        assert [e["id"] for e in full_sync(google_service)[0]] == [ours["id"], theirs["id"]]
        with_deleted = full_sync(google_service, showDeleted=True)[0]
        assert [e["id"] for e in with_deleted] == [ours["id"], theirs["id"], gone["id"]]
        tagged = full_sync(google_service, privateExtendedProperty="rendezvous=booking-1")[0]
        assert [e["id"] for e in tagged] == [ours["id"]]
        by_uid = full_sync(google_service, iCalUID="booking-1@rendezvous")[0]
        assert [e["id"] for e in by_uid] == [ours["id"]]

    def test_max_results_is_clamped_to_2500(self, google_service: Resource) -> None:
        call = google_service.events().list(calendarId="primary", maxResults=9999)

        assert call.execute()["items"] == []


class TestRecurringSeries:
    def test_single_events_expands_rrule_with_exdate_and_exceptions(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        weekly_series(
            google_emulator,
            recurrence=[
                "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5",
                "EXDATE;TZID=America/New_York:20310317T090000",
            ],
        )
        # The user moves the 4th standup by an hour and deletes the 5th.
        google_emulator.edit_event(
            CAL,
            "series00001_20310324T130000Z",
            start={"dateTime": "2031-03-24T10:00:00-04:00"},
            end={"dateTime": "2031-03-24T10:30:00-04:00"},
        )
        google_emulator.delete_event(CAL, "series00001_20310331T130000Z")

        items = full_sync(google_service, singleEvents=True, orderBy="startTime")[0]

        # 09:00 New York is 14:00Z before the DST change of 9 March and 13:00Z after.
        assert [e["id"] for e in items] == [
            "series00001_20310303T140000Z",
            "series00001_20310310T130000Z",
            "series00001_20310324T130000Z",
        ]
        assert all(e["recurringEventId"] == "series00001" for e in items)
        assert items[0]["originalStartTime"] == {
            "dateTime": "2031-03-03T14:00:00Z",
            "timeZone": "America/New_York",
        }
        assert items[1]["start"]["dateTime"] == "2031-03-10T13:00:00Z"
        assert items[2]["start"]["dateTime"] == "2031-03-24T14:00:00Z"

        # Without singleEvents: the series and its modified instance, and (a
        # documented Google quirk) the cancelled instance even without showDeleted.
        masters = full_sync(google_service)[0]
        assert [(e["id"], e["status"]) for e in masters] == [
            ("series00001", "confirmed"),
            ("series00001_20310324T130000Z", "confirmed"),
            ("series00001_20310331T130000Z", "cancelled"),
        ]
        assert masters[2]["recurringEventId"] == "series00001"

    def test_all_day_series_instances_are_named_by_date(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        google_emulator.add_event(
            CAL,
            id="annual00001",
            start=date(2031, 1, 1),
            end=date(2031, 1, 2),
            recurrence=["RRULE:FREQ=YEARLY;UNTIL=20330101"],
        )

        items = full_sync(google_service, singleEvents=True)[0]

        assert [e["id"] for e in items] == [
            "annual00001_20310101",
            "annual00001_20320101",
            "annual00001_20330101",
        ]
        assert items[1]["originalStartTime"] == {"date": "2032-01-01"}
        assert items[1]["end"] == {"date": "2032-01-02"}

    def test_window_keeps_only_overlapping_instances(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        weekly_series(google_emulator, recurrence=["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"])

        items = full_sync(
            google_service,
            singleEvents=True,
            timeMin="2031-03-10T00:00:00Z",
            timeMax="2031-04-01T00:00:00Z",
        )[0]

        assert [e["id"] for e in items] == [
            "series00001_20310317T130000Z",
            "series00001_20310331T130000Z",
        ]

    def test_incremental_single_events_sync_reports_series_edits(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        weekly_series(google_emulator, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])
        token = full_sync(google_service, singleEvents=True)[1]

        google_emulator.edit_event(
            CAL,
            "series00001",
            recurrence=["RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE:20310310T130000Z"],
        )
        changes = full_sync(google_service, singleEvents=True, syncToken=token)[0]

        assert sorted((e["id"], e["status"]) for e in changes) == [
            ("series00001_20310303T140000Z", "confirmed"),
            ("series00001_20310310T130000Z", "cancelled"),
            ("series00001_20310317T130000Z", "confirmed"),
        ]

    def test_patching_an_instance_through_the_api_makes_an_exception(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        weekly_series(google_emulator, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])
        instance_id = "series00001_20310310T130000Z"

        patched = (
            google_service.events()
            .patch(calendarId="primary", eventId=instance_id, body={"summary": "Retro"})
            .execute()
        )
        instances = (
            google_service.events().instances(calendarId="primary", eventId="series00001").execute()
        )

        assert patched["recurringEventId"] == "series00001"
        assert [e["summary"] for e in instances["items"]] == ["Standup", "Retro", "Standup"]

    def test_recurring_event_needs_a_time_zone(self, google_service: Resource) -> None:
        body = {
            "start": {"dateTime": "2031-03-03T09:00:00Z"},
            "end": {"dateTime": "2031-03-03T10:00:00Z"},
            "recurrence": ["RRULE:FREQ=DAILY"],
        }

        with pytest.raises(HttpError) as caught:
            google_service.events().insert(calendarId="primary", body=body).execute()

        assert caught.value.status_code == 400
