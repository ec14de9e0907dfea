"""Google's event types (outOfOffice, focusTime, workingLocation, birthday, fromGmail)
through DESIGN.md's rule: transparency decides, and a working-location or birthday
marker never blocks a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from availability import EventRules, Schedule, compute_slots
from availability.classify import (
    MARKER_EVENT_TYPES,
    Busyness,
    classify_google_event,
    google_busyness,
    google_event_span,
)
from tests.availability.helpers import utc

DAY = date(2031, 3, 11)  # a Tuesday


def timed(hour: int, hours: int = 1) -> dict[str, Any]:
    start = datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=UTC)
    return {
        "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": (start + timedelta(hours=hours)).isoformat(), "timeZone": "UTC"},
    }


ALL_DAY = {"start": {"date": DAY.isoformat()}, "end": {"date": (DAY + timedelta(1)).isoformat()}}

# Each type as Google sends it (fields from the v3 discovery document), before the
# transparency and status under test are applied.
EVENTS: dict[str, dict[str, Any]] = {
    "default": {"eventType": "default", "summary": "Planning", **timed(9)},
    "outOfOffice": {
        "eventType": "outOfOffice",
        "summary": "Out of office",
        "outOfOfficeProperties": {
            "autoDeclineMode": "declineAllConflictingInvitations",
            "declineMessage": "Away",
        },
        **timed(9, 8),
    },
    "focusTime": {
        "eventType": "focusTime",
        "summary": "Focus time",
        "focusTimeProperties": {
            "autoDeclineMode": "declineOnlyNewConflictingInvitations",
            "chatStatus": "doNotDisturb",
        },
        **timed(13, 2),
    },
    "fromGmail": {"eventType": "fromGmail", "summary": "Flight to Lisbon", **timed(15)},
    "workingLocation": {
        "eventType": "workingLocation",
        "summary": "Home",
        "visibility": "public",
        "workingLocationProperties": {"type": "homeOffice", "homeOffice": {}},
        **ALL_DAY,
    },
    "birthday": {
        "eventType": "birthday",
        "summary": "Grace's birthday",
        "visibility": "private",
        "birthdayProperties": {"type": "birthday", "contact": "people/c12345"},
        **ALL_DAY,
    },
}
# A type Google may add one day: judged like any other.
EVENTS["futureType"] = {**EVENTS["default"], "eventType": "futureType"}
# Events created before eventType existed carry none.
EVENTS["missing"] = {k: v for k, v in EVENTS["default"].items() if k != "eventType"}

MARKERS = ("workingLocation", "birthday")
BLOCKING = tuple(t for t in EVENTS if t not in MARKERS)

B, T, F = Busyness.BUSY, Busyness.TENTATIVE, Busyness.FREE
# status -> {transparency: verdict}; None means the field is absent (Google omits
# the default "opaque").
GRID: dict[str | None, dict[str | None, Busyness]] = {
    None: {None: B, "opaque": B, "transparent": F},
    "confirmed": {None: B, "opaque": B, "transparent": F},
    "tentative": {None: T, "opaque": T, "transparent": F},
    "cancelled": {None: F, "opaque": F, "transparent": F},
}
CASES = [
    (event_type, status, transparency, F if event_type in MARKERS else verdict)
    for status, row in GRID.items()
    for transparency, verdict in row.items()
    for event_type in EVENTS
]


def shaped(event_type: str, status: str | None, transparency: str | None) -> dict[str, Any]:
    event = dict(EVENTS[event_type])
    if status is not None:
        event["status"] = status
    if transparency is not None:
        event["transparency"] = transparency
    return event


@pytest.mark.parametrize(("event_type", "status", "transparency", "verdict"), CASES)
def test_type_by_transparency_by_status(
    event_type: str, status: str | None, transparency: str | None, verdict: Busyness
) -> None:
    event = shaped(event_type, status, transparency)

    assert google_busyness(event) is verdict
    for switch in (True, False):
        block = classify_google_event(event, host_zone="UTC", tentative_blocks=switch)
        blocks = verdict is B or (verdict is T and switch)
        assert (block is not None) == blocks, switch
        if block is not None:
            assert (block.start, block.end) == google_event_span(event, host_zone="UTC")
            assert block.tentative == (verdict is T)


@pytest.mark.parametrize("event_type", MARKERS)
@pytest.mark.parametrize("response", ["accepted", "needsAction", "tentative"])
def test_a_marker_stays_free_whatever_the_hosts_answer(event_type: str, response: str) -> None:
    event = {
        **EVENTS[event_type],
        "transparency": "opaque",
        "attendees": [{"email": "host@example.com", "self": True, "responseStatus": response}],
    }
    assert google_busyness(event) is F


@pytest.mark.parametrize("event_type", BLOCKING)
def test_a_blocking_type_declined_by_the_host_is_free(event_type: str) -> None:
    event = {
        **EVENTS[event_type],
        "attendees": [{"email": "host@example.com", "self": True, "responseStatus": "declined"}],
    }
    assert google_busyness(event) is F


def test_marker_types_are_exactly_working_location_and_birthday() -> None:
    assert frozenset(MARKERS) == MARKER_EVENT_TYPES


def test_an_all_day_free_birthday_leaves_the_days_slots() -> None:
    """Easy!Appointments' bug: one all-day birthday marked "Free" emptied the day."""
    schedule = Schedule("Europe/Berlin", {d: ["09:00-17:00"] for d in range(5)})
    rules = EventRules(duration=timedelta(minutes=30))
    birthday = {
        **EVENTS["birthday"],
        "transparency": "transparent",
        "recurringEventId": "bday",
        "originalStartTime": {"date": DAY.isoformat()},
    }
    meeting = {**EVENTS["default"], **timed(10)}  # 11:00-12:00 in Berlin
    busy = [
        b
        for e in (birthday, meeting)
        if (b := classify_google_event(e, host_zone="Europe/Berlin")) is not None
    ]

    def slots(blocks: list[Any]) -> list[datetime]:
        found = compute_slots(
            schedule,
            blocks,
            rules,
            now=utc(2031, 1, 1),
            window_start=utc(2031, 3, 10),
            window_end=utc(2031, 3, 13),
        )
        return [s.start for s in found]

    with_meeting_only = slots([b for b in busy if b.title == "Planning"])
    assert slots(busy) == with_meeting_only
    on_day = [s for s in with_meeting_only if s.date() == DAY]
    # 09:00-17:00 Berlin (08:00-16:00 UTC) less the 10:00-11:00 UTC meeting.
    assert len(on_day) == 16 - 2


