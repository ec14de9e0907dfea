"""A VCALENDAR -> the occurrences inside a sync window.

Recurrence (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides, in any order in the file)
is recurring-ical-events'. A series that never ends is bounded by the window: only
the instances overlapping it are produced.

Each series (one UID) is expanded on its own, so one broken event (end before
start, a DTSTART that is not a time, an RRULE that does not parse) is reported as
:class:`Unreadable` with its UID and the other events still count.

Zones: a TZID defined by a VTIMEZONE of the calendar, an IANA name or a Windows
name (Outlook's ``W. Europe Standard Time``) is honoured (icalendar resolves all
three). A TZID that is none of these is read as floating time, in the host's zone,
and named in :attr:`Occurrence.unknown_zone`: the event still blocks roughly the
right hours rather than vanishing (the documented fallback).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import icalendar
import recurring_ical_events

from integrations.calendars.provider import SyncWindow

__all__ = ["Expansion", "Occurrence", "Unreadable", "expand", "plain_occurrences"]

#: A component's properties by upper-case name: an ``icalendar.Component``, or the
#: plain mapping :mod:`.plain` builds (``.dt`` / ``.params`` on date-time values,
#: text as ``str``).
Properties = Mapping[str, Any]

#: Floating times are placed in the host's zone only later (busy.py); widen the query
#: by the largest UTC offset so no floating instance at the window's edge is missed.
_ZONE_SLACK: Final = timedelta(hours=15)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One instance of an event, or one VFREEBUSY period.

    ``start``/``end``: a ``date`` for all-day events (``end`` exclusive), a naive
    ``datetime`` for floating times, an aware one otherwise.
    """

    uid: str
    start: date | datetime
    end: date | datetime
    #: The instance's original start (RECURRENCE-ID) for instances of a series.
    recurrence_id: str | None = None
    summary: str | None = None
    status: str | None = None
    transp: str | None = None
    #: ``X-MICROSOFT-CDO-BUSYSTATUS`` (Outlook's exports and Exchange's CalDAV).
    busy_status: str | None = None
    klass: str | None = None
    #: Set for VFREEBUSY periods: FREE, BUSY, BUSY-TENTATIVE, BUSY-UNAVAILABLE, x-name.
    fb_type: str | None = None
    #: A TZID nobody knows; its times were read as floating.
    unknown_zone: str | None = None

    @property
    def remote_id(self) -> str:
        if self.fb_type is not None:
            return f"freebusy:{self.uid}:{_stamp(self.start)}:{_stamp(self.end)}"
        if self.recurrence_id is None:
            return self.uid
        return f"{self.uid}:{self.recurrence_id}"

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def floating(self) -> bool:
        return isinstance(self.start, datetime) and self.start.tzinfo is None

    def digest(self) -> str:
        """Changes when anything that decides the busy block changes: an etag."""
        fields = (
            self.uid, _stamp(self.start), _stamp(self.end), self.recurrence_id, self.summary,
            self.status, self.transp, self.busy_status, self.klass, self.fb_type,
        )  # fmt: skip
        return hashlib.sha256(repr(fields).encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Unreadable:
    uid: str
    reason: str


@dataclass(frozen=True, slots=True)
class Expansion:
    occurrences: list[Occurrence] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)


def _stamp(value: date | datetime) -> str:
    return value.isoformat()


def _upper(component: Properties, name: str) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    text = str(value).strip().upper()
    return text or None


def _text(component: Properties, name: str) -> str | None:
    value = component.get(name)
    return str(value) if value is not None else None


def _uid(component: icalendar.Component) -> str:
    uid = component.get("UID")
    if uid is not None and str(uid).strip():
        return str(uid).strip()
    # RFC 5545 requires a UID; hand-written feeds forget it. Name the event by what
    # it says, so that it keeps the same id from one fetch to the next.
    content = component.to_ical(sorted=True)
    return "no-uid-" + hashlib.sha256(content).hexdigest()[:24]


