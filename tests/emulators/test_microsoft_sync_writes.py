"""What a two-way sync needs of the Graph emulator, over plain requests: extended
properties asked for with $expand and filtered on, transactionId dedupe, writes only a
meeting's organizer may make, read-only calendars, the mail Exchange would send to
attendees, and events the user moves to another calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.emulators.microsoft import MicrosoftGraphEmulator

TAG = "String {6d1c8a5e-3f0b-4b8e-9c27-5a1e7d4f2b90} Name rdvTag"
OTHER = "String {6d1c8a5e-3f0b-4b8e-9c27-5a1e7d4f2b90} Name rdvOther"
EXPAND = f"singleValueExtendedProperties($filter=id eq '{TAG}')"
HAS_TAG = f"singleValueExtendedProperties/any(ep: ep/id eq '{TAG}' and ep/value ne null)"
START = datetime(2031, 3, 3, 9, tzinfo=UTC)
WINDOW = {"startDateTime": "2031-03-01T00:00:00Z", "endDateTime": "2031-04-01T00:00:00Z"}


def body(**fields: Any) -> dict[str, Any]:
    return {
        "subject": "Planning",
        "start": {"dateTime": "2031-03-03T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2031-03-03T10:00:00", "timeZone": "UTC"},
        **fields,
    }


def guest(address: str) -> dict[str, Any]:
    return {"emailAddress": {"address": address, "name": address}, "type": "required"}


@pytest.fixture
def ms(microsoft_emulator: MicrosoftGraphEmulator) -> MicrosoftGraphEmulator:
    return microsoft_emulator


@pytest.fixture
def graph(ms: MicrosoftGraphEmulator) -> requests.Session:
    return ms.graph_session()


def test_extended_properties_come_back_only_when_expanded(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    made = graph.post(
        ms.graph_url + "/me/events",
        json=body(singleValueExtendedProperties=[{"id": TAG, "value": "7:41"}]),
        timeout=5,
    ).json()
    url = f"{ms.graph_url}/me/events/{made['id']}"

    plain = graph.get(url, timeout=5).json()
    expanded = graph.get(url, params={"$expand": EXPAND}, timeout=5).json()

    assert "singleValueExtendedProperties" not in made
    assert "singleValueExtendedProperties" not in plain
    assert expanded["singleValueExtendedProperties"] == [{"id": TAG, "value": "7:41"}]


def test_a_patch_changes_the_properties_it_names_and_keeps_the_others(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    made = graph.post(
        ms.graph_url + "/me/events",
        json=body(
            singleValueExtendedProperties=[
                {"id": TAG, "value": "7:41"},
                {"id": OTHER, "value": "kept"},
            ]
        ),
        timeout=5,
    ).json()
    url = f"{ms.graph_url}/me/events/{made['id']}"
    graph.patch(
        url, json={"singleValueExtendedProperties": [{"id": TAG, "value": "7:99"}]}, timeout=5
    )

    both = f"singleValueExtendedProperties($filter=id eq '{TAG}' or id eq '{OTHER}')"
    answer = graph.get(url, params={"$expand": both}, timeout=5).json()

    assert sorted(p["value"] for p in answer["singleValueExtendedProperties"]) == ["7:99", "kept"]


def test_events_filter_on_carrying_a_property(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    ours = graph.post(
        ms.graph_url + "/me/events",
        json=body(singleValueExtendedProperties=[{"id": TAG, "value": "7:41"}]),
        timeout=5,
    ).json()
    ms.add_event(start=START, end=START + timedelta(hours=1), subject="The user's")

    listed = graph.get(
        ms.graph_url + "/me/events",
        params={"$filter": HAS_TAG, "$expand": EXPAND, "$select": "id"},
        timeout=5,
    ).json()["value"]

    assert [e["id"] for e in listed] == [ours["id"]]
    assert "subject" not in listed[0]
    assert listed[0]["singleValueExtendedProperties"][0]["value"] == "7:41"


def test_other_filters_and_expansions_are_not_emulated(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    answer = graph.get(ms.graph_url + "/me/events", params={"$filter": "subject eq 'x'"}, timeout=5)
    assert answer.status_code == 501


def test_a_malformed_property_id_is_refused(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    answer = graph.post(
        ms.graph_url + "/me/events",
        json=body(singleValueExtendedProperties=[{"id": "rdvTag", "value": "1"}]),
        timeout=5,
    )
    assert answer.status_code == 400


def test_a_retried_post_with_its_transaction_id_answers_the_first_event(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    url = ms.graph_url + "/me/events"
    first = graph.post(url, json=body(transactionId="rdv123"), timeout=5).json()
    again = graph.post(url, json=body(subject="Other", transactionId="rdv123"), timeout=5).json()
    graph.delete(f"{url}/{first['id']}", timeout=5)
    revived = graph.post(url, json=body(subject="New", transactionId="rdv123"), timeout=5).json()

    assert again["id"] == first["id"]
    assert again["subject"] == "Planning"
    assert revived["id"] != first["id"]
    assert revived["subject"] == "New"
    assert [e["subject"] for e in graph.get(url, timeout=5).json()["value"]] == ["New"]


def test_only_the_organizer_changes_a_meeting(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    invitation = ms.add_event(
        start=START,
        end=START + timedelta(hours=1),
        subject="Board",
        organizer={"emailAddress": {"address": "boss@example.org", "name": "Boss"}},
        attendees=[guest(ms.user_email)],
    )
    url = f"{ms.graph_url}/me/events/{invitation['id']}"

    renamed = graph.patch(url, json={"subject": "Mine now"}, timeout=5)
    tagged = graph.patch(
        url, json={"singleValueExtendedProperties": [{"id": TAG, "value": "1:2"}]}, timeout=5
    )

    assert invitation["isOrganizer"] is False
    assert renamed.status_code == 403
    assert renamed.json()["error"]["code"] == "ErrorAccessDenied"
    assert tagged.status_code == 200
    assert ms.event(invitation["id"])["subject"] == "Board"


def test_a_read_only_calendar_refuses_writes(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    shared = ms.add_calendar("Team")["id"]
    ms.set_calendar_can_edit(shared, False)

    answer = graph.post(f"{ms.graph_url}/me/calendars/{shared}/events", json=body(), timeout=5)
    listed = graph.get(f"{ms.graph_url}/me/calendars/{shared}", timeout=5).json()

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "ErrorAccessDenied"
    assert listed["canEdit"] is False


def test_writes_to_a_meeting_mail_its_attendees(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    url = ms.graph_url + "/me/events"
    made = graph.post(
        url, json=body(attendees=[guest("ada@example.com"), guest("bob@example.com")]), timeout=5
    ).json()
    assert ms.messages_sent == 2  # the meeting requests

    graph.patch(f"{url}/{made['id']}", json={"isReminderOn": False}, timeout=5)
    assert ms.messages_sent == 2  # the organizer's own copy: nobody is told
    graph.patch(f"{url}/{made['id']}", json={"subject": "Moved"}, timeout=5)
    assert ms.messages_sent == 4  # the updates
    graph.delete(f"{url}/{made['id']}", timeout=5)
    assert ms.messages_sent == 6  # the cancellations


def test_events_without_attendees_and_the_users_own_edits_mail_nobody(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    made = graph.post(ms.graph_url + "/me/events", json=body(), timeout=5).json()
    graph.patch(f"{ms.graph_url}/me/events/{made['id']}", json={"subject": "x"}, timeout=5)
    meeting = ms.add_event(
        start=START, end=START + timedelta(hours=1), attendees=[guest("ada@example.com")]
    )
    ms.edit_event(meeting["id"], subject="Changed in Outlook")

    assert ms.messages_sent == 0


def test_a_moved_event_has_a_new_id_and_leaves_the_delta_of_its_calendar(
    ms: MicrosoftGraphEmulator, graph: requests.Session
) -> None:
    other = ms.add_calendar("Personal")["id"]
    event = ms.add_event(start=START, end=START + timedelta(hours=1), subject="Dentist")
    delta = f"{ms.graph_url}/me/calendar/calendarView/delta"

    def round_from(url: str, params: dict[str, str] | None) -> tuple[list[Any], str]:
        items: list[Any] = []
        while True:
            page = graph.get(url, params=params, timeout=5).json()
            items += page["value"]
            if "@odata.deltaLink" in page:
                return items, page["@odata.deltaLink"]
            url, params = page["@odata.nextLink"], None

    _, state = round_from(delta, WINDOW)
    moved = ms.move_event(event["id"], other)
    changes, _ = round_from(state, None)

    assert moved["id"] != event["id"]
    assert moved["subject"] == "Dentist"
    assert changes == [
        {
            "@odata.type": "#microsoft.graph.event",
            "id": event["id"],
            "@removed": {"reason": "deleted"},
        }
    ]
    assert graph.get(f"{ms.graph_url}/me/events/{event['id']}", timeout=5).status_code == 404
    there = graph.get(f"{ms.graph_url}/me/calendars/{other}/events/{moved['id']}", timeout=5)
    assert there.json()["subject"] == "Dentist"
