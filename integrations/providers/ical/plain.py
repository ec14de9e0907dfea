"""A fast read of the commonest calendar object resource: one plain VEVENT.

A CalDAV calendar is mostly resources holding one event that happens once, and
reading each with ``icalendar.Calendar.from_ical`` cost more than fetching it: the
library builds a typed property for every line (DTSTAMP, ATTENDEE, DESCRIPTION ...)
that the busy block never looks at. :func:`read_plain` splits the content lines
itself, reads only what :mod:`.expand` reads (UID, DTSTART, DTEND, SUMMARY,
STATUS, TRANSP, CLASS, X-MICROSOFT-CDO-BUSYSTATUS) with icalendar's own value
parsers, and hands them to the same plain-event code as the general path.

It is strict and narrow: anything it is not sure icalendar reads the same way
(recurrence, DURATION, a second event, X-WR-TIMEZONE, a VTIMEZONE of a zone
zoneinfo does not know, parameters beyond TZID / VALUE / LANGUAGE on what it reads,
a line it cannot split, a property the calendar level does not expect ...) gives
``None``, and the caller takes the general path, which then also gives the same
errors for malformed input as before. A property test holds both paths to the
same output (tests/integrations/providers/ical/test_plain.py).

The VTIMEZONE and VALARM blocks it skips are checked once per distinct text with
icalendar (clients repeat the same zone in every resource): a block icalendar
would refuse sends the resource to the general path, where it is refused.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import icalendar
from icalendar.parser.content_line import NEWLINE, UFOLD
from icalendar.parser.property import unescape_backslash
from icalendar.prop import vDDDTypes

from integrations.calendars.provider import SyncWindow
from integrations.providers.ical.expand import Expansion, plain_occurrences

__all__ = ["read_plain"]

#: A content line's name and the delimiter after it (icalendar splits there too: a
#: name holds no quote or backslash).
_HEAD: Final = re.compile(r"([A-Za-z0-9-]+)([;:])")
#: A parameter section icalendar splits where we do: quoted values hold no quote,
#: unquoted ones no quote, delimiter, backslash, caret (RFC 6868) or control.
_PARAMS: Final = re.compile(
    r'(?:;[A-Za-z0-9-]+=(?:"[^"\x00-\x08\x0a-\x1f\x7f]*"|[^";:,\\^\x00-\x1f\x7f]*))*:'
)
#: What the text properties we read may carry: a language, nothing else (a VALUE
#: would change how icalendar reads the value).
_TEXT_PARAMS: Final = re.compile(r"(?:;LANGUAGE=[A-Za-z0-9-]+)?:", re.IGNORECASE)
_ZONE: Final = re.compile(r'("?)([A-Za-z0-9_/+.-]+(?: [A-Za-z0-9_/+.-]+)*)\1')
_WHEN: Final = re.compile(r"[0-9]{8}(?:T[0-9]{6}Z?)?")
#: The properties of the event that decide its busy block (read as icalendar would).
_TEXT: Final = frozenset({"UID", "SUMMARY", "STATUS", "TRANSP", "CLASS"})
_RAW: Final = frozenset({"X-MICROSOFT-CDO-BUSYSTATUS"})  # icalendar: vUnknown, not unescaped
_TIMES: Final = frozenset({"DTSTART", "DTEND"})
#: What makes an event more than one plain instance: the general path's business.
_NOT_PLAIN: Final = frozenset({"RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID", "DURATION"})
#: Calendar-level properties icalendar reads as text and never refuses.
_CALENDAR_TEXT: Final = frozenset({"VERSION", "PRODID", "CALSCALE", "METHOD"})


@dataclass(frozen=True, slots=True)
class _When:
    """A DTSTART / DTEND as :mod:`.expand` reads it (icalendar's vDDDTypes has
    the same ``dt`` and ``params``)."""

    dt: date | datetime
    params: dict[str, str]


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.lru_cache(maxsize=256)
def _block_reads(kind: str, block: str) -> bool:
    """Whether icalendar reads this VTIMEZONE / VALARM block (its unfolded lines)
    without an error and without side effects on what the event's values mean: a
    VTIMEZONE's TZID must be a zone zoneinfo knows (icalendar caches a zone it
    builds from an unknown one, and reads TZIDs by it from then on)."""
    wrapped = {
        "VTIMEZONE": f"BEGIN:VCALENDAR\r\n{block}\r\nEND:VCALENDAR\r\n",
        "VALARM": f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{block}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    }[kind]
    if kind == "VTIMEZONE":
        found = re.search(r"^TZID(?:;[^:\r\n]*)?:([^\r\n]*)", block, re.MULTILINE | re.IGNORECASE)
        if found is not None:
            tzid = found.group(1)
            if tzid not in _known_zones() and tzid.strip("/") not in _known_zones():
                return False
    try:
        icalendar.Calendar.from_ical(wrapped)
    except Exception:  # the general path reads it again and says what is wrong
        return False
    return True


def _block(lines: list[str], start: int, kind: str) -> int | None:
    """The index after the END of the block that begins at ``lines[start]`` when it
    is well nested (a VTIMEZONE's STANDARD / DAYLIGHT only) and icalendar reads it."""
    nested = ("BEGIN:STANDARD", "BEGIN:DAYLIGHT") if kind == "VTIMEZONE" else ()
    inside: str | None = None
    for index in range(start + 1, len(lines)):
        upper = lines[index].upper()
        head = _HEAD.match(upper)
        if head is None or head.group(1) not in ("BEGIN", "END"):
            continue  # a property: icalendar checks it (_block_reads)
        if inside is not None:
            if upper != "END:" + inside:
                return None
            inside = None
        elif upper == "END:" + kind:
            block = "\r\n".join(lines[start : index + 1])
            return index + 1 if _block_reads(kind, block) else None
        elif upper in nested:
            inside = upper[6:]
        else:
            return None
    return None


def _time(line: str, head: re.Match[str]) -> _When | None:
    tzid: str | None = None
    value_type = False
    colon = line.find(":", head.end() - 1)
    if head.group(2) == ";":
        for param in line[head.end() : colon].split(";"):
            key, _, value = param.partition("=")
            key = key.upper()
            if key == "TZID" and tzid is None:
                zone = _ZONE.fullmatch(value)
                if zone is None:
                    return None
                tzid = zone.group(2)
            elif key == "VALUE" and not value_type and value.upper() in ("DATE", "DATE-TIME"):
                value_type = True
            else:
                return None
    value = line[colon + 1 :]
    if _WHEN.fullmatch(value) is None:
        return None
    try:  # what icalendar's parser calls for DTSTART / DTEND
        read: Any = vDDDTypes.from_ical  # untyped in icalendar
        parsed = read(value, tzid) if tzid else read(value)
    except (ValueError, TypeError):
        return None
    if not isinstance(parsed, date):
        return None
    return _When(parsed, {"TZID": tzid} if tzid else {})


def _event(lines: list[str], start: int) -> tuple[dict[str, Any], int] | None:
    """The properties we read of the VEVENT that begins at ``lines[start]`` (by
    upper-case name, as :func:`.plain_occurrences` reads them), and the index after
    its END."""
    event: dict[str, Any] = {}
    index = start + 1
    while index < len(lines):
        line = lines[index]
        head = _HEAD.match(line)
        if head is None:
            return None
        name = head.group(1).upper()
        if name in ("BEGIN", "END"):
            what = line[head.end() :].upper() if head.group(2) == ":" else ""
            if name == "END" and what == "VEVENT":
                return event, index + 1
            if name == "BEGIN" and what == "VALARM":
                after = _block(lines, index, "VALARM")
                if after is None:
                    return None
                index = after
                continue
            return None
        if name in _NOT_PLAIN or name in event:
            return None
        if name in _TIMES:
            prop = _time(line, head)
            if prop is None:
                return None
            event[name] = prop
        elif name in _TEXT or name in _RAW:
            params = _TEXT_PARAMS.match(line, head.end() - 1)
            if params is None:
                return None
            raw = line[params.end() :]
            # What str() of icalendar's vText / vUnknown value gives.
            event[name] = raw if name in _RAW else unescape_backslash(raw)
        elif head.group(2) == ";" and _PARAMS.match(line, head.end() - 1) is None:
            return None
        index += 1
    return None


def read_plain(text: str, window: SyncWindow, *, max_bytes: int) -> Expansion | None:
    """The occurrences of ``text`` in ``window``, exactly as
    ``expand(parse_calendar(text.encode()).calendar, window)`` gives them, when
    ``text`` is one VCALENDAR holding one plain VEVENT; ``None`` for anything else
    (the caller takes that general path)."""
    if text[:15].upper() != "BEGIN:VCALENDAR":
        return None  # a BOM, leading blank lines, or no calendar: the general path
    if len(text) * 4 > max_bytes and len(text.encode("utf-8")) > max_bytes:
        return None
    lines = [line for line in NEWLINE.split(UFOLD.sub("", text)) if line]
    if lines[0].upper() != "BEGIN:VCALENDAR":
        return None
    event: dict[str, Any] | None = None
    index = 1
    while index < len(lines):
        line = lines[index]
        head = _HEAD.match(line)
        if head is None:
            return None
        name = head.group(1).upper()
        what = line[head.end() :].upper() if head.group(2) == ":" else ""
        if name == "END":
            if what != "VCALENDAR" or index != len(lines) - 1:
                return None
            break
        if name == "BEGIN":
            if what == "VEVENT" and event is None:
                found = _event(lines, index)
                if found is None:
                    return None
                event, index = found
                continue
            if what == "VTIMEZONE":
                after = _block(lines, index, "VTIMEZONE")
                if after is None:
                    return None
                index = after
                continue
            return None
        if head.group(2) != ":":
            return None
        if name not in _CALENDAR_TEXT and (not name.startswith("X-") or name == "X-WR-TIMEZONE"):
            return None
        index += 1
    else:
        return None  # no END:VCALENDAR
    if event is None:
        return None
    uid = str(event.get("UID", "")).strip()
    if not uid:
        return None
    try:
        occurrences = plain_occurrences(uid, event, window)
    except Exception:  # the general path reads it again and names what is wrong
        return None
    if occurrences is None:
        return None
    return Expansion(occurrences, [])