def _unknown_zone(component: Properties) -> str | None:
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        prop = component.get(name)
        tzid = getattr(prop, "params", {}).get("TZID") if prop is not None else None
        value = getattr(prop, "dt", None)
        if tzid and isinstance(value, datetime) and value.tzinfo is None:
            return str(tzid)
    return None


def _series_calendar(
    uid: str, events: list[icalendar.Component], zones: list[icalendar.Component]
) -> icalendar.Calendar:
    """A small calendar of one UID: its events with every VTIMEZONE of the feed."""
    single = icalendar.Calendar()
    for zone in zones:
        single.add_component(zone)
    for event in events:
        if event.get("UID") is None:
            event.add("UID", uid)
        single.add_component(event)
    return single


def _recurrence_id(component: Properties, recurring: bool) -> str | None:
    if not recurring:
        return None
    prop = component.get("RECURRENCE-ID")
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(value, datetime):
        return value.strftime("%Y%m%dT%H%M%S")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    start = getattr(component.get("DTSTART"), "dt", None)
    return _stamp(start) if isinstance(start, date) else None


def _instance(
    uid: str,
    instance: Properties,
    recurring: bool,
    unknown_zone: str | None,
    span: tuple[date | datetime, date | datetime] | None = None,
) -> Occurrence | None:
    start: object
    end: object
    if span is not None:
        start, end = span
    else:
        start = getattr(instance.get("DTSTART"), "dt", None)
        end = getattr(instance.get("DTEND"), "dt", None)
    if not isinstance(start, date):
        return None
    if not isinstance(end, date):
        # recurring-ical-events fills DTEND from DURATION or the RFC defaults.
        end = start
    return Occurrence(
        uid=uid,
        start=start,
        end=end,
        recurrence_id=_recurrence_id(instance, recurring),
        summary=_text(instance, "SUMMARY"),
        status=_upper(instance, "STATUS"),
        transp=_upper(instance, "TRANSP"),
        busy_status=_upper(instance, "X-MICROSOFT-CDO-BUSYSTATUS"),
        klass=_upper(instance, "CLASS"),
        unknown_zone=unknown_zone if isinstance(start, datetime) and start.tzinfo is None else None,
    )


def _durations(sources: list[icalendar.Component]) -> dict[str | None, timedelta]:
    """The DURATION of each source of a series that has one: the master under
    ``None``, an overridden instance under its RECURRENCE-ID stamp."""
    found: dict[str | None, timedelta] = {}
    for source in sources:
        duration = getattr(source.get("DURATION"), "dt", None)
        if isinstance(duration, timedelta):
            overridden = source.get("RECURRENCE-ID") is not None
            found[_recurrence_id(source, True) if overridden else None] = duration
    return found


def _exact_end(
    occurrence: Occurrence | None, durations: dict[str | None, timedelta]
) -> Occurrence | None:
    """RFC 5545 3.3.6: a DURATION's days and weeks are nominal (the same wall-clock time
    a day later), its hours, minutes and seconds exact. recurring-ical-events adds the
    whole duration in wall-clock time, so a two-hour meeting that starts before the
    clocks go forward came out one real hour long, freeing an hour it occupies."""
    if occurrence is None or not isinstance(occurrence.start, datetime):
        return occurrence
    if occurrence.start.tzinfo is None:
        return occurrence  # floating: wall-clock time is all there is
    key = occurrence.recurrence_id if occurrence.recurrence_id in durations else None
    duration = durations.get(key)
    if duration is None:
        return occurrence
    nominal = timedelta(days=duration.days)  # timedelta keeps PT24H as a day: taken as one
    exact = duration - nominal
    zone = occurrence.start.tzinfo
    # Wall-clock days on the start's own clock, then the exact part on UTC's.
    after_days = (occurrence.start.replace(tzinfo=None) + nominal).replace(tzinfo=zone)
    end = (after_days.astimezone(UTC) + exact).astimezone(zone)
    return dataclasses.replace(occurrence, end=end)


