"""Reading a VCALENDAR body: the checks every feed needs before anything trusts it.

A feed is whatever a URL answered: an HTML login page, a truncated download, a
20 MB archive of ten years. Each gives :class:`BadResponse` with a sentence the host
can act on, never a library traceback.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Final

import icalendar
import x_wr_timezone

from integrations.accounts.errors import BadResponse

__all__ = ["DEFAULT_MAX_BYTES", "ParsedCalendar", "parse_calendar"]

#: The largest calendar read (the feed fetcher stops reading at the same size).
#: A year of a busy calendar is a few hundred kilobytes; ten megabytes is an archive.
DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ParsedCalendar:
    calendar: icalendar.Calendar
    #: ``X-WR-CALNAME`` (what Google, Apple and Outlook call the calendar), or "".
    name: str
    #: ``X-WR-TIMEZONE`` when it names a zone this server knows, else ``None``.
    time_zone: str | None


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.3g} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def parse_calendar(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedCalendar:
    """The one VCALENDAR in ``body``; raises :class:`BadResponse`."""
    if len(body) > max_bytes:
        raise BadResponse(
            f"the calendar is {_size(len(body))}, more than the {_size(max_bytes)} "
            "this server reads"
        )
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if not head.upper().startswith(b"BEGIN:VCALENDAR"):
        shown = head[:40].decode("utf-8", "replace").splitlines()[0] if head else "nothing"
        raise BadResponse(
            f"the address did not answer with an iCalendar file (it begins with {shown!r}, "
            "not BEGIN:VCALENDAR)"
        )
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except (ValueError, IndexError, KeyError) as exc:
        raise BadResponse(f"the calendar is not valid iCalendar: {exc}") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise BadResponse("the calendar is not valid iCalendar: no VCALENDAR in it")
    name = _text(calendar.get("X-WR-CALNAME"))
    zone = _text(calendar.get("X-WR-TIMEZONE")) or None
    if zone is not None:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            # x-wr-timezone would fail on it; the floating times then stay floating
            # and are read in the host's zone (expand.Occurrence.floating).
            zone = None
        else:
            try:
                # Google's exports: floating times meant in X-WR-TIMEZONE.
                repaired = x_wr_timezone.to_standard(calendar)
            except (ValueError, KeyError, TypeError) as exc:
                raise BadResponse(
                    f"the calendar's X-WR-TIMEZONE {zone!r} could not be applied: {exc}"
                ) from None
            if isinstance(repaired, icalendar.Calendar):
                calendar = repaired
    return ParsedCalendar(calendar, name, zone)
