"""iCalendar (CalDAV, ICS feeds) VEVENT and VFREEBUSY -> busy blocks.

This module never parses iCalendar text: integrations/ parses the feed (with the
``icalendar`` and ``recurring-ical-events`` libraries), expands recurrences inside
the sync window, turns ``DURATION`` into ``DTEND``, and hands over plain values in
:class:`ICalEvent` and :class:`FreeBusyPeriod`.

VEVENT (RFC 5545, RFC 4791 7.10): free when ``TRANSP:TRANSPARENT``,
``STATUS:CANCELLED`` or ``X-MICROSOFT-CDO-BUSYSTATUS:FREE``; ``STATUS:TENTATIVE``
makes a tentative block, kept only when the "tentative blocks" switch is on;
otherwise busy. The title is kept only for ``CLASS:PUBLIC`` or no ``CLASS``:
``PRIVATE``, ``CONFIDENTIAL`` and unknown values (which RFC 5545 says to treat as
``PRIVATE``) give no title. A ``DATE`` ``DTSTART`` is all-day in the host's zone
(no ``DTEND``: one day); a naive ``DATE-TIME`` is floating time, read in the host's
zone; a ``DATE-TIME`` without ``DTEND`` lasts zero time and blocks nothing.

VFREEBUSY: each ``FREEBUSY`` period by ``FBTYPE``: ``FREE`` nothing; ``BUSY`` (the
default), ``BUSY-UNAVAILABLE`` and unknown types busy; ``BUSY-TENTATIVE`` follows the
switch. Values are compared case-insensitively.

>>> from datetime import date, datetime, UTC
>>> block = classify_ical_event(ICalEvent(dtstart=date(2024, 3, 11), summary="Offsite"),
...                             host_zone="Asia/Kolkata")
>>> block.start.isoformat(), block.end.isoformat(), block.title
('2024-03-10T18:30:00+00:00', '2024-03-11T18:30:00+00:00', 'Offsite')
>>> periods = [FreeBusyPeriod("BUSY-TENTATIVE", datetime(2024, 3, 11, 9, tzinfo=UTC),
...                           datetime(2024, 3, 11, 10, tzinfo=UTC))]
>>> classify_ical_freebusy(periods, tentative_blocks=False)
[]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from availability.busy import BusyBlock
from availability.classify._common import all_day_bounds, host_tz
from availability.errors import MalformedEventError
from availability.hours import wall_to_utc
from availability.intervals import from_seconds

__all__ = ["FreeBusyPeriod", "ICalEvent", "classify_ical_event", "classify_ical_freebusy"]

DateOrTime = date | datetime


@dataclass(frozen=True, slots=True)
class ICalEvent:
    """The VEVENT properties classification needs, already parsed."""

    dtstart: DateOrTime
    dtend: DateOrTime | None = None
    transp: str | None = None
    status: str | None = None
    classification: str | None = None  # CLASS
    busystatus: str | None = None  # X-MICROSOFT-CDO-BUSYSTATUS
    summary: str | None = None
    uid: str | None = None
    recurrence_id: DateOrTime | None = None

    _PROPERTIES = {
        "DTSTART": "dtstart",
        "DTEND": "dtend",
        "TRANSP": "transp",
        "STATUS": "status",
        "CLASS": "classification",
        "X-MICROSOFT-CDO-BUSYSTATUS": "busystatus",
        "SUMMARY": "summary",
        "UID": "uid",
        "RECURRENCE-ID": "recurrence_id",
    }

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> ICalEvent:
        """Build from ``{"DTSTART": ..., "CLASS": ...}``; other properties are ignored."""
        values = {
            field: properties[name]
            for name, field in cls._PROPERTIES.items()
            if properties.get(name) is not None
        }
        if "dtstart" not in values:
            raise MalformedEventError("VEVENT has no DTSTART")
        return cls(**values)


class FreeBusyPeriod(NamedTuple):
    """One ``FREEBUSY`` period; ``fbtype`` ``None`` means the default ``BUSY``."""

    fbtype: str | None
    start: datetime
    end: datetime


def _upper(value: object) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


def _instant(value: DateOrTime, what: str, host_zone: str) -> datetime:
    if not isinstance(value, datetime):
        raise MalformedEventError(f"{what} must be a datetime here, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        # Floating time: the wall clock of whoever reads it, here the host.
        tz = host_tz(host_zone)
        seconds, _ = wall_to_utc(
            tz, value.date(), value.hour * 3600 + value.minute * 60 + value.second
        )
        return from_seconds(seconds) + timedelta(microseconds=value.microsecond)
    return value.astimezone(UTC)


def classify_ical_event(
    event: ICalEvent,
    *,
    host_zone: str,
    tentative_blocks: bool = True,
    source: str = "ical",
) -> BusyBlock | None:
    """The busy block a VEVENT makes, or ``None`` if it leaves the host free."""
    if _upper(event.status) == "CANCELLED" or _upper(event.transp) == "TRANSPARENT":
        return None
    if _upper(event.busystatus) == "FREE":
        return None
    tentative = _upper(event.status) == "TENTATIVE"
    if tentative and not tentative_blocks:
        return None
    start_value, end_value = event.dtstart, event.dtend
    if not isinstance(start_value, date):
        raise MalformedEventError(f"DTSTART must be a date or datetime, got {start_value!r}")
    if isinstance(start_value, datetime):
        if end_value is None:
            return None  # RFC 5545 3.6.1: such an event takes no time
        start = _instant(start_value, "DTSTART", host_zone)
        end = _instant(end_value, "DTEND", host_zone)
    else:
        if end_value is None:
            end_value = start_value + timedelta(days=1)
        if isinstance(end_value, datetime) or not isinstance(end_value, date):
            raise MalformedEventError(f"DTEND must be a date when DTSTART is, got {end_value!r}")
        start, end = all_day_bounds(start_value, end_value, host_tz(host_zone))
    if end < start:
        raise MalformedEventError(f"VEVENT ends before it starts: {start} > {end}")
    if end == start:
        return None
    shown = _upper(event.classification) in ("", "PUBLIC")
    title = event.summary if shown and isinstance(event.summary, str) else None
    return BusyBlock(start, end, source, tentative=tentative, title=title)


def classify_ical_freebusy(
    periods: Iterable[FreeBusyPeriod | tuple[str | None, datetime, datetime]],
    *,
    tentative_blocks: bool = True,
    source: str = "ical",
) -> list[BusyBlock]:
    """Busy blocks from VFREEBUSY periods (UTC, as RFC 5545 requires)."""
    out: list[BusyBlock] = []
    for period in periods:
        if not isinstance(period, tuple) or len(period) != 3:
            raise MalformedEventError(f"a FREEBUSY period is (fbtype, start, end), got {period!r}")
        fbtype, start, end = period
        kind = _upper(fbtype) or "BUSY"
        if kind == "FREE":
            continue
        tentative = kind == "BUSY-TENTATIVE"
        if tentative and not tentative_blocks:
            continue
        for value in (start, end):
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise MalformedEventError(f"FREEBUSY periods need aware datetimes, got {value!r}")
        if end < start:
            raise MalformedEventError(f"FREEBUSY period ends before it starts: {start} > {end}")
        if end > start:
            out.append(BusyBlock(start, end, source, tentative=tentative))
    return out