def _is_recurring(events: Iterable[icalendar.Component]) -> bool:
    return any(
        e.get("RRULE") is not None or e.get("RDATE") is not None or e.get("RECURRENCE-ID")
        for e in events
    )


def _check_order(event: icalendar.Component) -> None:
    """recurring-ical-events quietly swaps an end before a start; we refuse it: the
    event is wrong, and guessing which end is wrong would invent busy time."""
    start = getattr(event.get("DTSTART"), "dt", None)
    end = getattr(event.get("DTEND"), "dt", None)
    duration = getattr(event.get("DURATION"), "dt", None)
    if isinstance(duration, timedelta) and duration < timedelta(0):
        raise recurring_ical_events.PeriodEndBeforeStart("", start, end)
    if not isinstance(start, date) or not isinstance(end, date):
        return
    if isinstance(start, datetime) != isinstance(end, datetime):
        return  # DATE start, DATE-TIME end: a known exporter quirk, read as given
    if (
        isinstance(start, datetime)
        and isinstance(end, datetime)
        and (start.tzinfo is None) != (end.tzinfo is None)
    ):
        return
    if end < start:
        raise recurring_ical_events.PeriodEndBeforeStart("", start, end)


#: What makes an event more than one instance (or none): such events go through
#: recurring-ical-events. EXDATE/EXRULE without RRULE can still remove the event.
_RECURRENCE: Final = ("RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID")


def _simple_span(event: Properties) -> tuple[date | datetime, date | datetime] | None:
    """(DTSTART, DTEND) of an event that is exactly one instance with an explicit end
    of the same kind as its start, ending no earlier; ``None`` for anything else
    (which then takes the general path, where every quirk is handled)."""
    if any(name in event for name in _RECURRENCE) or "DURATION" in event:
        return None
    start = getattr(event.get("DTSTART"), "dt", None)
    end = getattr(event.get("DTEND"), "dt", None)
    if isinstance(start, datetime) and isinstance(end, datetime):
        if (start.tzinfo is None) != (end.tzinfo is None):
            return None
    elif type(start) is not date or type(end) is not date:
        return None
    if end < start:
        return None
    # recurring-ical-events ends an instance at start + (end - start): the same end,
    # except that an end in another zone than the start comes back in the start's
    # zone (wall-clock arithmetic there). Done the same way, so etags do not change.
    return start, start + (end - start)


def _in_query(start: date | datetime, end: date | datetime, lo: datetime, hi: datetime) -> bool:
    """recurring-ical-events' ``between(lo, hi)`` test for one instance: dates and
    floating times compared as if in ``lo``'s zone (UTC), an instant event counts at
    the query's start but not at its end."""
    begin, until = _comparable(start, lo), _comparable(end, lo)
    if begin == until:
        return lo <= begin < hi
    return begin < hi and lo < until


def _comparable(value: date | datetime, lo: datetime) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=lo.tzinfo)
    return value if value.tzinfo is not None else value.replace(tzinfo=lo.tzinfo)


def plain_occurrences(uid: str, event: Properties, window: SyncWindow) -> list[Occurrence] | None:
    """The fast path for a UID with one plain event (most of any calendar): no
    recurring-ical-events pass, which costs as much as parsing the text. Gives its
    occurrence in the window (or none), ``None`` when the event is not plain (the
    caller takes the general path). Same results as that path (a
    property test holds them equal)."""
    span = _simple_span(event)
    if span is None:
        return None
    start, end = span
    if not _in_query(start, end, window.start - _ZONE_SLACK, window.end + _ZONE_SLACK):
        return []
    occurrence = _instance(uid, event, False, _unknown_zone(event), span)
    return [occurrence] if occurrence is not None and _near(occurrence, window) else []


def _groups(calendar: icalendar.Calendar) -> dict[str, list[icalendar.Component]]:
    groups: dict[str, list[icalendar.Component]] = {}
    for event in calendar.walk("VEVENT"):
        groups.setdefault(_uid(event), []).append(event)
    return groups


