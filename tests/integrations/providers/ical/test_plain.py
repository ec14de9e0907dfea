"""The fast read of one plain VEVENT against the general path (hypothesis).

``read_plain`` must give exactly what ``expand(parse_calendar(...))`` gives (repr
for repr: the zones of the values too), or ``None`` (the caller then takes that
path, which also gives the errors). The resources are written the way Apple,
Google, Thunderbird and Outlook write them: VTIMEZONE blocks, VALARMs, folded lines,
escaped text, parameters, CRLF or LF, lower-case names; then some are broken.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from integrations.accounts.errors import BadResponse
from integrations.calendars.provider import SyncWindow
from integrations.providers.ical.expand import Expansion, expand
from integrations.providers.ical.parse import parse_calendar
from integrations.providers.ical.plain import read_plain

_BASE = datetime(2026, 3, 28, tzinfo=UTC)  # Europe's clocks go forward that weekend
WINDOW = SyncWindow(_BASE, _BASE + timedelta(days=3))

BERLIN = [
    "BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "X-LIC-LOCATION:Europe/Berlin",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
    "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
    "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE",
]  # fmt: skip
#: A zone zoneinfo does not know: icalendar builds it from the block (general path).
CUSTOM = [
    "BEGIN:VTIMEZONE", "TZID:Customised Time Zone", "BEGIN:STANDARD",
    "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "END:STANDARD",
    "END:VTIMEZONE",
]  # fmt: skip
BROKEN_ZONE = ["BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "BEGIN:STANDARD",
               "TZOFFSETFROM:yesterday", "END:STANDARD", "END:VTIMEZONE"]  # fmt: skip
ALARM = ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "DESCRIPTION:Reminder",
         "X-WR-ALARMUID:6F1C", "UID:6F1C", "END:VALARM"]  # fmt: skip
BROKEN_ALARM = ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:soon", "END:VALARM"]
ZONES = {"none": [], "berlin": BERLIN, "custom": CUSTOM, "broken": BROKEN_ZONE}
ALARMS = {"none": [], "alarm": ALARM, "broken": BROKEN_ALARM}

#: How the event's times are written; the first ones are what the fast path reads.
PLAIN = ["utc", "zone", "quoted-zone", "floating", "date", "bare-date", "windows",
         "unknown", "lower-tzid"]  # fmt: skip
OTHER = ["duration", "no-end", "date-start", "backwards", "rrule", "z-with-zone",
         "bad-date", "dup-start", "value-period", "zone-param-junk"]  # fmt: skip

#: Ways to break or stretch the file (the fast path must step aside or agree).
MUTATIONS = ["none", "x-wr-timezone", "second-event", "no-uid", "blank-uid", "junk-line",
             "no-end-calendar", "trailing-line", "property-at-top", "todo", "bom",
             "leading-blank", "text-value-param", "dup-summary", "bad-begin",
             "unterminated-quote", "nested-event", "x-comment-after",
             "begin-in-blocks"]  # fmt: skip


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _times(shape: str, start: datetime, minutes: int) -> list[str]:
    end = start + timedelta(minutes=minutes)
    utc = "%Y%m%dT%H%M%SZ"
    return {
        "utc": [f"DTSTART:{start:{utc}}", f"DTEND:{end:{utc}}"],
        "zone": [f"DTSTART;TZID=Europe/Berlin:{_stamp(start)}",
                 f"DTEND;TZID=America/New_York:{_stamp(end)}"],
        "quoted-zone": [f'DTSTART;TZID="Europe/Berlin":{_stamp(start)}',
                        f'DTEND;VALUE=DATE-TIME;TZID="Europe/Berlin":{_stamp(end)}'],
        "lower-tzid": [f"dtstart;tzid=Asia/Kolkata:{_stamp(start)}",
                       f"dtend;tzid=Asia/Kolkata:{_stamp(end)}"],
        "floating": [f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(end)}"],
        "date": [f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
                 f"DTEND;VALUE=DATE:{start + timedelta(days=1 + minutes % 3):%Y%m%d}"],
        "bare-date": [f"DTSTART:{start:%Y%m%d}", f"DTEND:{start + timedelta(days=1):%Y%m%d}"],
        "windows": [f"DTSTART;TZID=W. Europe Standard Time:{_stamp(start)}",
                    f"DTEND;TZID=W. Europe Standard Time:{_stamp(end)}"],
        "unknown": [f"DTSTART;TZID=Customised Time Zone:{_stamp(start)}",
                    f"DTEND;TZID=Customised Time Zone:{_stamp(end)}"],
        "duration": [f"DTSTART:{start:{utc}}", f"DURATION:PT{minutes}M"],
        "no-end": [f"DTSTART;VALUE=DATE:{start:%Y%m%d}"],
        "date-start": [f"DTSTART;VALUE=DATE:{start:%Y%m%d}", f"DTEND:{end:{utc}}"],
        "backwards": [f"DTSTART:{end + timedelta(minutes=1):{utc}}", f"DTEND:{start:{utc}}"],
        "rrule": [f"DTSTART:{start:{utc}}", f"DTEND:{end:{utc}}", "RRULE:FREQ=DAILY;COUNT=3"],
        "z-with-zone": [f"DTSTART;TZID=Europe/Berlin:{start:{utc}}", f"DTEND:{end:{utc}}"],
        "bad-date": ["DTSTART:20261340T100000Z", f"DTEND:{end:{utc}}"],
        "dup-start": [f"DTSTART:{start:{utc}}", f"DTSTART:{end:{utc}}", f"DTEND:{end:{utc}}"],
        "value-period": [f"DTSTART;VALUE=PERIOD:{start:{utc}}", f"DTEND:{end:{utc}}"],
        "zone-param-junk": [f"DTSTART;TZID=Europe/Berlin;X-A=b:{_stamp(start)}",
                            f"DTEND:{end:{utc}}"],
    }[shape]  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str, width: int, indent: str) -> list[str]:
    """RFC 5545 3.1 folding (by characters here; icalendar unfolds either way)."""
    if len(line) <= width:
        return [line]
    parts = [line[:width]]
    rest = line[width:]
    while rest:
        parts.append(indent + rest[: width - 1])
        rest = rest[width - 1 :]
    return parts


def _resource(
    shape: str,
    start: datetime,
    minutes: int,
    texts: list[tuple[str, str]],
    zone: str,
    alarm: str,
    mutation: str,
    lower: bool,
    fold: int,
    newline: str,
) -> str:
    event = ["BEGIN:VEVENT", "UID:plain-1@example.com", "DTSTAMP:20260101T000000Z",
             'ATTENDEE;CN="Doe, John";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:j@x.org',
             "ORGANIZER;CN=Jane:mailto:jane@x.org", "SEQUENCE:2", "CATEGORIES:Work,Health",
             "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC", "LOCATION:Room 1\\, upstairs",
             "DESCRIPTION:" + _escape("Bring the forms; and the card,\nplease. " * 4),
             *_times(shape, start, minutes)]  # fmt: skip
    for name, value in texts:
        event.append(f"{name}:{value}")
    event += ALARMS[alarm]
    event.append("END:VEVENT")
    top = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Apple Inc.//macOS 14.0//EN",
           "CALSCALE:GREGORIAN", "X-WR-CALNAME:Work", *ZONES[zone]]  # fmt: skip
    lines = [*top, *event, "END:VCALENDAR"]
    lines = _mutate(lines, mutation)
    if lower:
        lines = [_lower_name(line) for line in lines]
    folded = [part for line in lines for part in _fold(line, fold, " " if fold % 2 else "\t")]
    text = newline.join(folded) + newline
    if mutation == "bom":
        text = "\ufeff" + text
    if mutation == "leading-blank":
        text = newline + text
    return text


def _lower_name(line: str) -> str:
    cut = min((i for i in (line.find(":"), line.find(";")) if i >= 0), default=len(line))
    return line[:cut].lower() + line[cut:]


def _mutate(lines: list[str], mutation: str) -> list[str]:
    event = lines.index("BEGIN:VEVENT")
    end = lines.index("END:VEVENT")
    uid = event + 1
    match mutation:
        case "x-wr-timezone":
            return [lines[0], "X-WR-TIMEZONE:Europe/Berlin", *lines[1:]]
        case "second-event":
            return [*lines[:-1], *lines[event : end + 1], lines[-1]]
        case "no-uid":
            return lines[:uid] + lines[uid + 1 :]
        case "blank-uid":
            return [*lines[:uid], "UID:  ", *lines[uid + 1 :]]
        case "junk-line":
            return [*lines[: end - 1], "this is no content line", *lines[end - 1 :]]
        case "no-end-calendar":
            return lines[:-1]
        case "trailing-line":
            return [*lines, "X-FOO:after the end"]
        case "x-comment-after":
            return [*lines, "X-COMMENT:after the end"]
        case "property-at-top":
            return [lines[0], "DTSTART:20260101T000000Z", *lines[1:]]
        case "todo":
            return [*lines[:-1], "BEGIN:VTODO", "UID:t", "END:VTODO", lines[-1]]
        case "text-value-param":
            return [*lines[:end], "SUMMARY;VALUE=URI:http://x.org/", *lines[end:]]
        case "dup-summary":
            return [*lines[:end], "SUMMARY:one", "SUMMARY:two", *lines[end:]]
        case "bad-begin":
            return [*lines[:event], "BEGIN:VEVENT ", *lines[event + 1 :]]
        case "unterminated-quote":
            return [*lines[:end], 'SUMMARY;LANGUAGE="en:Lunch', *lines[end:]]
        case "begin-in-blocks":
            return [
                part
                for line in lines
                for part in (
                    [line, "BEGIN;X-A=1:X-THING"] if line in ("BEGIN:VALARM", "BEGIN:STANDARD")
                    else [line]
                )
            ]  # fmt: skip
        case "nested-event":
            return [*lines[:end], "BEGIN:VEVENT", "UID:inner", "END:VEVENT", *lines[end:]]
    return lines


def _general(text: str) -> Expansion | str:
    try:
        return expand(parse_calendar(text.encode("utf-8")).calendar, WINDOW)
    except BadResponse as exc:
        return f"BadResponse: {exc.detail}"


_TEXT = st.text('Dentist ,;:\\né"', max_size=12)
_VALUES = st.sampled_from(["TENTATIVE", "tentative", " Cancelled ", "CONFIRMED", "TRANSPARENT",
                           "OPAQUE", "PRIVATE", "FREE", "BUSY", ""])  # fmt: skip


@example(shape="utc", offset=0, minutes=30, texts=[], zone="none", alarm="none",
         mutation="none", lower=False, fold=75, newline="\r\n")  # fmt: skip
@settings(max_examples=400, deadline=None)
@given(
    shape=st.sampled_from(PLAIN + OTHER),
    # Around the window's edges (and the wider query floating times get: 15 h).
    offset=st.integers(-60 * 40, 60 * 24 * 4),
    minutes=st.sampled_from([0, 30, 60, 24 * 60]) | st.integers(0, 600),
    texts=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "SUMMARY",
                    "SUMMARY;LANGUAGE=en-US",
                    "STATUS",
                    "TRANSP",
                    "CLASS",
                    "X-MICROSOFT-CDO-BUSYSTATUS",
                    "summary",
                ]
            ),
            st.builds(_escape, _TEXT) | _TEXT | _VALUES,
        ),
        max_size=4,
        unique_by=lambda t: t[0].split(";")[0].upper(),
    ),
    zone=st.sampled_from(sorted(ZONES)),
    alarm=st.sampled_from(sorted(ALARMS)),
    mutation=st.sampled_from(MUTATIONS) | st.just("none"),
    lower=st.booleans(),
    fold=st.sampled_from([75, 40, 1000]),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_the_fast_read_matches_the_general_path(
    shape: str,
    offset: int,
    minutes: int,
    texts: list[tuple[str, str]],
    zone: str,
    alarm: str,
    mutation: str,
    lower: bool,
    fold: int,
    newline: str,
) -> None:
    start = (_BASE + timedelta(minutes=offset)).replace(tzinfo=None)
    text = _resource(shape, start, minutes, texts, zone, alarm, mutation, lower, fold, newline)
    fast = read_plain(text, WINDOW, max_bytes=1024 * 1024)
    general = _general(text)
    if fast is not None:
        # repr, not ==: aware datetimes of one instant compare equal in any zone.
        assert repr(fast) == repr(general)
    plain = (
        shape in PLAIN and zone in ("none", "berlin") and alarm != "broken" and mutation == "none"
    )
    if plain:
        assert fast is not None, "a plain event must take the fast path"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "BEGIN:VCALENDAR",
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "<html>login</html>",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260330T100000Z\r\n"
        "DTEND:20260330T110000Z\r\nEND:VEVENT\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:2026033OT100000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
    ],
)
def test_what_it_cannot_read_goes_to_the_general_path(text: str) -> None:
    assert read_plain(text, WINDOW, max_bytes=1024 * 1024) is None


def test_a_resource_over_the_size_limit_goes_to_the_general_path() -> None:
    text = _resource("utc", _BASE.replace(tzinfo=None), 30, [], "none", "none", "none",
                     False, 75, "\r\n")  # fmt: skip
    assert read_plain(text, WINDOW, max_bytes=len(text)) is not None
    assert read_plain(text, WINDOW, max_bytes=len(text) - 1) is None
    assert isinstance(_general(text), Expansion)
