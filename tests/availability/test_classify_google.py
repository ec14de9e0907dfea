"""Google Calendar events: busy or free, per DESIGN.md's table."""

from __future__ import annotations

from typing import Any

import pytest

from availability import MalformedEventError, classify_google_event
from availability.errors import InvalidInputError
from tests.availability.helpers import utc

TIMED = {
    "id": "e1",
    "summary": "Planning",
    "start": {"dateTime": "2024-03-11T09:00:00-04:00", "timeZone": "America/New_York"},
    "end": {"dateTime": "2024-03-11T10:00:00-04:00", "timeZone": "America/New_York"},
}


def me(response: str) -> dict[str, Any]:
    return {
        "attendees": [
            {"email": "boss@example.com", "responseStatus": "accepted", "organizer": True},
            {"email": "host@example.com", "responseStatus": response, "self": True},
        ]
    }


BUSY, TENTATIVE, FREE = "busy", "tentative", "free"


@pytest.mark.parametrize(
    ("extra", "switch_on", "switch_off"),
    [
        ({}, BUSY, BUSY),
        ({"status": "confirmed", "transparency": "opaque"}, BUSY, BUSY),
        ({"transparency": "transparent"}, FREE, FREE),
        ({"status": "cancelled"}, FREE, FREE),
        ({"status": "tentative"}, TENTATIVE, FREE),
        (me("declined"), FREE, FREE),
        (me("tentative"), TENTATIVE, FREE),
        (me("needsAction"), TENTATIVE, FREE),
        (me("accepted"), BUSY, BUSY),
        ({"attendees": [{"email": "x@example.com", "responseStatus": "declined"}]}, BUSY, BUSY),
        ({"eventType": "focusTime", "somethingNew": {"x": 1}}, BUSY, BUSY),
    ],
)
def test_busy_or_free(extra: dict[str, Any], switch_on: str, switch_off: str) -> None:
    for switch, expected in ((True, switch_on), (False, switch_off)):
        got = classify_google_event({**TIMED, **extra}, host_zone="UTC", tentative_blocks=switch)
        kind = FREE if got is None else TENTATIVE if got.tentative else BUSY
        assert kind == expected, switch


def test_block_fields() -> None:
    got = classify_google_event(TIMED, host_zone="Europe/Paris", source="google:work")
    assert got is not None
    assert (got.start, got.end, got.source, got.title) == (
        utc(2024, 3, 11, 13),
        utc(2024, 3, 11, 14),
        "google:work",
        "Planning",
    )


@pytest.mark.parametrize(
    ("visibility", "title"),
    [
        ("default", "Planning"),
        ("public", "Planning"),
        ("private", None),
        ("confidential", None),
    ],
)
def test_privacy(visibility: str, title: str | None) -> None:
    got = classify_google_event({**TIMED, "visibility": visibility}, host_zone="UTC")
    assert got is not None
    assert got.title == title


@pytest.mark.parametrize(
    ("zone", "day", "end_day", "start", "end"),
    [
        ("UTC", "2024-03-11", "2024-03-12", utc(2024, 3, 11), utc(2024, 3, 12)),
        (
            "Asia/Kolkata",
            "2024-03-11",
            "2024-03-12",
            utc(2024, 3, 10, 18, 30),
            utc(2024, 3, 11, 18, 30),
        ),
        # 23-hour DST day in New York.
        ("America/New_York", "2024-03-10", "2024-03-11", utc(2024, 3, 10, 5), utc(2024, 3, 11, 4)),
        # Santiago skips midnight: the day starts at 01:00 (-03).
        ("America/Santiago", "2024-09-08", "2024-09-09", utc(2024, 9, 8, 4), utc(2024, 9, 9, 3)),
        ("Europe/London", "2024-03-30", "2024-04-01", utc(2024, 3, 30), utc(2024, 3, 31, 23)),
    ],
)
def test_all_day_in_host_zone(
    zone: str, day: str, end_day: str, start: object, end: object
) -> None:
    event = {"summary": "Off", "start": {"date": day}, "end": {"date": end_day}}
    got = classify_google_event(event, host_zone=zone)
    assert got is not None
    assert (got.start, got.end) == (start, end)


def test_date_time_without_offset_uses_time_zone() -> None:
    event = {
        "start": {"dateTime": "2024-03-11T09:00:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2024-03-11T10:00:00Z"},
    }
    got = classify_google_event(event, host_zone="UTC")
    assert got is not None
    assert (got.start, got.end) == (utc(2024, 3, 11, 8), utc(2024, 3, 11, 10))


def test_zero_length_is_free() -> None:
    event = {**TIMED, "end": TIMED["start"]}
    assert classify_google_event(event, host_zone="UTC") is None


def test_cancelled_instance_with_only_an_id_is_free() -> None:
    assert classify_google_event({"id": "x", "status": "cancelled"}, host_zone="UTC") is None


@pytest.mark.parametrize(
    "event",
    [
        {"summary": "no times"},
        {"start": {"dateTime": "2024-03-11T09:00:00Z"}},
        {"start": {"dateTime": "tomorrow"}, "end": {"dateTime": "2024-03-11T10:00:00Z"}},
        {"start": {"dateTime": "2024-03-11T09:00:00"}, "end": {"dateTime": "2024-03-11T10:00:00"}},
        {"start": {"date": "2024-03-11"}, "end": {"dateTime": "2024-03-12T00:00:00Z"}},
        {"start": {"date": "2024-03-12"}, "end": {"date": "2024-03-11"}},
        {
            "start": {"dateTime": "2024-03-11T10:00:00Z"},
            "end": {"dateTime": "2024-03-11T09:00:00Z"},
        },
        {
            "start": {"dateTime": "2024-03-11T09:00:00", "timeZone": "Nowhere"},
            "end": {"dateTime": "2024-03-11T10:00:00Z"},
        },
        "not a dict",
    ],
)
def test_malformed_required_fields(event: Any) -> None:
    with pytest.raises(MalformedEventError):
        classify_google_event(event, host_zone="UTC")


def test_bad_host_zone() -> None:
    with pytest.raises(InvalidInputError):
        classify_google_event(TIMED, host_zone="Nowhere/Land")
