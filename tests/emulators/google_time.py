"""Time handling for the Google Calendar emulator: event times, RFC 3339 output and
recurrence expansion (RRULE through dateutil, EXDATE and RDATE by hand)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from tests.emulators.google_discovery import GoogleApiError, bad_request

# An open-ended series is expanded up to this many instances; Google pages through
# them forever, a test never needs that many.
MAX_INSTANCES = 1000


def utc_text(instant: datetime) -> str:
    """Google's shape for server-set instants (updated, created): millis and a Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{instant.microsecond // 1000:03d}Z"
    )


def rfc3339(instant: datetime, zone: ZoneInfo) -> str:
    """Event times come back in the calendar's (or requested) zone, "Z" for UTC."""
    local = instant.astimezone(zone)
    if local.utcoffset() == timedelta(0):
        return local.strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.isoformat(timespec="seconds")


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise bad_request(f"Invalid time zone definition: {name}") from None


@dataclass(frozen=True)
class EventTime:
    """One side of an event: an all-day date or an instant with its zone."""

    day: date | None
    instant: datetime | None
    zone: ZoneInfo

    @property
    def all_day(self) -> bool:
        return self.day is not None

    def utc(self) -> datetime:
        if self.day is not None:
            # An all-day event covers the day in the calendar's zone.
            return datetime.combine(self.day, time(), self.zone).astimezone(UTC)
        assert self.instant is not None
        return self.instant.astimezone(UTC)


def parse_event_time(value: Any, side: str, calendar_zone: str) -> EventTime:
    if not isinstance(value, dict):
        raise GoogleApiError(400, "required", f"Missing {side} time.")
    zone_name = value.get("timeZone")
    zone = zone_of(zone_name) if zone_name else zone_of(calendar_zone)
    if "date" in value and value.get("dateTime"):
        raise bad_request(f"Invalid {side} time.")
    if value.get("date"):
        try:
            return EventTime(date.fromisoformat(value["date"]), None, zone)
        except (TypeError, ValueError):
            raise bad_request(f"Invalid {side} time.") from None
    if not value.get("dateTime"):
        raise GoogleApiError(400, "required", f"Missing {side} time.")
    try:
        instant = datetime.fromisoformat(value["dateTime"])
    except (TypeError, ValueError):
        raise bad_request(f"Invalid {side} time.") from None
    if instant.tzinfo is None:
        if not zone_name:
            raise GoogleApiError(400, "required", f"Missing time zone definition for {side} time.")
        instant = instant.replace(tzinfo=zone)
    return EventTime(None, instant, zone)


def instance_suffix(original: date | datetime) -> str:
    """The part of an instance id after "{masterId}_"."""
    if isinstance(original, datetime):
        return original.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return original.strftime("%Y%m%d")


def original_start_time(original: date | datetime, zone: ZoneInfo) -> dict[str, str]:
    if isinstance(original, datetime):
        return {"dateTime": rfc3339(original, zone), "timeZone": zone.key}
    return {"date": original.isoformat()}


def suffix_of_original(value: dict[str, Any], calendar_zone: str) -> str:
    parsed = parse_event_time(value, "originalStart", calendar_zone)
    return instance_suffix(parsed.day if parsed.day is not None else parsed.utc())


def expand(
    recurrence: list[str], start: EventTime, until: datetime | None, horizon: datetime
) -> list[date | datetime]:
    """Original start of every instance that begins before ``until``, in order.

    Without ``until`` a finite series (COUNT, UNTIL) is expanded whole and an
    open-ended one up to ``horizon``. Timed series are expanded on the wall clock
    of their zone, so 09:00 stays 09:00 across a DST change, as in Google Calendar.
    """
    zone = start.zone
    if start.day is not None:
        first = datetime.combine(start.day, time())
    else:
        assert start.instant is not None
        first = start.instant.astimezone(zone).replace(tzinfo=None)
    finite = all(
        "COUNT=" in line.upper() or "UNTIL=" in line.upper()
        for line in recurrence
        if line.upper().startswith("RRULE")
    )
    limit = until or (None if finite else horizon)
    bound = limit.astimezone(zone).replace(tzinfo=None) if limit else None

    def within(moment: datetime) -> bool:
        return bound is None or moment < bound

    found: set[datetime] = set()
    excluded: set[datetime] = set()
    excluded_days: set[date] = set()
    has_rule = False
    for line in recurrence:
        name, _, rest = line.partition(":")
        kind = name.split(";")[0].upper()
        try:
            if kind == "RRULE":
                has_rule = True
                rule = rrulestr(_floating_rrule(rest, zone), dtstart=first, forceset=False)
                for occurrence in rule:
                    if not within(occurrence) or len(found) >= MAX_INSTANCES:
                        break
                    found.add(occurrence)
            elif kind in ("EXDATE", "RDATE"):
                values, days = _date_list(name, rest, zone, all_day=start.all_day)
                (excluded if kind == "EXDATE" else found).update(filter(within, values))
                excluded_days.update(days if kind == "EXDATE" else ())
            else:
                raise ValueError(kind)
        except (ValueError, TypeError, KeyError):
            raise bad_request("Invalid recurrence rule.") from None
    if not has_rule:
        found.add(first)
    kept = sorted(m for m in found - excluded if m.date() not in excluded_days)
    if start.all_day:
        return [moment.date() for moment in kept]
    return [moment.replace(tzinfo=zone) for moment in kept]


def _floating_rrule(rule: str, zone: ZoneInfo) -> str:
    # dateutil refuses a UTC UNTIL with a floating DTSTART; move UNTIL onto the
    # series' wall clock instead (a date-only UNTIL includes that whole day).
    parts = []
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        if key.upper() == "UNTIL":
            if value.endswith("Z"):
                moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                value = moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")
            elif "T" not in value:
                value += "T235959"
        parts.append(f"{key}={value}")
    return "RRULE:" + ";".join(parts)


def _date_list(
    name: str, values: str, zone: ZoneInfo, *, all_day: bool
) -> tuple[list[datetime], list[date]]:
    """Moments on the series' wall clock, and whole days (VALUE=DATE on a timed series)."""
    params = dict(p.split("=", 1) for p in name.split(";")[1:] if "=" in p)
    source_zone = ZoneInfo(params["TZID"]) if "TZID" in params else zone
    moments: list[datetime] = []
    days: list[date] = []
    for value in values.split(","):
        if "T" not in value:
            day = date.fromisoformat(value)
            if all_day:
                moments.append(datetime.combine(day, time()))
            else:
                days.append(day)
            continue
        if value.endswith("Z"):
            moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        else:
            moment = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=source_zone)
        local = moment.astimezone(zone).replace(tzinfo=None)
        moments.append(datetime.combine(local.date(), time()) if all_day else local)
    return moments, days
