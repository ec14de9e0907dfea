"""Microsoft Graph event JSON -> busy block or free.

Free when ``isCancelled`` is true or ``showAs`` is ``free`` or ``workingElsewhere``.
``tentative`` makes a tentative block, kept only when the calendar's "tentative
blocks" switch is on. ``busy``, ``oof``, ``unknown`` (and a missing or new value)
are busy. ``sensitivity`` ``private`` or ``confidential`` drops the title.

Times: ``start``/``end`` are ``{"dateTime": "2024-03-11T13:00:00.0000000",
"timeZone": "UTC"}``. integrations/ asks Graph for UTC (``Prefer:
outlook.timezone="UTC"``); IANA names are accepted too, Windows names
("Pacific Standard Time") are refused as malformed. For ``isAllDay`` events the
*date* part of ``dateTime`` is taken as the calendar date and the event covers those
whole days in the host's zone, because Graph keeps all-day events at midnight of
the zone they were created in rather than at an instant.

>>> event = {"subject": "Review", "showAs": "busy", "sensitivity": "private",
...          "start": {"dateTime": "2024-03-11T13:00:00.0000000", "timeZone": "UTC"},
...          "end": {"dateTime": "2024-03-11T14:00:00.0000000", "timeZone": "UTC"}}
>>> block = classify_microsoft_event(event, host_zone="Europe/Paris", source="outlook")
>>> block.start.isoformat(), block.title
('2024-03-11T13:00:00+00:00', None)
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

__all__ = ["classify_microsoft_event"]

_FREE = frozenset({"free", "workingelsewhere"})
_HIDDEN = frozenset({"private", "confidential"})


def _instant(part: Mapping[str, Any], what: str) -> datetime:
    name = part.get("timeZone")
    zone = zone_named(name) if isinstance(name, str) and name else None
    return parse_timestamp(part.get("dateTime"), f"{what}.dateTime", zone)


def _bounds(event: Mapping[str, Any], tz: ZoneInfo) -> tuple[datetime, datetime]:
    start, end = section(event, "start"), section(event, "end")
    if event.get("isAllDay") is True:
        return all_day_bounds(
            parse_date(start.get("dateTime"), "start.dateTime"),
            parse_date(end.get("dateTime"), "end.dateTime"),
            tz,
        )
    return _instant(start, "start"), _instant(end, "end")


def classify_microsoft_event(
    event: Mapping[str, Any],
    *,
    host_zone: str,
    tentative_blocks: bool = True,
    source: str = "microsoft",
) -> BusyBlock | None:
    """The busy block a Graph event makes, or ``None`` if it leaves the host free."""
    if not isinstance(event, Mapping):
        raise MalformedEventError(f"a Graph event is a JSON object, got {type(event).__name__}")
    tz = host_tz(host_zone)
    if event.get("isCancelled") is True:
        return None
    show_as = event.get("showAs")
    show_as = show_as.lower() if isinstance(show_as, str) else "busy"
    if show_as in _FREE:
        return None
    tentative = show_as == "tentative"
    if tentative and not tentative_blocks:
        return None
    start, end = _bounds(event, tz)
    if end < start:
        raise MalformedEventError(f"event ends before it starts: {start} > {end}")
    if end == start:
        return None
    sensitivity = event.get("sensitivity")
    hidden = isinstance(sensitivity, str) and sensitivity.lower() in _HIDDEN
    subject = event.get("subject")
    title = None if hidden or not isinstance(subject, str) else subject
    return BusyBlock(start, end, source, tentative=tentative, title=title)
