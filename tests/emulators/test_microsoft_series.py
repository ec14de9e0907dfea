"""Recurring events in the Microsoft Graph emulator: patternedRecurrence expanded by
calendarView into occurrences, exceptions and cancelled occurrences, as Outlook and
Graph show them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.emulators.microsoft import MicrosoftGraphEmulator

NEW_YORK = ZoneInfo("America/New_York")


def view(
    graph: requests.Session, ms: MicrosoftGraphEmulator, start: str, end: str, **headers: str
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = ms.graph_url + "/me/calendarView"
    params: dict[str, str] | None = {"startDateTime": start, "endDateTime": end}
    while url:
        page = graph.get(
            url, params=params, headers={"Prefer": "odata.maxpagesize=100", **headers}, timeout=5
        ).json()
        items += page["value"]
        url, params = page.get("@odata.nextLink"), None
    return items


def weekly(ms: MicrosoftGraphEmulator, **range_: Any) -> dict[str, Any]:
    """Mondays and Wednesdays at 09:00 in New York, from Monday 2031-03-03 (EST)."""
    return ms.add_event(
        subject="Standup",
        start=datetime(2031, 3, 3, 9, tzinfo=NEW_YORK),
        end=datetime(2031, 3, 3, 9, 30, tzinfo=NEW_YORK),
        recurrence={
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "daysOfWeek": ["monday", "wednesday"],
                "firstDayOfWeek": "sunday",
            },
            "range": range_ or {"type": "noEnd", "startDate": "2031-03-03"},
        },
    )


@pytest.fixture
def graph(microsoft_emulator: MicrosoftGraphEmulator) -> requests.Session:
    return microsoft_emulator.graph_session()


class TestExpansion:
    def test_occurrences_keep_their_wall_clock_across_dst(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        master = weekly(ms)

        items = view(
            graph,
            ms,
            "2031-03-03T00:00:00Z",
            "2031-03-20T00:00:00Z",
            Prefer='outlook.timezone="Eastern Standard Time"',
        )

        assert [i["start"]["dateTime"][:16] for i in items] == [
            "2031-03-03T09:00",
            "2031-03-05T09:00",
            "2031-03-10T09:00",  # after the switch to EDT on March 9
            "2031-03-12T09:00",
            "2031-03-17T09:00",
            "2031-03-19T09:00",
        ]
        assert {i["type"] for i in items} == {"occurrence"}
        assert {i["seriesMasterId"] for i in items} == {master["id"]}
        assert len({i["id"] for i in items}) == len({i["iCalUId"] for i in items}) == 6
        assert items[0]["originalStart"] == "2031-03-03T14:00:00Z"
        assert items[2]["originalStart"] == "2031-03-10T13:00:00Z"
        assert all(i["recurrence"] is None for i in items)

    def test_single_instances_come_before_occurrences(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        weekly(ms)
        late = ms.add_event(
            start=datetime(2031, 3, 19, 20, tzinfo=UTC),
            end=datetime(2031, 3, 19, 21, tzinfo=UTC),
            subject="Late single",
        )

        items = view(graph, ms, "2031-03-03T00:00:00Z", "2031-03-20T00:00:00Z")

        # Graph's default order: a client that reads only page one misses occurrences.
        assert items[0]["id"] == late["id"]
        assert [i["type"] for i in items[1:]] == ["occurrence"] * 6

    def test_events_lists_the_master_not_its_occurrences(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        master = weekly(ms)

        events = graph.get(ms.graph_url + "/me/events", timeout=5).json()["value"]
        got = graph.get(f"{ms.graph_url}/me/events/{master['id']}", timeout=5).json()

        assert [(e["id"], e["type"]) for e in events] == [(master["id"], "seriesMaster")]
        assert got["recurrence"]["pattern"]["daysOfWeek"] == ["monday", "wednesday"]
        assert got["recurrence"]["range"]["type"] == "noEnd"

    def test_numbered_and_end_date_ranges(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        ms = microsoft_emulator
        window = (datetime(2031, 3, 1, tzinfo=UTC), datetime(2031, 6, 1, tzinfo=UTC))
        numbered = weekly(ms, type="numbered", startDate="2031-03-03", numberOfOccurrences=3)
        until = weekly(ms, type="endDate", startDate="2031-03-03", endDate="2031-03-10")

        items = ms.calendar_view(None, *window)

        def starts(series: dict[str, Any]) -> list[str]:
            return [i["originalStart"] for i in items if i["seriesMasterId"] == series["id"]]

        assert len(starts(numbered)) == 3
        # The end date is inclusive: Monday the 10th still happens.
        assert starts(until)[-1] == "2031-03-10T13:00:00Z"
        assert len(starts(until)) == 3

    def test_daily_with_an_interval_and_a_start_moved_onto_the_pattern(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        series = ms.add_event(
            start=datetime(2031, 3, 3, 8, tzinfo=UTC),
            end=datetime(2031, 3, 3, 9, tzinfo=UTC),
            recurrence={
                "pattern": {"type": "daily", "interval": 2},
                "range": {"type": "numbered", "startDate": "2031-03-04", "numberOfOccurrences": 3},
            },
        )

        items = ms.calendar_view(
            None, datetime(2031, 3, 1, tzinfo=UTC), datetime(2031, 4, 1, tzinfo=UTC)
        )

        # Graph moves the series start onto its first occurrence (the range start).
        assert series["start"]["dateTime"] == "2031-03-04T08:00:00.0000000"
        assert [i["start"]["dateTime"][:10] for i in items] == [
            "2031-03-04",
            "2031-03-06",
            "2031-03-08",
        ]

    def test_day_31_falls_on_the_last_day_of_shorter_months(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        ms.add_event(
            start=datetime(2031, 1, 31, 12, tzinfo=UTC),
            end=datetime(2031, 1, 31, 13, tzinfo=UTC),
            recurrence={
                "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
                "range": {"type": "numbered", "startDate": "2031-01-31", "numberOfOccurrences": 4},
            },
        )

        items = ms.calendar_view(
            None, datetime(2031, 1, 1, tzinfo=UTC), datetime(2031, 6, 1, tzinfo=UTC)
        )

        assert [i["start"]["dateTime"][:10] for i in items] == [
            "2031-01-31",
            "2031-02-28",
            "2031-03-31",
            "2031-04-30",
        ]

    def test_relative_monthly_last_friday(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        ms = microsoft_emulator
        ms.add_event(
            start=datetime(2031, 1, 31, 16, tzinfo=UTC),
            end=datetime(2031, 1, 31, 17, tzinfo=UTC),
            recurrence={
                "pattern": {
                    "type": "relativeMonthly",
                    "interval": 1,
                    "daysOfWeek": ["friday"],
                    "index": "last",
                },
                "range": {"type": "numbered", "startDate": "2031-01-01", "numberOfOccurrences": 3},
            },
        )

        items = ms.calendar_view(
            None, datetime(2031, 1, 1, tzinfo=UTC), datetime(2031, 6, 1, tzinfo=UTC)
        )

        assert [i["start"]["dateTime"][:10] for i in items] == [
            "2031-01-31",
            "2031-02-28",
            "2031-03-28",
        ]

    def test_an_all_day_series(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        ms = microsoft_emulator
        ms.add_event(
            start={"dateTime": "2031-03-03T00:00:00", "timeZone": "Pacific Standard Time"},
            end={"dateTime": "2031-03-04T00:00:00", "timeZone": "Pacific Standard Time"},
            isAllDay=True,
            recurrence={
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                "range": {"type": "numbered", "startDate": "2031-03-03", "numberOfOccurrences": 2},
            },
        )

        items = ms.calendar_view(
            None, datetime(2031, 3, 1, tzinfo=UTC), datetime(2031, 4, 1, tzinfo=UTC)
        )

        assert [(i["isAllDay"], i["start"]["dateTime"], i["end"]["dateTime"]) for i in items] == [
            (True, "2031-03-03T00:00:00.0000000", "2031-03-04T00:00:00.0000000"),
            (True, "2031-03-10T00:00:00.0000000", "2031-03-11T00:00:00.0000000"),
        ]


class TestExceptionsAndCancellations:
    def test_outlook_edits_and_deletes_single_occurrences(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        master = weekly(ms)
        moved_id = ms.occurrence_id(master["id"], datetime(2031, 3, 5, 14, tzinfo=UTC))
        cancelled_id = ms.occurrence_id(master["id"], datetime(2031, 3, 10, 13, tzinfo=UTC))

        ms.edit_event(
            moved_id,
            start=datetime(2031, 3, 5, 11, tzinfo=NEW_YORK),
            end=datetime(2031, 3, 5, 12, tzinfo=NEW_YORK),
            showAs="tentative",
        )
        ms.delete_event(cancelled_id)
        items = view(graph, ms, "2031-03-03T00:00:00Z", "2031-03-13T00:00:00Z")

        assert [(i["type"], i["start"]["dateTime"][:16]) for i in items] == [
            ("occurrence", "2031-03-03T14:00"),
            ("exception", "2031-03-05T16:00"),
            ("occurrence", "2031-03-12T13:00"),
        ]
        exception = items[1]
        assert exception["id"] == moved_id
        assert exception["seriesMasterId"] == master["id"]
        assert exception["showAs"] == "tentative"
        assert exception["originalStart"] == "2031-03-05T14:00:00Z"
        cancelled = graph.get(f"{ms.graph_url}/me/events/{cancelled_id}", timeout=5)
        assert cancelled.status_code == 404

    def test_graph_clients_make_exceptions_too(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        master = weekly(ms)
        occurrence_id = ms.occurrence_id(master["id"], datetime(2031, 3, 3, 14, tzinfo=UTC))
        second_id = ms.occurrence_id(master["id"], datetime(2031, 3, 5, 14, tzinfo=UTC))

        patched = graph.patch(
            f"{ms.graph_url}/me/events/{occurrence_id}", json={"subject": "Retro"}, timeout=5
        )
        deleted = graph.delete(f"{ms.graph_url}/me/events/{second_id}", timeout=5)
        recurring = graph.patch(
            f"{ms.graph_url}/me/events/{occurrence_id}",
            json={"recurrence": master["recurrence"]},
            timeout=5,
        )
        instances = graph.get(
            f"{ms.graph_url}/me/events/{master['id']}/instances",
            params={"startDateTime": "2031-03-01T00:00:00Z", "endDateTime": "2031-03-08T00:00:00Z"},
            timeout=5,
        ).json()["value"]

        assert (patched.status_code, patched.json()["type"]) == (200, "exception")
        assert patched.json()["id"] == occurrence_id
        assert deleted.status_code == 204
        assert recurring.status_code == 400
        assert [(i["type"], i["subject"]) for i in instances] == [("exception", "Retro")]

    def test_changing_the_series_time_drops_its_exceptions(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        master = weekly(ms, type="numbered", startDate="2031-03-03", numberOfOccurrences=2)
        first = ms.occurrence_id(master["id"], datetime(2031, 3, 3, 14, tzinfo=UTC))
        ms.edit_event(first, subject="Special")
        ms.delete_event(ms.occurrence_id(master["id"], datetime(2031, 3, 5, 14, tzinfo=UTC)))

        ms.edit_event(
            master["id"],
            start=datetime(2031, 3, 3, 10, tzinfo=NEW_YORK),
            end=datetime(2031, 3, 3, 10, 30, tzinfo=NEW_YORK),
        )
        items = ms.calendar_view(
            None, datetime(2031, 3, 1, tzinfo=UTC), datetime(2031, 4, 1, tzinfo=UTC)
        )

        assert [(i["type"], i["subject"], i["start"]["dateTime"][:16]) for i in items] == [
            ("occurrence", "Standup", "2031-03-03T15:00"),
            ("occurrence", "Standup", "2031-03-05T15:00"),
        ]

    def test_a_renamed_series_renames_its_occurrences_not_its_exceptions(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        master = weekly(ms, type="numbered", startDate="2031-03-03", numberOfOccurrences=2)
        first = ms.occurrence_id(master["id"], datetime(2031, 3, 3, 14, tzinfo=UTC))
        ms.edit_event(first, subject="Special")

        ms.edit_event(master["id"], subject="Daily sync")
        items = ms.calendar_view(
            None, datetime(2031, 3, 1, tzinfo=UTC), datetime(2031, 4, 1, tzinfo=UTC)
        )

        assert [i["subject"] for i in items] == ["Special", "Daily sync"]

    def test_a_cancelled_meeting_stays_with_is_cancelled(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        meeting = ms.add_event(
            start=datetime(2031, 3, 3, 14, tzinfo=UTC),
            end=datetime(2031, 3, 3, 15, tzinfo=UTC),
            subject="Canceled: Review",
            organizer={"emailAddress": {"name": "Olga", "address": "olga@contoso.example"}},
            responseStatus={"response": "accepted", "time": "2031-02-01T10:00:00Z"},
        )

        ms.cancel_event(meeting["id"])
        [shown] = ms.calendar_view(
            None, datetime(2031, 3, 3, tzinfo=UTC), datetime(2031, 3, 4, tzinfo=UTC)
        )

        assert shown["isCancelled"] is True
        assert shown["isOrganizer"] is False
        assert shown["responseStatus"]["response"] == "accepted"
