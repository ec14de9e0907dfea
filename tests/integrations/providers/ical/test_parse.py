"""Reading a feed's body: what a host sees when it is not a calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.accounts.errors import BadResponse
from integrations.calendars.provider import SyncWindow
from integrations.providers.ical.busy import event_facts
from integrations.providers.ical.expand import expand
from integrations.providers.ical.parse import parse_calendar
from tests.integrations.providers.ical.feeds import vcalendar, vevent

WINDOW = SyncWindow(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "did not answer with an iCalendar"),
        (b"", "did not answer with an iCalendar"),
        (b"BEGIN:VCALENDAR\r\nthis is not a content line\r\nEND:VCALENDAR\r\n", "not valid"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\n", "not valid"),
    ],
)
def test_a_body_that_is_not_a_calendar_is_refused_plainly(body: bytes, says: str) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_calendar(body)
    assert says in caught.value.detail


def test_a_20_mb_calendar_is_refused_by_its_size() -> None:
    event = vevent("a", "DTSTART:20260105T100000Z", "DTEND:20260105T110000Z")
    body = vcalendar(event * (20 * 1024 * 1024 // len(event) + 1))
    assert len(body) > 20 * 1024 * 1024
    with pytest.raises(BadResponse, match="20 MB, more than the 10 MB"):
        parse_calendar(body)


def test_google_exports_floating_times_meant_in_x_wr_timezone() -> None:
    body = vcalendar(
        vevent("g", "DTSTART:20260105T100000", "DTEND:20260105T110000", "SUMMARY:standup"),
        extra=["X-WR-CALNAME:Team", "X-WR-TIMEZONE:America/New_York"],
    )
    parsed = parse_calendar(body)
    assert (parsed.name, parsed.time_zone) == ("Team", "America/New_York")
    [occurrence] = expand(parsed.calendar, WINDOW).occurrences
    # Read in the host's zone (Tokyo) it would be 01:00 UTC; it is New York's 10:00.
    facts = event_facts(occurrence, host_zone="Asia/Tokyo")
    assert facts is not None
    assert facts.start == datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def test_an_unknown_x_wr_timezone_leaves_times_floating_in_the_hosts_zone() -> None:
    body = vcalendar(
        vevent("g", "DTSTART:20260105T100000", "DTEND:20260105T110000"),
        extra=["X-WR-TIMEZONE:Atlantis/Capital"],
    )
    parsed = parse_calendar(body)
    assert parsed.time_zone is None
    [occurrence] = expand(parsed.calendar, WINDOW).occurrences
    facts = event_facts(occurrence, host_zone="Europe/Paris")
    assert facts is not None
    assert facts.start == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