# -- property: the classifier follows the rule, and the rule's invariants hold ----------

_SELF = st.sampled_from(["accepted", "declined", "tentative", "needsAction", None])


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event = dict(draw(st.sampled_from(list(EVENTS.values()))))
    event["eventType"] = draw(
        st.sampled_from([*EVENTS, "fromGmail", "birthday"]) | st.text(max_size=12)
    )
    for name, values in (
        ("status", ["confirmed", "tentative", "cancelled", "bogus"]),
        ("transparency", ["opaque", "transparent", "bogus"]),
        ("visibility", ["default", "public", "private", "confidential"]),
    ):
        value = draw(st.sampled_from([None, *values]))
        if value is None:
            event.pop(name, None)
        else:
            event[name] = value
    response = draw(_SELF)
    if response is not None:
        event["attendees"] = [
            {"email": "boss@example.com", "responseStatus": draw(_SELF) or "accepted"},
            {"email": "host@example.com", "self": True, "responseStatus": response},
        ]
    return event


@settings(max_examples=400, deadline=None)
@given(events(), st.booleans(), st.sampled_from(["UTC", "Asia/Kolkata", "America/New_York"]))
def test_classifier_follows_the_rule(event: dict[str, Any], switch: bool, zone: str) -> None:
    verdict = google_busyness(event)
    block = classify_google_event(event, host_zone=zone, tentative_blocks=switch)

    if event["eventType"] in MARKER_EVENT_TYPES:
        assert verdict is F
    if event.get("transparency") == "transparent" or event.get("status") == "cancelled":
        assert verdict is F
    assert (block is not None) == (verdict is B or (verdict is T and switch))
    if block is not None:
        assert (block.start, block.end) == google_event_span(event, host_zone=zone)
    # Saying "free" in Google can only ever give time back.
    assert google_busyness({**event, "transparency": "transparent"}) is F
