"""iCalendar VEVENT and VFREEBUSY: busy or free, per DESIGN.md's table."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from availability import (
    FreeBusyPeriod,
    ICalEvent,
    MalformedEventError,
    classify_ical_event,
    classify_ical_freebusy,
)
from tests.availability.helpers import utc

START, END = utc(2024, 3, 11, 9), utc(2024, 3, 11, 10)
BUSY, TENTATIVE, FREE = "busy", "tentative", "free"


@pytest.mark.parametrize(
    ("props", "switch_on", "switch_off"),
    [
        ({}, BUSY, BUSY),
        ({"transp": "OPAQUE", "status": "CONFIRMED"}, BUSY, BUSY),
        ({"transp": "TRANSPARENT"}, FREE, FREE),
        ({"transp": "transparent"}, FREE, FREE),
        ({"status": "CANCELLED"}, FREE, FREE),
        ({"busystatus": "FREE"}, FREE, FREE),
        ({"busystatus": "BUSY"}, BUSY, BUSY),
        ({"busystatus": "OOF"}, BUSY, BUSY),
        ({"status": "TENTATIVE"}, TENTATIVE, FREE),
        ({"status": "TENTATIVE", "transp": "TRANSPARENT"}, FREE, FREE),
    ],
)
def test_busy_or_free(props: dict[str, Any], switch_on: str, switch_off: str) -> None:
    event = ICalEvent(dtstart=START, dtend=END, summary="Sync", **props)
    for switch, expected in ((True, switch_on), (False, switch_off)):
        got = classify_ical_event(event, host_zone="UTC", tentative_blocks=switch)
        kind = FREE if got is None else TENTATIVE if got.tentative else BUSY
        assert kind == expected, switch


@pytest.mark.parametrize(
    ("klass", "title"),
    [
        (None, "Sync"),
        ("PUBLIC", "Sync"),
        ("PRIVATE", None),
        ("CONFIDENTIAL", None),
        ("X-ODD", None),
    ],
)
def test_privacy(klass: str | None, title: str | None) -> None:
    event = ICalEvent(dtstart=START, dtend=END, summary="Sync", classification=klass)
    got = classify_ical_event(event, host_zone="UTC")
    assert got is not None
    assert got.title == title


def test_all_day_and_default_one_day() -> None:
    got = classify_ical_event(ICalEvent(dtstart=date(2024, 3, 31)), host_zone="Europe/London")
    assert got is not None
    assert (got.start, got.end) == (utc(2024, 3, 31), utc(2024, 3, 31, 23))  # 23-hour day
    two = classify_ical_event(
        ICalEvent(dtstart=date(2024, 3, 11), dtend=date(2024, 3, 13)), host_zone="UTC"
    )
    assert two is not None
    assert two.end - two.start == timedelta(days=2)


def test_floating_time_is_read_in_host_zone() -> None:
    event = ICalEvent(dtstart=datetime(2024, 3, 11, 9), dtend=datetime(2024, 3, 11, 10))
    got = classify_ical_event(event, host_zone="Asia/Kolkata")
    assert got is not None
    assert got.start == utc(2024, 3, 11, 3, 30)


def test_offset_time_is_converted() -> None:
    plus2 = timezone(timedelta(hours=2))
    event = ICalEvent(dtstart=datetime(2024, 3, 11, 9, tzinfo=plus2), dtend=END)
    got = classify_ical_event(event, host_zone="UTC")
    assert got is not None
    assert got.start == utc(2024, 3, 11, 7)


def test_no_dtend_on_a_date_time_blocks_nothing() -> None:
    assert classify_ical_event(ICalEvent(dtstart=START), host_zone="UTC") is None


def test_from_properties() -> None:
    event = ICalEvent.from_properties(
        {
            "DTSTART": START,
            "DTEND": END,
            "CLASS": "PRIVATE",
            "SUMMARY": "x",
            "LOCATION": "y",
            "UID": "u1",
            "RECURRENCE-ID": START,
            "X-MICROSOFT-CDO-BUSYSTATUS": "FREE",
        }
    )
    assert event == ICalEvent(
        dtstart=START,
        dtend=END,
        classification="PRIVATE",
        summary="x",
        uid="u1",
        recurrence_id=START,
        busystatus="FREE",
    )
    with pytest.raises(MalformedEventError, match="DTSTART"):
        ICalEvent.from_properties({"SUMMARY": "x"})


@pytest.mark.parametrize(
    "event",
    [
        ICalEvent(dtstart="2024-03-11"),  # type: ignore[arg-type]
        ICalEvent(dtstart=date(2024, 3, 11), dtend=END),
        ICalEvent(dtstart=START, dtend=date(2024, 3, 12)),
        ICalEvent(dtstart=END, dtend=START),
    ],
)
def test_malformed(event: ICalEvent) -> None:
    with pytest.raises(MalformedEventError):
        classify_ical_event(event, host_zone="UTC")


class TestFreeBusy:
    @pytest.mark.parametrize(
        ("fbtype", "switch_on", "switch_off"),
        [
            (None, BUSY, BUSY),
            ("BUSY", BUSY, BUSY),
            ("BUSY-UNAVAILABLE", BUSY, BUSY),
            ("X-SOMETHING", BUSY, BUSY),
            ("FREE", FREE, FREE),
            ("busy-tentative", TENTATIVE, FREE),
        ],
    )
    def test_fbtype(self, fbtype: str | None, switch_on: str, switch_off: str) -> None:
        for switch, expected in ((True, switch_on), (False, switch_off)):
            got = classify_ical_freebusy(
                [FreeBusyPeriod(fbtype, START, END)], tentative_blocks=switch
            )
            kind = FREE if not got else TENTATIVE if got[0].tentative else BUSY
            assert kind == expected
            assert all(b.title is None for b in got)

    def test_plain_tuples_and_source(self) -> None:
        got = classify_ical_freebusy([("BUSY", START, END), ("FREE", START, END)], source="caldav")
        assert [(b.start, b.end, b.source) for b in got] == [(START, END, "caldav")]

    @pytest.mark.parametrize(
        "period",
        [("BUSY", datetime(2024, 3, 11, 9), END), ("BUSY", END, START), ("BUSY", START)],
    )
    def test_malformed(self, period: Any) -> None:
        with pytest.raises(MalformedEventError):
            classify_ical_freebusy([period])
