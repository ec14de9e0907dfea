"""The iCalendar core against brute-force oracles (hypothesis).

- Expansion: dateutil's rrule, asked for every instance from DTSTART on and filtered
  by hand, against our expansion of the same RRULE/EXDATE/RDATE inside a window.
- Classification: DESIGN.md's CalDAV/ICS row written as a table lookup.
- All-day: the host's own calendar day, whatever the zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule
from hypothesis import example, given, settings
from hypothesis import strategies as st

from integrations.calendars.provider import SyncWindow
from integrations.providers.ical.busy import event_facts
from integrations.providers.ical.expand import Occurrence, expand
from integrations.providers.ical.parse import parse_calendar
from tests.integrations.providers.ical.feeds import vcalendar, vevent

_FREQS = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY}
_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
_BASE = datetime(2026, 1, 1, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(_ZONES),
    start_offset=st.integers(0, 60 * 24 * 30),  # minutes after 2026-01-01
    minutes=st.integers(1, 600),
    freq=st.sampled_from(sorted(_FREQS)),
    interval=st.integers(1, 3),
    count=st.none() | st.integers(1, 40),
    excluded=st.lists(st.integers(0, 30), max_size=4),
    extra_days=st.lists(st.integers(1, 200), max_size=3),
    window_offset=st.integers(0, 24 * 200),  # hours after 2026-01-01
    window_hours=st.integers(1, 24 * 60),
)
def test_expansion_matches_a_brute_force_rrule(
    zone: str,
    start_offset: int,
    minutes: int,
    freq: str,
    interval: int,
    count: int | None,
    excluded: list[int],
    extra_days: list[int],
    window_offset: int,
    window_hours: int,
) -> None:
    tz = ZoneInfo(zone)
    dtstart = (_BASE + timedelta(minutes=start_offset)).astimezone(tz).replace(second=0)
    dtstart = dtstart.replace(tzinfo=None).replace(tzinfo=tz)  # wall time in the zone
    rule = rrule(_FREQS[freq], dtstart=dtstart, interval=interval, count=count)
    # Brute force: every instance up to far past the window.
    window = SyncWindow(
        _BASE + timedelta(hours=window_offset),
        _BASE + timedelta(hours=window_offset + window_hours),
    )
    horizon = window.end + timedelta(days=1)
    every = list(rule.between(dtstart - timedelta(seconds=1), horizon, inc=True))
    exdates = {every[i] for i in excluded if i < len(every)}
    rdates = {dtstart + timedelta(days=d) for d in extra_days} - set(every)
    wanted = sorted(
        s.astimezone(UTC)
        for s in (set(every) - exdates) | rdates
        # DURATION:PTnM is exact time (RFC 5545 3.3.6), also across a clock change.
        if window.overlaps(s, s.astimezone(UTC) + timedelta(minutes=minutes))
    )

    props = [
        f"DTSTART;TZID={zone}:{_stamp(dtstart)}",
        f"DURATION:PT{minutes}M",
        f"RRULE:FREQ={freq};INTERVAL={interval}" + (f";COUNT={count}" if count else ""),
    ]
    props += [f"EXDATE;TZID={zone}:{_stamp(e)}" for e in sorted(exdates)]
    props += [f"RDATE;TZID={zone}:{_stamp(r)}" for r in sorted(rdates)]
    expansion = expand(parse_calendar(vcalendar(vevent("s", *props))).calendar, window)
    assert expansion.unreadable == []
    got = []
    for occurrence in expansion.occurrences:
        facts = event_facts(occurrence, host_zone="UTC")
        assert facts is not None
        assert facts.end - facts.start == timedelta(minutes=minutes)
        got.append(facts.start)
    assert sorted(got) == wanted
    assert len({o.remote_id for o in expansion.occurrences}) == len(got)


_STATUS = st.sampled_from([None, "CONFIRMED", "TENTATIVE", "CANCELLED"])
_TRANSP = st.sampled_from([None, "OPAQUE", "TRANSPARENT"])
_BUSY = st.sampled_from([None, "BUSY", "FREE", "TENTATIVE", "OOF", "WORKINGELSEWHERE"])
_CLASS = st.sampled_from([None, "PUBLIC", "PRIVATE", "CONFIDENTIAL"])


@given(status=_STATUS, transp=_TRANSP, busy_status=_BUSY, klass=_CLASS)
def test_classification_follows_designs_table(
    status: str | None, transp: str | None, busy_status: str | None, klass: str | None
) -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    occurrence = Occurrence(
        uid="e",
        start=start,
        end=start + timedelta(hours=1),
        summary="Dentist",
        status=status,
        transp=transp,
        busy_status=busy_status,
        klass=klass,
    )
    facts = event_facts(occurrence, host_zone="Europe/Berlin")
    assert facts is not None
    free = transp == "TRANSPARENT" or status == "CANCELLED" or busy_status == "FREE"
    hidden = klass in ("PRIVATE", "CONFIDENTIAL")
    assert facts.busy is (not free)
    assert facts.tentative is (not free and status == "TENTATIVE")
    assert facts.private is hidden
    assert facts.title == (None if hidden else "Dentist")
    assert (facts.start, facts.end) == (start, start + timedelta(hours=1))


@given(fb_type=st.sampled_from(["FREE", "BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE", "X-LATER"]))
def test_freebusy_periods_follow_fbtype(fb_type: str) -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    occurrence = Occurrence("fb", start, start + timedelta(hours=1), fb_type=fb_type)
    facts = event_facts(occurrence, host_zone="UTC")
    assert facts is not None
    # RFC 5545 3.2.9: an unknown FBTYPE is treated as BUSY.
    assert facts.busy is (fb_type != "FREE")
    assert facts.tentative is (fb_type == "BUSY-TENTATIVE")


@given(
    zone=st.sampled_from([*_ZONES, "America/Sao_Paulo", "Asia/Tehran", "Australia/Lord_Howe"]),
    day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    length=st.integers(1, 5),
)
def test_all_day_events_cover_the_hosts_whole_days(zone: str, day: date, length: int) -> None:
    occurrence = Occurrence("d", day, day + timedelta(days=length), summary="Holiday")
    facts = event_facts(occurrence, host_zone=zone)
    assert facts is not None
    assert facts.all_day
    tz = ZoneInfo(zone)
    # The oracle: the host's wall clock reads midnight at both ends.
    start, end = facts.start.astimezone(tz), facts.end.astimezone(tz)
    assert (start.date(), start.hour, start.minute) == (day, 0, 0)
    assert (end.date(), end.hour, end.minute) == (day + timedelta(days=length), 0, 0)


# A plain event: one VEVENT per UID, no recurrence; the shapes exporters write
# (UTC, an IANA or Windows TZID, an unknown TZID, floating, all-day) and a few the
# fast path leaves to the general one (DURATION, no end, mixed kinds, backwards).
_SHAPES = ["utc", "zone", "windows", "unknown", "floating", "date", "duration", "no-end",
           "date-start", "backwards"]  # fmt: skip


def _plain_event(uid: str, shape: str, start: datetime, minutes: int, extra: list[str]) -> str:
    end = start + timedelta(minutes=minutes)
    utc = "%Y%m%dT%H%M%SZ"
    span = {
        "utc": [f"DTSTART:{start:{utc}}", f"DTEND:{end:{utc}}"],
        "zone": [f"DTSTART;TZID=Asia/Kolkata:{_stamp(start)}",
                 f"DTEND;TZID=Europe/Berlin:{_stamp(end)}"],
        "windows": [f"DTSTART;TZID=W. Europe Standard Time:{_stamp(start)}",
                    f"DTEND;TZID=W. Europe Standard Time:{_stamp(end)}"],
        "unknown": [f"DTSTART;TZID=Mars/Olympus:{_stamp(start)}",
                    f"DTEND;TZID=Mars/Olympus:{_stamp(end)}"],
        "floating": [f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(end)}"],
        "date": [f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
                 f"DTEND;VALUE=DATE:{start + timedelta(days=minutes % 4):%Y%m%d}"],
        "duration": [f"DTSTART:{start:{utc}}", f"DURATION:PT{minutes}M"],
        "no-end": [f"DTSTART;VALUE=DATE:{start:%Y%m%d}"],
        "date-start": [f"DTSTART;VALUE=DATE:{start:%Y%m%d}", f"DTEND:{end:{utc}}"],
        "backwards": [f"DTSTART:{end + timedelta(minutes=1):{utc}}", f"DTEND:{start:{utc}}"],
    }[shape]  # fmt: skip
    return vevent(uid, *span, *extra)


# The query's edges, where random draws rarely land: an instant at its end, an
# event starting at its end, one ending at its start (floating: compared as UTC).
@example(events=[("floating", 3, 0, False, 0, *[None] * 5)], window_hours=1, base=_BASE)
@example(events=[("floating", 3, 0, False, 30, *[None] * 5)], window_hours=1, base=_BASE)
@example(events=[("floating", 2, 0, True, 30, *[None] * 5)], window_hours=1, base=_BASE)
@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(_SHAPES),
            # Where it starts: minutes from the window's start, its end, or the edges
            # of the wider query that floating and all-day times get (15 h).
            st.sampled_from([0, 1, 2, 3]),
            st.integers(-60 * 48, 60 * 48) | st.integers(-2, 2),
            st.booleans(),  # the offset places its end, not its start
            st.sampled_from([0, 30]) | st.integers(0, 60 * 30),
            _STATUS, _TRANSP, _BUSY, _CLASS,
            st.none() | st.text("Dentist ,;\\é", max_size=8),
        ),
        min_size=1,
        max_size=6,
    ),
    window_hours=st.integers(1, 72),
    # Plain January, and the weekends Europe's clocks go forward and back.
    base=st.sampled_from(
        [_BASE, datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC)]
    ),
)  # fmt: skip
def test_the_fast_path_for_plain_events_matches_recurring_ical_events(
    events: list[
        tuple[str, int, int, bool, int, str | None, str | None, str | None, str | None, str | None]
    ],
    window_hours: int,
    base: datetime,
) -> None:
    window = SyncWindow(base, base + timedelta(hours=window_hours))
    components = []
    slack = timedelta(hours=15)
    anchors = [window.start, window.end, window.start - slack, window.end + slack]
    for n, event in enumerate(events):
        shape, anchor, offset, by_end, minutes, status, transp, busy, klass, summary = event
        extra = [f"{name}:{value}" for name, value in (
            ("STATUS", status), ("TRANSP", transp), ("X-MICROSOFT-CDO-BUSYSTATUS", busy),
            ("CLASS", klass), ("SUMMARY", summary),
        ) if value is not None]  # fmt: skip
        start = anchors[anchor] + timedelta(minutes=offset - (minutes if by_end else 0))
        start = start.replace(tzinfo=None)
        components.append(_plain_event(f"e{n}", shape, start, minutes, extra))
    body = vcalendar(*components)

    # Parsed twice: the general path adds a UID to events that lack one.
    fast = expand(parse_calendar(body).calendar, window)
    general = expand(parse_calendar(body).calendar, window, plain_fast_path=False)
    # repr, not ==: aware datetimes of one instant compare equal in any zone, and
    # the zone an occurrence keeps is part of what the path must reproduce.
    assert repr(fast) == repr(general)
