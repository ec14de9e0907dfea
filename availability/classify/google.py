"""Google Calendar v3 event JSON -> busy block or free.

Free when ``status == "cancelled"``, ``transparency == "transparent"``, or the host's
own attendee (the one with ``"self": true``) has ``responseStatus == "declined"``.
``status == "tentative"`` and a self ``responseStatus`` of ``tentative`` or
``needsAction`` make a *tentative* block, kept only when the calendar's "tentative
blocks" switch is on. Everything else is busy. ``visibility`` ``private`` or
``confidential`` drops the title. All-day events (``start.date``, ``end.date``
exclusive) cover whole days in the host's zone. integrations/ fetches and parses
the JSON; this module only reads the dict.

>>> event = {"status": "confirmed", "summary": "1:1",
...          "start": {"dateTime": "2024-03-11T09:00:00-04:00"},
...          "end": {"dateTime": "2024-03-11T09:30:00-04:00"}}
>>> block = classify_google_event(event, host_zone="America/New_York", source="google:work")
>>> block.start.isoformat(), block.end.isoformat(), block.source, block.tentative, block.title
('2024-03-11T13:00:00+00:00', '2024-03-11T13:30:00+00:00', 'google:work', False, '1:1')
>>> classify_google_event({**event, "transparency": "transparent"}, host_zone="UTC") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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

__all__ = ["classify_google_event"]

_HIDDEN = frozenset({"private", "confidential"})


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
    tz = host_tz(host_zone)
    status = event.get("status")
    if status == "cancelled" or event.get("transparency") == "transparent":
        return None
    response = _self_response(event)
    if response == "declined":
        return None
    tentative = status == "tentative" or response in ("tentative", "needsAction")
    if tentative and not tentative_blocks:
        return None
    start, end = _bounds(event, tz)
    if end < start:
        raise MalformedEventError(f"event ends before it starts: {start} > {end}")
    if end == start:
        return None  # an instant blocks nothing
    summary = event.get("summary")
    title = None if event.get("visibility") in _HIDDEN or not isinstance(summary, str) else summary
    return BusyBlock(start, end, source, tentative=tentative, title=title)
