"""Busy or free for iCalendar (DESIGN.md's CalDAV / ICS row), and where it lies.

Free: ``TRANSP:TRANSPARENT``, ``STATUS:CANCELLED``, ``X-MICROSOFT-CDO-BUSYSTATUS:FREE``;
a VFREEBUSY period of ``FBTYPE=FREE``. Busy otherwise (RFC 4791 7.10), with
``STATUS:TENTATIVE`` and ``FBTYPE=BUSY-TENTATIVE`` following the calendar's
"tentative blocks" switch. ``CLASS:PRIVATE`` / ``CONFIDENTIAL`` still block, and keep
no title. All-day events cover whole days of the host's zone; floating times (and
times in a zone nobody knows) are read in the host's zone too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

from integrations.calendars.provider import EventFacts
from integrations.providers.ical.expand import Occurrence

__all__ = ["FREE_BUSY_STATUSES", "event_facts", "is_free", "is_tentative"]

_HIDDEN: Final = frozenset({"PRIVATE", "CONFIDENTIAL"})
#: X-MICROSOFT-CDO-BUSYSTATUS values; only FREE frees (DESIGN.md).
FREE_BUSY_STATUSES: Final = frozenset({"FREE"})


def is_free(occurrence: Occurrence) -> bool:
    if occurrence.fb_type is not None:
        return occurrence.fb_type == "FREE"
    return (
        occurrence.transp == "TRANSPARENT"
        or occurrence.status == "CANCELLED"
        or occurrence.busy_status in FREE_BUSY_STATUSES
    )


def is_tentative(occurrence: Occurrence) -> bool:
    if occurrence.fb_type is not None:
        return occurrence.fb_type == "BUSY-TENTATIVE"
    return occurrence.status == "TENTATIVE"


def _instant(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        placed = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        return placed.astimezone(UTC)
    # Midnight of that day in the host's zone (fold 0: the first midnight where a
    # zone repeats it, the instant after a midnight a zone skips).
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


def event_facts(occurrence: Occurrence, *, host_zone: str) -> EventFacts | None:
    """What the busy-block store keeps; ``None`` when it occupies no time. Raises
    ``ValueError`` for an event that ends before it starts."""
    zone = ZoneInfo(host_zone)
    start = _instant(occurrence.start, zone)
    end = _instant(occurrence.end, zone)
    if end < start:
        raise ValueError(f"event {occurrence.uid} ends before it starts")
    if end == start:
        return None
    private = occurrence.klass in _HIDDEN
    free = is_free(occurrence)
    return EventFacts(
        start=start,
        end=end,
        all_day=occurrence.all_day,
        busy=not free,
        tentative=not free and is_tentative(occurrence),
        private=private,
        title=None if private or occurrence.fb_type is not None else occurrence.summary or "",
    )
