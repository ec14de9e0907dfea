"""Microsoft Graph calendars and events in the emulator, with plain requests and httpx:
authentication and scopes, calendars, event writes with If-Match, time zones, and the
requests Graph refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.emulators.microsoft import MicrosoftGraphEmulator

READ_ONLY = ("Calendars.Read",)
MONDAY = datetime(2031, 3, 3, 14, 0, tzinfo=UTC)
WINDOW = {"startDateTime": "2031-03-01T00:00:00Z", "endDateTime": "2031-04-01T00:00:00Z"}


def error_of(answer: requests.Response) -> dict[str, Any]:
    error: dict[str, Any] = answer.json()["error"]
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
    return error


def event_body(**fields: Any) -> dict[str, Any]:
    return {
        "subject": "Planning",
        "start": {"dateTime": "2031-03-03T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2031-03-03T10:00:00", "timeZone": "W. Europe Standard Time"},
        **fields,
    }


@pytest.fixture
def graph(microsoft_emulator: MicrosoftGraphEmulator) -> requests.Session:
    return microsoft_emulator.graph_session()


class TestAuthentication:
    def test_missing_malformed_and_expired_tokens(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        session = ms.http_session()
        url = ms.graph_url + "/me/calendars"
        token = ms.bearer()

        missing = session.get(url, timeout=5)
        malformed = session.get(url, headers={"Authorization": "Bearer nonsense"}, timeout=5)
        ms.expire_access_tokens()
        expired = session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)

        for answer in (missing, malformed, expired):
            assert answer.status_code == 401
            assert error_of(answer)["code"] == "InvalidAuthenticationToken"
        assert error_of(missing)["message"] == "Access token is empty."
        assert missing.headers["WWW-Authenticate"].startswith("Bearer ")
        assert "expired" in error_of(expired)["message"]

    def test_authentication_comes_before_any_lookup(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        answer = microsoft_emulator.http_session().get(
            microsoft_emulator.graph_url + "/me/events/AAMkADnope", timeout=5
        )

        assert answer.status_code == 401

    def test_scopes_are_enforced(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        ms = microsoft_emulator
        reader = ms.graph_session(READ_ONLY)

        me = reader.get(ms.graph_url + "/me", timeout=5)
        listed = reader.get(ms.graph_url + "/me/calendars", timeout=5)
        created = reader.post(ms.graph_url + "/me/events", json=event_body(), timeout=5)

        assert me.status_code == 403
        assert error_of(me)["code"] == "Authorization_RequestDenied"
        assert listed.status_code == 200
        assert created.status_code == 403
        assert error_of(created)["code"] == "ErrorAccessDenied"
        assert ms.calendar_view(None, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1)) == []


class TestCalendars:
    def test_list_and_get_calendars_with_their_fields(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        shared = ms.add_calendar(
            "Team",
            color="lightGreen",
            hex_color="#87d28e",
            can_edit=False,
            owner=("Tom Team", "team@contoso.example"),
        )

        calendars = graph.get(ms.graph_url + "/me/calendars", timeout=5).json()["value"]
        one = graph.get(f"{ms.graph_url}/me/calendars/{shared['id']}", timeout=5).json()
        default = graph.get(ms.graph_url + "/me/calendar", timeout=5).json()

        assert [(c["name"], c["isDefaultCalendar"], c["canEdit"]) for c in calendars] == [
            ("Calendar", True, True),
            ("Team", False, False),
        ]
        assert one["owner"] == {"name": "Tom Team", "address": "team@contoso.example"}
        assert (one["color"], one["hexColor"]) == ("lightGreen", "#87d28e")
        assert one["changeKey"]
        assert default["id"] == ms.default_calendar_id

    def test_unknown_and_malformed_calendar_ids(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        unknown = graph.get(microsoft_emulator.graph_url + "/me/calendars/AAMkAGCzzzz", timeout=5)
        malformed = graph.get(microsoft_emulator.graph_url + "/me/calendars/bogus", timeout=5)

        assert (unknown.status_code, error_of(unknown)["code"]) == (404, "ErrorItemNotFound")
        assert (malformed.status_code, error_of(malformed)["code"]) == (
            400,
            "ErrorInvalidIdMalformed",
        )

    def test_create_a_calendar(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        url = microsoft_emulator.graph_url + "/me/calendars"

        created = graph.post(url, json={"name": "Bookings"}, timeout=5)
        duplicate = graph.post(url, json={"name": "bookings"}, timeout=5)

        assert created.status_code == 201
        assert created.json()["name"] == "Bookings"
        assert duplicate.status_code == 409

    def test_writing_to_a_read_only_shared_calendar_is_denied(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        shared = microsoft_emulator.add_calendar("Boss", can_edit=False)

        answer = graph.post(
            f"{microsoft_emulator.graph_url}/me/calendars/{shared['id']}/events",
            json=event_body(),
            timeout=5,
        )

        assert answer.status_code == 403
        assert error_of(answer)["code"] == "ErrorAccessDenied"


class TestEventWrites:
    def test_create_read_update_delete(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        created = graph.post(
            f"{ms.graph_url}/me/calendars/{ms.default_calendar_id}/events",
            json=event_body(showAs="tentative", sensitivity="private"),
            timeout=5,
        )
        assert created.status_code == 201
        event = created.json()
        assert event["type"] == "singleInstance"
        assert (event["showAs"], event["sensitivity"], event["isCancelled"]) == (
            "tentative",
            "private",
            False,
        )
        assert event["@odata.etag"] == f'W/"{event["changeKey"]}"'
        assert event["iCalUId"].startswith("040000008200E00074C5B7101A82E008")
        # Times come back in UTC by default; the zone the client wrote is kept.
        assert event["start"] == {"dateTime": "2031-03-03T08:00:00.0000000", "timeZone": "UTC"}
        assert event["originalStartTimeZone"] == "W. Europe Standard Time"

        url = f"{ms.graph_url}/me/events/{event['id']}"
        patched = graph.patch(
            url, json={"subject": "Moved"}, headers={"If-Match": event["@odata.etag"]}, timeout=5
        )
        assert patched.status_code == 200
        assert patched.json()["subject"] == "Moved"
        assert patched.json()["changeKey"] != event["changeKey"]
        assert graph.get(url, timeout=5).json()["subject"] == "Moved"

        assert graph.delete(url, timeout=5).status_code == 204
        gone = graph.get(url, timeout=5)
        assert (gone.status_code, error_of(gone)["code"]) == (404, "ErrorItemNotFound")
        assert graph.delete(url, timeout=5).status_code == 404

    def test_attendees_and_calendar_scoped_paths(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        team = ms.add_calendar("Team")["id"]
        created = graph.post(
            f"{ms.graph_url}/me/calendars/{team}/events",
            json=event_body(
                attendees=[
                    {"emailAddress": {"address": "ann@example.com", "name": "Ann"}},
                    {"emailAddress": {"address": "room@example.com"}, "type": "resource"},
                ]
            ),
            timeout=5,
        ).json()

        in_team = graph.get(f"{ms.graph_url}/me/calendars/{team}/events", timeout=5).json()
        in_default = graph.get(f"{ms.graph_url}/me/events", timeout=5).json()
        by_id = graph.get(f"{ms.graph_url}/me/events/{created['id']}", timeout=5)
        elsewhere = graph.get(
            f"{ms.graph_url}/me/calendars/{ms.default_calendar_id}/events/{created['id']}",
            timeout=5,
        )

        assert created["attendees"] == [
            {
                "type": "required",
                "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                "emailAddress": {"name": "Ann", "address": "ann@example.com"},
            },
            {
                "type": "resource",
                "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                "emailAddress": {"name": "room@example.com", "address": "room@example.com"},
            },
        ]
        assert created["organizer"]["emailAddress"]["address"] == ms.user_email
        assert [e["id"] for e in in_team["value"]] == [created["id"]]
        # /me/events lists the default calendar; an id reaches any calendar's event.
        assert in_default["value"] == []
        assert by_id.status_code == 200
        assert elsewhere.status_code == 404

    def test_a_stale_etag_is_412(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        event = ms.add_event(start=MONDAY, end=MONDAY + timedelta(hours=1), subject="Old")
        ms.edit_event(event["id"], subject="Changed in Outlook")
        url = f"{ms.graph_url}/me/events/{event['id']}"
        stale = {"If-Match": event["@odata.etag"]}

        patched = graph.patch(url, json={"subject": "Mine"}, headers=stale, timeout=5)
        deleted = graph.delete(url, headers=stale, timeout=5)

        for answer in (patched, deleted):
            assert answer.status_code == 412
            assert error_of(answer)["code"] == "ErrorIrresolvableConflict"
        assert ms.event(event["id"])["subject"] == "Changed in Outlook"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            (event_body(colour="red"), "RequestBodyRead"),
            (event_body(showAs="away"), "RequestBodyRead"),
            (
                event_body(attendees=[{"emailAddress": {"address": "nobody"}}]),
                "ErrorInvalidRecipients",
            ),
            ({"subject": "no times"}, "ErrorInvalidRequest"),
            (
                event_body(end={"dateTime": "2031-03-03T07:00:00", "timeZone": "UTC"}),
                "ErrorInvalidRequest",
            ),
            (
                event_body(start={"dateTime": "2031-03-03T09:00:00", "timeZone": "Mars/Olympus"}),
                "TimeZoneNotSupportedException",
            ),
            (event_body(isAllDay=True), "ErrorInvalidRequest"),
            (
                event_body(
                    recurrence={
                        "pattern": {"type": "weekly", "interval": 1},
                        "range": {"type": "noEnd", "startDate": "2031-03-03"},
                    }
                ),
                "ErrorInvalidRequest",
            ),
        ],
    )
    def test_invalid_events_are_refused(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        body: dict[str, Any],
        code: str,
    ) -> None:
        answer = graph.post(microsoft_emulator.graph_url + "/me/events", json=body, timeout=5)

        assert answer.status_code == 400
        assert error_of(answer)["code"] == code

    def test_a_body_that_is_not_json(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        answer = graph.post(
            microsoft_emulator.graph_url + "/me/events",
            data=b"{nope",
            headers={"Content-Type": "application/json"},
            timeout=5,
        )

        assert (answer.status_code, error_of(answer)["code"]) == (400, "BadRequest")

    def test_read_only_properties_are_ignored_on_write(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        answer = graph.post(
            microsoft_emulator.graph_url + "/me/events",
            json=event_body(id="AAMkADmine", type="occurrence", isCancelled=True),
            timeout=5,
        )

        assert answer.status_code == 201
        event = answer.json()
        assert event["id"] != "AAMkADmine"
        assert (event["type"], event["isCancelled"]) == ("singleInstance", False)


class TestTimeZones:
    def test_prefer_outlook_timezone(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        event = ms.add_event(
            start=datetime(2031, 7, 1, 9, tzinfo=ZoneInfo("Europe/Berlin")),
            end=datetime(2031, 7, 1, 10, tzinfo=ZoneInfo("Europe/Berlin")),
        )
        url = f"{ms.graph_url}/me/events/{event['id']}"

        pacific = graph.get(
            url, headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'}, timeout=5
        )
        iana = graph.get(url, headers={"Prefer": 'outlook.timezone="Asia/Tokyo"'}, timeout=5)
        default = graph.get(url, timeout=5)

        assert pacific.json()["start"] == {
            "dateTime": "2031-07-01T00:00:00.0000000",
            "timeZone": "Pacific Standard Time",
        }
        assert pacific.headers["Preference-Applied"] == 'outlook.timezone="Pacific Standard Time"'
        assert iana.json()["end"]["dateTime"] == "2031-07-01T17:00:00.0000000"
        assert default.json()["start"]["timeZone"] == "UTC"
        assert default.json()["originalStartTimeZone"] == "Europe/Berlin"

    def test_all_day_events_float(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        event = ms.add_event(start=date(2031, 3, 4), end=date(2031, 3, 5), subject="Off")

        shown = graph.get(
            f"{ms.graph_url}/me/events/{event['id']}",
            headers={"Prefer": 'outlook.timezone="Tokyo Standard Time"'},
            timeout=5,
        ).json()

        assert shown["isAllDay"] is True
        assert shown["start"] == {
            "dateTime": "2031-03-04T00:00:00.0000000",
            "timeZone": "Tokyo Standard Time",
        }
        assert shown["end"]["dateTime"] == "2031-03-05T00:00:00.0000000"


class TestCalendarView:
    def test_window_overlap_and_paging(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        ms.add_event(start=MONDAY - timedelta(hours=1), end=MONDAY, subject="before")
        inside = [
            ms.add_event(
                start=MONDAY + timedelta(hours=i), end=MONDAY + timedelta(hours=i, minutes=30)
            )["id"]
            for i in range(5)
        ]
        ms.add_event(
            start=MONDAY + timedelta(days=1), end=MONDAY + timedelta(days=2), subject="after"
        )
        window = {
            "startDateTime": MONDAY.isoformat(),
            "endDateTime": (MONDAY + timedelta(days=1)).isoformat(),
        }

        seen: list[str] = []
        url: str | None = microsoft_emulator.graph_url + "/me/calendarView"
        params: dict[str, str] | None = window
        pages = 0
        while url:
            page = graph.get(
                url, params=params, headers={"Prefer": "odata.maxpagesize=2"}, timeout=5
            ).json()
            seen += [e["id"] for e in page["value"]]
            url, params, pages = page.get("@odata.nextLink"), None, pages + 1

        # Ending exactly at the window's start, or starting at its end, is outside.
        assert seen == inside
        assert pages == 3

    def test_top_and_select(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        for i in range(3):
            ms.add_event(start=MONDAY + timedelta(hours=i), end=MONDAY + timedelta(hours=i + 1))

        page = graph.get(
            ms.graph_url + "/me/calendarView",
            params={**WINDOW, "$top": "2", "$select": "subject,showAs"},
            timeout=5,
        ).json()

        assert len(page["value"]) == 2
        assert set(page["value"][0]) == {"@odata.etag", "id", "subject", "showAs"}
        assert "$skip=2" in page["@odata.nextLink"]

    def test_the_window_is_required(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        missing = graph.get(microsoft_emulator.graph_url + "/me/calendarView", timeout=5)
        reversed_ = graph.get(
            microsoft_emulator.graph_url + "/me/calendarView",
            params={"startDateTime": WINDOW["endDateTime"], "endDateTime": WINDOW["startDateTime"]},
            timeout=5,
        )

        for answer in (missing, reversed_):
            assert (answer.status_code, error_of(answer)["code"]) == (
                400,
                "ErrorInvalidParameter",
            )

    def test_httpx_reads_the_view_too(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        ms = microsoft_emulator
        ms.add_event(start=MONDAY, end=MONDAY + timedelta(hours=1), subject="httpx")

        with ms.httpx_client(headers={"Authorization": "Bearer " + ms.bearer(READ_ONLY)}) as client:
            answer = client.get(
                f"{ms.graph_url}/me/calendars/{ms.default_calendar_id}/calendarView",
                params=WINDOW,
            )

        assert [e["subject"] for e in answer.json()["value"]] == ["httpx"]


class TestRefusedRequests:
    @pytest.mark.parametrize(
        ("method", "path", "status", "code"),
        [
            ("GET", "/me/mailFolders", 400, "BadRequest"),
            (
                "GET",
                "/me/calendarView?$filter=showAs eq 'busy'&"
                + "startDateTime=2031-03-01&endDateTime=2031-03-02",
                501,
                "NotImplemented",
            ),
            ("GET", "/me/events?$bogus=1", 400, "BadRequest"),
            ("PUT", "/me/calendars", 405, "BadRequest"),
            ("GET", "/me/calendar/events/delta", 400, "BadRequest"),
            ("GET", "/users/someone@else.example/calendars", 404, "Request_ResourceNotFound"),
            ("GET", "/me/events/not-an-id", 400, "ErrorInvalidIdMalformed"),
        ],
    )
    def test_graph_refuses(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        method: str,
        path: str,
        status: int,
        code: str,
    ) -> None:
        answer = graph.request(method, microsoft_emulator.graph_url + path, timeout=5)

        assert answer.status_code == status
        assert error_of(answer)["code"] == code

    def test_unknown_segment_message_and_beta(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        unknown = graph.get(microsoft_emulator.graph_url + "/me/todo", timeout=5)
        beta = graph.get(microsoft_emulator.base_url + "/beta/me/events", timeout=5)

        assert error_of(unknown)["message"] == "Resource not found for the segment 'todo'."
        assert beta.status_code == 501

    def test_users_path_works_as_me(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator

        by_upn = graph.get(f"{ms.graph_url}/users/{ms.user_email.upper()}/calendars", timeout=5)
        by_id = graph.get(f"{ms.graph_url}/users/{ms.user_id}", timeout=5)

        assert by_upn.status_code == 200
        assert by_id.json()["userPrincipalName"] == ms.user_email

    def test_client_request_id_is_echoed(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        answer = graph.get(
            microsoft_emulator.graph_url + "/me/nothing",
            headers={"client-request-id": "abc-123"},
            timeout=5,
        )

        assert answer.headers["client-request-id"] == "abc-123"
        assert error_of(answer)["innerError"]["client-request-id"] == "abc-123"
        assert error_of(answer)["innerError"]["request-id"] == answer.headers["request-id"]


class TestGetSchedule:
    def test_free_busy_of_the_mailbox(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        ms.add_event(start=MONDAY, end=MONDAY + timedelta(minutes=30), subject="Standup")
        ms.add_event(
            start=MONDAY + timedelta(hours=1),
            end=MONDAY + timedelta(hours=2),
            subject="Doctor",
            sensitivity="private",
            showAs="oof",
        )
        ms.add_event(
            start=MONDAY + timedelta(minutes=30),
            end=MONDAY + timedelta(hours=1),
            showAs="free",
        )
        body = {
            "schedules": [ms.user_email, "stranger@elsewhere.example"],
            "startTime": {"dateTime": "2031-03-03T14:00:00", "timeZone": "UTC"},
            "endTime": {"dateTime": "2031-03-03T16:00:00", "timeZone": "UTC"},
            "availabilityViewInterval": 30,
        }

        mine, stranger = graph.post(
            ms.graph_url + "/me/calendar/getSchedule", json=body, timeout=5
        ).json()["value"]

        assert mine["availabilityView"] == "2033"
        assert [i["status"] for i in mine["scheduleItems"]] == ["busy", "oof"]
        assert mine["scheduleItems"][0]["subject"] == "Standup"
        assert mine["scheduleItems"][1]["isPrivate"] is True
        assert "subject" not in mine["scheduleItems"][1]
        assert stranger["error"]["responseCode"] == "ErrorMailRecipientNotFound"

    def test_a_range_of_62_days_or_more_is_refused(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        body = {
            "schedules": [microsoft_emulator.user_email],
            "startTime": {"dateTime": "2031-03-01T00:00:00", "timeZone": "UTC"},
            "endTime": {"dateTime": "2031-05-02T00:00:00", "timeZone": "UTC"},
        }

        answer = graph.post(
            microsoft_emulator.graph_url + "/me/calendar/getSchedule", json=body, timeout=5
        )

        assert answer.status_code == 400
