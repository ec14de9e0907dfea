"""Recurrence, zones and broken events: what a host's calendar turns into."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from integrations.calendars.provider import SyncWindow
from integrations.providers.ical.busy import event_facts
from integrations.providers.ical.expand import Occurrence, expand
from integrations.providers.ical.parse import parse_calendar
from tests.integrations.providers.ical.feeds import OUTLOOK_ZONE, vcalendar, vevent

WINDOW = SyncWindow(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def occurrences(body: bytes, window: SyncWindow = WINDOW) -> list[Occurrence]:
    expansion = expand(parse_calendar(body).calendar, window)
    assert expansion.unreadable == []
    return expansion.occurrences


def utc_starts(body: bytes, host_zone: str = "UTC") -> list[datetime]:
    found = []
    for occurrence in occurrences(body):
        facts = event_facts(occurrence, host_zone=host_zone)
        assert facts is not None
        found.append(facts.start)
    return sorted(found)


def test_an_override_listed_before_its_master_moves_one_instance() -> None:
    body = vcalendar(
        vevent(
            "s",
            "RECURRENCE-ID:20260304T090000Z",
            "DTSTART:20260304T150000Z",
            "DTEND:20260304T160000Z",
            "SUMMARY:moved",
        ),
        vevent(
            "s",
            "DTSTART:20260302T090000Z",
            "DTEND:20260302T100000Z",
            "RRULE:FREQ=DAILY;COUNT=5",
            "EXDATE:20260303T090000Z",
            "RDATE:20260310T090000Z",
        ),
    )
    starts = utc_starts(body)
    assert starts == [
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        datetime(2026, 3, 4, 15, tzinfo=UTC),
        datetime(2026, 3, 5, 9, tzinfo=UTC),
        datetime(2026, 3, 6, 9, tzinfo=UTC),
        datetime(2026, 3, 10, 9, tzinfo=UTC),
    ]
    ids = {o.remote_id for o in occurrences(body)}
    assert "s:20260304T090000Z" in ids  # the moved instance keeps its original identity


def test_a_recurrence_that_never_ends_is_bounded_by_the_window() -> None:
    body = vcalendar(
        vevent("daily", "DTSTART:20200101T120000Z", "DURATION:PT30M", "RRULE:FREQ=DAILY")
    )
    starts = utc_starts(body)
    assert len(starts) == 31
    assert starts[0] == datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_outlooks_own_vtimezone_and_windows_zone_names_are_honoured() -> None:
    body = vcalendar(
        OUTLOOK_ZONE,
        vevent(
            "custom",
            "DTSTART;TZID=Customised Time Zone:20260310T100000",
            "DTEND;TZID=Customised Time Zone:20260310T110000",
        ),
        vevent(
            "windows",
            "DTSTART;TZID=W. Europe Standard Time:20260330T100000",
            "DTEND;TZID=W. Europe Standard Time:20260330T110000",
        ),
    )
    # 10:00 at +01:00 in March before the switch; 10:00 at +02:00 after it.
    assert utc_starts(body, host_zone="Asia/Tokyo") == [
        datetime(2026, 3, 10, 9, tzinfo=UTC),
        datetime(2026, 3, 30, 8, tzinfo=UTC),
    ]


def test_an_unknown_tzid_is_read_in_the_hosts_zone_and_named() -> None:
    body = vcalendar(
        vevent(
            "mars",
            "DTSTART;TZID=Mars/Olympus Mons:20260310T100000",
            "DTEND;TZID=Mars/Olympus Mons:20260310T110000",
        )
    )
    [occurrence] = occurrences(body)
    assert occurrence.unknown_zone == "Mars/Olympus Mons"
    facts = event_facts(occurrence, host_zone="America/New_York")
    assert facts is not None
    assert facts.start == datetime(2026, 3, 10, 14, tzinfo=UTC)


def test_a_broken_event_costs_only_itself() -> None:
    body = vcalendar(
        vevent("backwards", "DTSTART:20260310T100000Z", "DTEND:20260310T090000Z"),
        vevent("garbage", "DTSTART:tomorrow-ish", "DTEND:20260310T090000Z"),
        vevent("badrule", "DTSTART:20260310T100000Z", "RRULE:FREQ=SOMETIMES"),
        vevent("fine", "DTSTART:20260311T100000Z", "DTEND:20260311T110000Z"),
    )
    expansion = expand(parse_calendar(body).calendar, WINDOW)
    assert [o.uid for o in expansion.occurrences] == ["fine"]
    reasons = {u.uid: u.reason for u in expansion.unreadable}
    assert set(reasons) == {"backwards", "garbage", "badrule"}
    assert reasons["backwards"] == "it ends before it starts"


def test_date_only_start_and_duration_shapes() -> None:
    body = vcalendar(
        vevent("day", "DTSTART;VALUE=DATE:20260310"),
        vevent("days", "DTSTART;VALUE=DATE:20260312", "DTEND;VALUE=DATE:20260314"),
        vevent("dur", "DTSTART:20260315T100000Z", "DURATION:PT90M"),
        vevent("instant", "DTSTART:20260316T100000Z"),
    )
    spans = {o.uid: (o.start, o.end) for o in occurrences(body)}
    assert spans["day"] == (date(2026, 3, 10), date(2026, 3, 11))
    assert spans["days"] == (date(2026, 3, 12), date(2026, 3, 14))
    start = datetime(2026, 3, 15, 10, tzinfo=UTC)
    assert spans["dur"] == (start, start + timedelta(minutes=90))
    # A DATE-TIME start alone lasts no time (RFC 5545 3.6.1): it blocks nothing.
    [instant] = [o for o in occurrences(body) if o.uid == "instant"]
    assert event_facts(instant, host_zone="UTC") is None


def test_events_without_uid_keep_the_same_id_from_one_fetch_to_the_next() -> None:
    event = (
        "BEGIN:VEVENT\r\nDTSTART:20260310T100000Z\r\nDTEND:20260310T110000Z\r\n"
        "SUMMARY:hand-written\r\nEND:VEVENT\r\n"
    )
    first = occurrences(vcalendar(event))
    second = occurrences(vcalendar(event))
    assert [o.remote_id for o in first] == [o.remote_id for o in second]
    assert first[0].remote_id.startswith("no-uid-")


def test_vfreebusy_periods_by_fbtype() -> None:
    freebusy = "\r\n".join(
        [
            "BEGIN:VFREEBUSY",
            "UID:fb",
            "DTSTART:20260301T000000Z",
            "DTEND:20260401T000000Z",
            "FREEBUSY;FBTYPE=FREE:20260302T090000Z/20260302T100000Z",
            "FREEBUSY:20260303T090000Z/PT1H",
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260304T090000Z/20260304T100000Z",
            "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20260305T090000Z/20260305T100000Z,"
            "20260306T090000Z/20260306T100000Z",
            "FREEBUSY;FBTYPE=BUSY:20250101T090000Z/20250101T100000Z",
            "END:VFREEBUSY",
        ]
    )
    found = sorted(occurrences(vcalendar(freebusy + "\r\n")), key=lambda o: o.start)
    facts = [event_facts(o, host_zone="UTC") for o in found]
    assert [(f.start.day, f.busy, f.tentative) for f in facts if f is not None] == [
        (2, False, False),
        (3, True, False),
        (4, True, True),
        (5, True, False),
        (6, True, False),
    ]
    assert all(f is not None and f.title is None for f in facts)
    assert len({o.remote_id for o in found}) == 5


def test_exporter_quirks_are_read_without_losing_the_event() -> None:
    body = vcalendar(
        # DATE start with a DATE-TIME end: read as given (from midnight UTC).
        vevent("mixed", "DTSTART;VALUE=DATE:20260310", "DTEND:20260310T120000Z"),
        # UNTIL in local time under a UTC start (RFC 5545 wants UTC): still bounded.
        vevent(
            "until-local",
            "DTSTART:20260310T090000Z",
            "DURATION:PT1H",
            "RRULE:FREQ=DAILY;UNTIL=20260313T090000",
        ),
        # Apple's travel-time properties are ignored.
        vevent(
            "apple",
            "DTSTART:20260315T090000Z",
            "DTEND:20260315T100000Z",
            "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC",
            "X-APPLE-TRAVEL-DURATION;VALUE=DURATION:PT30M",
        ),
        # An RDATE that is a period: its own length.
        vevent(
            "rdate-period",
            "DTSTART:20260316T090000Z",
            "DTEND:20260316T100000Z",
            "RDATE;VALUE=PERIOD:20260317T090000Z/20260317T110000Z",
        ),
    )
    found = occurrences(body)
    spans = sorted((o.uid, o.start, o.end) for o in found)
    assert [uid for uid, *_ in spans].count("until-local") == 4
    midnight = datetime(2026, 3, 10, tzinfo=UTC)
    assert ("mixed", midnight, midnight + timedelta(hours=12)) in spans
    assert (
        "apple",
        datetime(2026, 3, 15, 9, tzinfo=UTC),
        datetime(2026, 3, 15, 10, tzinfo=UTC),
    ) in spans
    assert (
        "rdate-period",
        datetime(2026, 3, 17, 9, tzinfo=UTC),
        datetime(2026, 3, 17, 11, tzinfo=UTC),
    ) in spans


def test_a_duration_in_hours_is_exact_across_the_clock_change() -> None:
    # Europe/Berlin springs forward at 02:00 on 2026-03-29: a two-hour meeting from
    # 01:30 ends at 04:30 local, two real hours later (RFC 5545 3.3.6), not at 03:30.
    # A day-long DURATION is nominal: the same wall-clock time the next day.
    body = vcalendar(
        vevent(
            "two-hours",
            "DTSTART;TZID=Europe/Berlin:20260328T013000",
            "DURATION:PT120M",
            "RRULE:FREQ=DAILY;COUNT=3",
        ),
        vevent("one-day", "DTSTART;TZID=Europe/Berlin:20260328T120000", "DURATION:P1D"),
        vevent("moved", "DTSTART;TZID=Europe/Berlin:20260329T013000", "DURATION:PT90M"),
    )
    spans = {}
    for occurrence in occurrences(body):
        facts = event_facts(occurrence, host_zone="Europe/Berlin")
        assert facts is not None
        spans[(occurrence.uid, facts.start)] = facts.end - facts.start
    assert spans[("two-hours", datetime(2026, 3, 29, 0, 30, tzinfo=UTC))] == timedelta(hours=2)
    assert {v for (uid, _), v in spans.items() if uid == "two-hours"} == {timedelta(hours=2)}
    assert spans[("moved", datetime(2026, 3, 29, 0, 30, tzinfo=UTC))] == timedelta(minutes=90)
    # Noon to noon across the change: 23 real hours.
    assert spans[("one-day", datetime(2026, 3, 28, 11, tzinfo=UTC))] == timedelta(hours=23)