def _events(calendar: icalendar.Calendar, window: SyncWindow, *, fast: bool = True) -> Expansion:
    """Each UID on its own, in the order of the file. ``fast=False`` sends every UID
    through recurring-ical-events (the tests compare both paths)."""
    result = Expansion()
    zones: list[icalendar.Component] | None = None
    start, end = window.start - _ZONE_SLACK, window.end + _ZONE_SLACK
    for uid, sources in _groups(calendar).items():
        if fast and len(sources) == 1:
            try:
                plain = plain_occurrences(uid, sources[0], window)
            # Anything odd (a vBroken DTSTART raises on ``.dt``): the general path
            # below reads it again and names what is wrong.
            except Exception:
                plain = None
            if plain is not None:
                result.occurrences.extend(plain)
                continue
        if zones is None:
            zones = list(calendar.walk("VTIMEZONE"))
        recurring = _is_recurring(sources)
        try:
            unknown = next((z for z in map(_unknown_zone, sources) if z is not None), None)
            for source in sources:
                _check_order(source)
            durations = _durations(sources)
            single = _series_calendar(uid, sources, zones)
            instances = recurring_ical_events.of(single).between(start, end)
            found = [
                _exact_end(_instance(uid, i, recurring, unknown), durations) for i in instances
            ]
        # A library boundary fed by strangers' files: whatever one series raises
        # (InvalidCalendar, PeriodEndBeforeStart, a vBroken's TypeError ...) must
        # cost that series only, never the calendar.
        except Exception as exc:
            result.unreadable.append(Unreadable(uid, _reason(exc)))
            continue
        result.occurrences.extend(o for o in found if o is not None and _near(o, window))
    return result


def _reason(exc: Exception) -> str:
    if isinstance(exc, recurring_ical_events.PeriodEndBeforeStart):
        return "it ends before it starts"
    text = str(exc).strip() or type(exc).__name__
    return text[:300]


def _freebusy(calendar: icalendar.Calendar, window: SyncWindow) -> Expansion:
    result = Expansion()
    for component in calendar.walk("VFREEBUSY"):
        uid = _uid(component)
        values = component.get("FREEBUSY")
        periods = values if isinstance(values, list) else [values] if values is not None else []
        for period in periods:
            try:
                begin, until = period.dt
                if isinstance(until, timedelta):
                    until = begin + until
                if not isinstance(begin, datetime) or not isinstance(until, datetime):
                    raise TypeError("a FREEBUSY period is two date-times")
                if until < begin:
                    raise recurring_ical_events.PeriodEndBeforeStart("", begin, until)
            except (AttributeError, TypeError, ValueError) as exc:
                result.unreadable.append(Unreadable(uid, _reason(exc)))
                continue
            fb_type = str(period.params.get("FBTYPE", "BUSY")).upper()
            occurrence = Occurrence(uid=uid, start=begin, end=until, fb_type=fb_type)
            if _near(occurrence, window):
                result.occurrences.append(occurrence)
    return result


def _near(occurrence: Occurrence, window: SyncWindow) -> bool:
    """Exact for zoned times; all-day and floating ones are placed only later, in the
    host's zone, and were already bounded by the widened query."""
    start, end = occurrence.start, occurrence.end
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return True
    if start.tzinfo is None or end.tzinfo is None:
        return True
    # An instant event at the window's start still counts as inside it (its facts
    # say it occupies no time).
    return start < window.end and (end > window.start or start == end == window.start)


def expand(
    calendar: icalendar.Calendar, window: SyncWindow, *, plain_fast_path: bool = True
) -> Expansion:
    """Every event instance and VFREEBUSY period that may overlap ``window`` (a little
    more, for floating times: the caller checks the exact overlap once placed).

    ``plain_fast_path=False`` sends every event through recurring-ical-events: the
    reference the fast path for plain events is held to (tests only)."""
    events = _events(calendar, window, fast=plain_fast_path)
    busy = _freebusy(calendar, window)
    return Expansion(events.occurrences + busy.occurrences, events.unreadable + busy.unreadable)
