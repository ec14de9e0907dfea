"""Microsoft Graph events: busy or free, per DESIGN.md's table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from availability import MalformedEventError, classify_microsoft_event
from tests.availability.helpers import utc

EVENT = {
    "id": "AAMk",
    "subject": "Budget",
    "showAs": "busy",
    "sensitivity": "normal",
    "isCancelled": False,
    "isAllDay": False,
    "start": {"dateTime": "2024-03-11T13:00:00.0000000", "timeZone": "UTC"},
    "end": {"dateTime": "2024-03-11T14:30:00.0000000", "timeZone": "UTC"},
}
BUSY, TENTATIVE, FREE = "busy", "tentative", "free"


@pytest.mark.parametrize(
    ("extra", "switch_on", "switch_off"),
    [
        ({"showAs": "busy"}, BUSY, BUSY),
        ({"showAs": "oof"}, BUSY, BUSY),
        ({"showAs": "unknown"}, BUSY, BUSY),
        ({"showAs": "somethingNew"}, BUSY, BUSY),
        ({"showAs": None}, BUSY, BUSY),
        ({"showAs": "free"}, FREE, FREE),
        ({"showAs": "workingElsewhere"}, FREE, FREE),
        ({"showAs": "tentative"}, TENTATIVE, FREE),
        ({"isCancelled": True}, FREE, FREE),
        ({"isCancelled": True, "showAs": "busy"}, FREE, FREE),
    ],
)
def test_busy_or_free(extra: dict[str, Any], switch_on: str, switch_off: str) -> None:
    for switch, expected in ((True, switch_on), (False, switch_off)):
        got = classify_microsoft_event({**EVENT, **extra}, host_zone="UTC", tentative_blocks=switch)
        kind = FREE if got is None else TENTATIVE if got.tentative else BUSY
        assert kind == expected, switch


def test_block_fields_and_seven_digit_fractions() -> None:
    got = classify_microsoft_event(EVENT, host_zone="UTC", source="outlook")
    assert got is not None
    assert (got.start, got.end, got.source, got.title) == (
        utc(2024, 3, 11, 13),
        utc(2024, 3, 11, 14, 30),
        "outlook",
        "Budget",
    )


@pytest.mark.parametrize(
    ("sensitivity", "title"),
    [("normal", "Budget"), ("personal", "Budget"), ("private", None), ("confidential", None)],
)
def test_privacy(sensitivity: str, title: str | None) -> None:
    got = classify_microsoft_event({**EVENT, "sensitivity": sensitivity}, host_zone="UTC")
    assert got is not None
    assert got.title == title


def test_iana_time_zone() -> None:
    event = {
        **EVENT,
        "start": {"dateTime": "2024-03-11T09:00:00.0000000", "timeZone": "America/New_York"},
        "end": {"dateTime": "2024-03-11T10:00:00.0000000", "timeZone": "America/New_York"},
    }
    got = classify_microsoft_event(event, host_zone="UTC")
    assert got is not None
    assert got.start == utc(2024, 3, 11, 13)


@pytest.mark.parametrize(
    ("zone", "start", "end"),
    [
        ("Europe/Berlin", utc(2024, 3, 30, 23), utc(2024, 3, 31, 22)),  # 23-hour day
        ("Asia/Kolkata", utc(2024, 3, 30, 18, 30), utc(2024, 3, 31, 18, 30)),
    ],
)
def test_all_day_in_host_zone(zone: str, start: object, end: object) -> None:
    event = {
        **EVENT,
        "isAllDay": True,
        "start": {"dateTime": "2024-03-31T00:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2024-04-01T00:00:00.0000000", "timeZone": "UTC"},
    }
    got = classify_microsoft_event(event, host_zone=zone)
    assert got is not None
    assert (got.start, got.end) == (start, end)


@pytest.mark.parametrize(
    "patch",
    [
        {"start": None},
        {"end": {"timeZone": "UTC"}},
        {"start": {"dateTime": "2024-03-11T13:00:00", "timeZone": "Pacific Standard Time"}},
        {"start": {"dateTime": "2024-03-11T13:00:00"}},
        {"start": {"dateTime": "2024-03-11T15:00:00", "timeZone": "UTC"}},
    ],
)
def test_malformed_required_fields(patch: dict[str, Any]) -> None:
    with pytest.raises(MalformedEventError):
        classify_microsoft_event({**EVENT, **patch}, host_zone="UTC")


@given(
    wall=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)),
    spelling=st.sampled_from(["UTC", "Etc/UTC", "utc", "GMT", "Coordinated Universal Time"]),
)
def test_utc_wall_times_are_read_as_utc_to_the_microsecond(wall: datetime, spelling: str) -> None:
    """Graph's times as we ask for them: a wall clock with seven fractional digits in
    "UTC" (read without the DST-aware conversion working hours need)."""
    later = wall + timedelta(minutes=1)
    event = {
        "showAs": "busy",
        "start": {"dateTime": wall.isoformat(timespec="microseconds") + "0", "timeZone": spelling},
        "end": {"dateTime": later.isoformat(timespec="microseconds") + "0", "timeZone": spelling},
    }
    block = classify_microsoft_event(event, host_zone="Europe/Berlin")
    assert block is not None
    assert (block.start, block.end) == (wall.replace(tzinfo=UTC), later.replace(tzinfo=UTC))
