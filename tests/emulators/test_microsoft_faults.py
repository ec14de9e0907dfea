"""Fault injection and the call log of the Microsoft Graph emulator: throttling and
outages with Retry-After, latency, and per-operation, per-calendar counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.emulators.microsoft import MicrosoftGraphEmulator

MONDAY = datetime(2031, 3, 3, 14, 0, tzinfo=UTC)
WINDOW = {"startDateTime": "2031-03-01T00:00:00Z", "endDateTime": "2031-04-01T00:00:00Z"}


@pytest.fixture
def graph(microsoft_emulator: MicrosoftGraphEmulator) -> requests.Session:
    return microsoft_emulator.graph_session()


class TestFailNext:
    def test_throttling_a_named_operation(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        url = ms.graph_url + "/me/calendarView/delta"
        ms.fail_next(2, 429, operation="calendarView.delta", retry_after=3)

        other = graph.get(ms.graph_url + "/me/calendars", timeout=5)
        throttled = [graph.get(url, params=WINDOW, timeout=5) for _ in range(2)]
        recovered = graph.get(url, params=WINDOW, timeout=5)

        assert other.status_code == 200
        for answer in throttled:
            assert answer.status_code == 429
            assert answer.headers["Retry-After"] == "3"
            assert answer.json()["error"]["code"] == "ApplicationThrottled"
            assert answer.json()["error"]["message"] == (
                "Application is over its MailboxConcurrency limit."
            )
        assert recovered.status_code == 200

    def test_an_outage_of_any_operation(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        ms.fail_next(1, 503, retry_after=10)
        ms.fail_next(1, 500, code="generalException", message="Boom")

        outage = graph.get(ms.graph_url + "/me", timeout=5)
        crash = graph.post(
            ms.graph_url + "/me/events",
            json={
                "start": {"dateTime": "2031-03-03T14:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2031-03-03T15:00:00", "timeZone": "UTC"},
            },
            timeout=5,
        )
        fine = graph.get(ms.graph_url + "/me", timeout=5)

        assert (outage.status_code, outage.headers["Retry-After"]) == (503, "10")
        assert outage.json()["error"]["code"] == "serviceNotAvailable"
        assert crash.status_code == 500
        assert crash.json()["error"] == {
            "code": "generalException",
            "message": "Boom",
            "innerError": crash.json()["error"]["innerError"],
        }
        assert fine.status_code == 200
        # The failed write changed nothing.
        assert ms.calendar_view(None, MONDAY, MONDAY + timedelta(hours=1)) == []

    def test_identity_faults_only_when_named(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        ms.fail_next(1, 429)

        with ms.http_session() as session:
            discovery = session.get(
                f"{ms.authority}/v2.0/.well-known/openid-configuration", timeout=5
            )
        throttled = graph.get(ms.graph_url + "/me", timeout=5)

        assert discovery.status_code == 200
        assert throttled.status_code == 429


class TestLatency:
    def test_latency_holds_every_answer_back(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        ms.set_latency(1.0)

        with pytest.raises(requests.exceptions.ReadTimeout):
            graph.get(ms.graph_url + "/me/calendars", timeout=0.2)

        ms.set_latency(0)
        assert graph.get(ms.graph_url + "/me/calendars", timeout=5).status_code == 200


class TestCallLog:
    def test_counts_per_operation_and_calendar(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        team = ms.add_calendar("Team")["id"]
        for calendar in (ms.default_calendar_id, team, team):
            graph.get(
                f"{ms.graph_url}/me/calendars/{calendar}/calendarView/delta",
                params=WINDOW,
                timeout=5,
            )
        graph.get(f"{ms.graph_url}/me/calendars/{team}/nothing", timeout=5)

        assert ms.count("calendarView.delta") == 3
        assert ms.count("calendarView.delta", team) == 2
        assert ms.count("calendarView.delta", ms.default_calendar_id) == 1
        assert ms.count(calendar_id=team) == 2
        last = ms.requests[-1]
        assert (last.operation, last.status, last.method) == ("unknown", 400, "GET")

    def test_identity_requests_are_logged_too(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        ms.msal_app()

        assert ms.count("openid-configuration") == 1
        assert ms.requests[-1].status == 200
