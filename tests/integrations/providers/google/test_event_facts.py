"""What the Google adapter stores of each event type: markers are kept as free
blocks over the time they mark, so one-way sync can still show them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from integrations.providers.google.client import event_facts

DAY = {"start": {"date": "2031-03-11"}, "end": {"date": "2031-03-12"}}
HOURS = {
    "start": {"dateTime": "2031-03-11T09:00:00Z"},
    "end": {"dateTime": "2031-03-11T11:00:00Z"},
}


@pytest.mark.parametrize(
    ("event", "busy", "tentative", "all_day"),
    [
        ({"eventType": "birthday", "transparency": "transparent", **DAY}, False, False, True),
        # Even one that arrives opaque (an import, another client) stays free.
        ({"eventType": "birthday", "transparency": "opaque", **DAY}, False, False, True),
        (
            {"eventType": "workingLocation", "transparency": "transparent", **DAY},
            False,
            False,
            True,
        ),
        ({"eventType": "workingLocation", **HOURS}, False, False, False),
        ({"eventType": "outOfOffice", **HOURS}, True, False, False),
        ({"eventType": "focusTime", "status": "tentative", **HOURS}, True, True, False),
        ({"eventType": "focusTime", "transparency": "transparent", **HOURS}, False, False, False),
        ({"eventType": "fromGmail", **HOURS}, True, False, False),
    ],
)
def test_each_type_is_stored_with_its_span(
    event: dict[str, Any], busy: bool, tentative: bool, all_day: bool
) -> None:
    facts = event_facts({"summary": "x", **event}, host_zone="Asia/Kolkata")

    assert facts is not None
    assert (facts.busy, facts.tentative, facts.all_day) == (busy, tentative, all_day)
    if all_day:  # the host's day, not UTC's
        assert facts.start == datetime(2031, 3, 10, 18, 30, tzinfo=UTC)
        assert facts.end == datetime(2031, 3, 11, 18, 30, tzinfo=UTC)
    else:
        assert (facts.start, facts.end) == (
            datetime(2031, 3, 11, 9, tzinfo=UTC),
            datetime(2031, 3, 11, 11, tzinfo=UTC),
        )


def test_a_private_event_keeps_no_title_busy_or_free() -> None:
    for transparency in ("opaque", "transparent"):
        event = {"summary": "Doctor", "visibility": "private", "transparency": transparency}
        facts = event_facts({**event, **HOURS}, host_zone="UTC")
        assert facts is not None
        assert facts.title is None
