"""Google Calendar v3 event JSON -> busy block or free.

The rule is :func:`google_busyness`: free when ``status == "cancelled"``,
``transparency == "transparent"``, the host's own attendee (the one with
``"self": true``) has ``responseStatus == "declined"``, or the event is a marker
(``eventType`` ``workingLocation`` or ``birthday``: where the host works, whose
birthday it is; never a reason to turn an invitee away). ``status == "tentative"``
and a self ``responseStatus`` of ``tentative`` or ``needsAction`` make a *tentative*
block, kept only when the calendar's "tentative blocks" switch is on. Everything
else is busy, whatever its ``eventType`` (``default``, ``outOfOffice``,
``focusTime``, ``fromGmail``, or one Google adds later): transparency decides.
``visibility`` ``private`` or ``confidential`` drops the title. All-day events
(``start.date``, ``end.date`` exclusive) cover whole days in the host's zone.
integrations/ fetches and parses the JSON; this module only reads the dict.

>>> event = {"status": "confirmed", "summary": "1:1",
...          "start": {"dateTime": "2024-03-11T09:00:00-04:00"},
...          "end": {"dateTime": "2024-03-11T09:30:00-04:00"}}
>>> block = classify_google_event(event, host_zone="America/New_York", source="google:work")
>>> block.start.isoformat(), block.end.isoformat(), block.source, block.tentative, block.title
('2024-03-11T13:00:00+00:00', '2024-03-11T13:30:00+00:00', 'google:work', False, '1:1')
>>> classify_google_event({**event, "transparency": "transparent"}, host_zone="UTC") is None
True
>>> google_busyness({**event, "eventType": "birthday", "transparency": "opaque"})
<Busyness.FREE: 'free'>
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from availability.busy import BusyBlock
from availability.classify._common import (
    all_day_bounds,
    host_tz,
    parse_date,
    parse_timestamp,
    section,
    zone_named,
)
from availability.errors import MalformedEventError

__all__ = [
    "MARKER_EVENT_TYPES",
    "Busyness",
    "classify_google_event",
    "google_busyness",
    "google_event_span",
]

_HIDDEN = frozenset({"private", "confidential"})

#: ``eventType`` values that mark a day rather than occupy it. Google creates both
#: transparent, but a marker must not block even if one arrives opaque (an old
#: import, a client that set it): Easy!Appointments hosts lost whole days of slots
#: to a single all-day birthday.
MARKER_EVENT_TYPES = frozenset({"workingLocation", "birthday"})


class Busyness(StrEnum):
    """What an event does to the host's time."""

    FREE = "free"
    #: Blocks only while the calendar's "tentative blocks" switch is on.
    TENTATIVE = "tentative"
    BUSY = "busy"


def _self_response(event: Mapping[str, Any]) -> str | None:
    attendees = event.get("attendees")
    if not isinstance(attendees, list):
        return None
    for attendee in attendees:
        if isinstance(attendee, Mapping) and attendee.get("self") is True:
            response = attendee.get("responseStatus")
            return response if isinstance(response, str) else None
    return None


def _bounds(event: Mapping[str, Any], tz: ZoneInfo) -> tuple[datetime, datetime]:
    start, end = section(event, "start"), section(event, "end")
    if "date" in start or "date" in end:
        if "date" not in start or "date" not in end:
            raise MalformedEventError("start and end must both be dates for an all-day event")
        return all_day_bounds(
            parse_date(start["date"], "start.date"), parse_date(end["date"], "end.date"), tz
        )

    def instant(part: Mapping[str, Any], what: str) -> datetime:
        name = part.get("timeZone")
        zone = zone_named(name) if isinstance(name, str) and name else None
        return parse_timestamp(part.get("dateTime"), f"{what}.dateTime", zone)

    return instant(start, "start"), instant(end, "end")


def google_busyness(event: Mapping[str, Any]) -> Busyness:
    """DESIGN.md's Google row, from the event's fields alone (its times aside).

    Out-of-office, focus-time and from-Gmail events follow the same rule as any
    other: Google makes the first two opaque, and a host who marks one "free" in
    Google gets a free slot. An unknown ``eventType`` is judged the same way, so a
    type Google adds later blocks unless it says free.
    """
    if event.get("eventType") in MARKER_EVENT_TYPES:
        return Busyness.FREE
    status = event.get("status")
    if status == "cancelled" or event.get("transparency") == "transparent":
        return Busyness.FREE
    response = _self_response(event)
    if response == "declined":
        return Busyness.FREE
    if status == "tentative" or response in ("tentative", "needsAction"):
        return Busyness.TENTATIVE
    return Busyness.BUSY


def google_event_span(
    event: Mapping[str, Any], *, host_zone: str
) -> tuple[datetime, datetime] | None:
    """The instants an event covers, busy or not; ``None`` for an instant.

    Raises :class:`~availability.errors.MalformedEventError` when start or end is
    missing or unusable, or the event ends before it starts.
    """
    if not isinstance(event, Mapping):
        raise MalformedEventError(f"a Google event is a JSON object, got {type(event).__name__}")
    start, end = _bounds(event, host_tz(host_zone))
    if end < start:
        raise MalformedEventError(f"event ends before it starts: {start} > {end}")
    if end == start:
        return None  # an instant blocks nothing
    return start, end


def classify_google_event(
    event: Mapping[str, Any],
    *,
    host_zone: str,
    tentative_blocks: bool = True,
    source: str = "google",
) -> BusyBlock | None:
    """The busy block a Google event makes, or ``None`` if it leaves the host free.

    Raises :class:`~availability.errors.MalformedEventError` when a busy event has
    no usable start or end.
    """
    if not isinstance(event, Mapping):
        raise MalformedEventError(f"a Google event is a JSON object, got {type(event).__name__}")
    host_tz(host_zone)  # a bad zone is the caller's error, whatever the event says
    busyness = google_busyness(event)
    if busyness is Busyness.FREE or (busyness is Busyness.TENTATIVE and not tentative_blocks):
        return None
    span = google_event_span(event, host_zone=host_zone)
    if span is None:
        return None
    summary = event.get("summary")
    title = None if event.get("visibility") in _HIDDEN or not isinstance(summary, str) else summary
    return BusyBlock(
        span[0], span[1], source, tentative=busyness is Busyness.TENTATIVE, title=title
    )
