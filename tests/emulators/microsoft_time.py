"""Time in the Microsoft Graph emulator: ``dateTimeTimeZone`` values, Windows and IANA
zone names, Graph's timestamp formats and ``patternedRecurrence`` expansion.

Graph writes an event time as a wall clock plus a zone name, both in requests and
replies: ``{"dateTime": "2031-03-03T09:00:00.0000000", "timeZone": "UTC"}``. The
zone may be an IANA name or a Windows one ("W. Europe Standard Time"); replies use
UTC unless the request says ``Prefer: outlook.timezone="..."``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from tests.emulators.microsoft_errors import GraphError, bad_enum, bad_request, invalid_request

# An open series is never expanded past this many occurrences; a calendarView
# window bounds every real expansion long before.
MAX_OCCURRENCES = 5000

WEEKDAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}
WEEK_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
PATTERN_TYPES = (
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
)
RANGE_TYPES = ("endDate", "noEnd", "numbered")


def zone_of(name: str | None) -> ZoneInfo | None:
    """The zone for an IANA or Windows name (case-insensitive for Windows), or None."""
    if not name:
        return None
    if name in ("UTC", "Etc/UTC", "Coordinated Universal Time"):
        return ZoneInfo("UTC")
    windows = next((v for k, v in WINDOWS_TO_OLSON.items() if k.lower() == name.lower()), None)
    try:
        return ZoneInfo(windows or name)
    except (KeyError, ValueError):
        return None


def require_zone(name: Any) -> ZoneInfo:
    zone = zone_of(name) if isinstance(name, str) else None
    if zone is None:
        raise GraphError(
            400,
            "TimeZoneNotSupportedException",
            "A valid TimeZone value must be specified. The following TimeZone value is not "
            f"supported: '{name}'.",
        )
    return zone


def graph_wall(moment: datetime) -> str:
    """A wall clock as Graph writes it: seven fractional digits, no offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


def graph_stamp(moment: datetime) -> str:
    """A server timestamp (createdDateTime, ...): UTC, seven digits and a Z."""
    return graph_wall(moment.astimezone(UTC).replace(tzinfo=None)) + "Z"


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(value: str, name: str) -> datetime:
    """A query instant (startDateTime, ...): its own offset wins, no offset means UTC,
    whatever ``Prefer: outlook.timezone`` says."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise GraphError(
            400, "ErrorInvalidParameter", f"The value '{value}' of parameter '{name}' is invalid."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class WallTime:
    """One side of an event as the client wrote it: a wall clock in a named zone."""

    wall: datetime  # naive
    zone_name: str
    zone: ZoneInfo

    def utc(self) -> datetime:
        return self.wall.replace(tzinfo=self.zone).astimezone(UTC)

    def resource(self) -> dict[str, str]:
        return {"dateTime": graph_wall(self.wall), "timeZone": self.zone_name}


def parse_wall_time(value: Any, side: str) -> WallTime:
    if not isinstance(value, dict) or not value.get("dateTime"):
        raise invalid_request(f"Your request can't be completed. The {side} time is missing.")
    zone_name = value.get("timeZone") or "UTC"
    zone = require_zone(zone_name)
    text = str(value["dateTime"])
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # Seven fractional digits are Graph's own format; fromisoformat takes six.
        try:
            head, _, fraction = text.partition(".")
            parsed = datetime.fromisoformat(head + ("." + fraction[:6] if fraction else ""))
        except ValueError:
            raise bad_request(
                f"Cannot convert the literal '{text}' to the expected type 'Edm.DateTimeOffset'."
            ) from None
    if parsed.tzinfo is not None:
        # An offset in dateTime beats timeZone, as Graph reads it.
        parsed = parsed.astimezone(zone).replace(tzinfo=None)
    return WallTime(parsed, zone_name, zone)


def render_time(utc_moment: datetime, zone_name: str) -> dict[str, str]:
    """An instant shown in the requested zone (the Prefer header's name is echoed)."""
    zone = zone_of(zone_name) or ZoneInfo("UTC")
    local = utc_moment.astimezone(zone).replace(tzinfo=None)
    return {"dateTime": graph_wall(local), "timeZone": zone_name}


def render_floating(wall: datetime, zone_name: str) -> dict[str, str]:
    """All-day events float: midnight stays midnight in whatever zone is asked for."""
    return {"dateTime": graph_wall(wall), "timeZone": zone_name}


# -- patternedRecurrence --------------------------------------------------------


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise bad_request(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.Date'. ({field})"
        ) from None


def _weekdays(pattern: dict[str, Any]) -> list[rrule.weekday]:
    days = pattern.get("daysOfWeek")
    if not isinstance(days, list) or not days:
        raise invalid_request(
            "Your request can't be completed. daysOfWeek is required for a "
            f"{pattern.get('type')} recurrence pattern."
        )
    found = []
    for day in days:
        if not isinstance(day, str) or day.lower() not in WEEKDAYS:
            raise bad_enum(day, "dayOfWeek")
        found.append(WEEKDAYS[day.lower()])
    return found


def _positive(pattern: dict[str, Any], field: str, upper: int) -> int:
    value = pattern.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= upper:
        raise invalid_request(
            f"Your request can't be completed. The recurrence pattern needs {field} "
            f"between 1 and {upper}."
        )
    return value


def validate_recurrence(recurrence: Any) -> dict[str, Any]:
    """A normalised copy of a client's ``patternedRecurrence``, refused when invalid."""
    if not isinstance(recurrence, dict):
        raise bad_request("The recurrence must be an object.")
    pattern = recurrence.get("pattern")
    span = recurrence.get("range")
    if not isinstance(pattern, dict) or not isinstance(span, dict):
        raise invalid_request(
            "Your request can't be completed. A recurrence needs a pattern and a range."
        )
    kind = pattern.get("type")
    if kind not in PATTERN_TYPES:
        raise bad_enum(kind, "recurrencePatternType")
    clean_pattern: dict[str, Any] = {
        "type": kind,
        "interval": _positive(pattern, "interval", 99),
        "month": 0,
        "dayOfMonth": 0,
        "firstDayOfWeek": "sunday",
        "index": "first",
    }
    if kind in ("weekly", "relativeMonthly", "relativeYearly"):
        _weekdays(pattern)
        clean_pattern["daysOfWeek"] = [d.lower() for d in pattern["daysOfWeek"]]
    if kind in ("absoluteMonthly", "absoluteYearly"):
        clean_pattern["dayOfMonth"] = _positive(pattern, "dayOfMonth", 31)
    if kind in ("absoluteYearly", "relativeYearly"):
        clean_pattern["month"] = _positive(pattern, "month", 12)
    first_day = pattern.get("firstDayOfWeek", "sunday")
    if not isinstance(first_day, str) or first_day.lower() not in WEEKDAYS:
        raise bad_enum(first_day, "dayOfWeek")
    clean_pattern["firstDayOfWeek"] = first_day.lower()
    index = pattern.get("index", "first")
    if index not in WEEK_INDEX:
        raise bad_enum(index, "weekIndex")
    clean_pattern["index"] = index

    range_type = span.get("type")
    if range_type not in RANGE_TYPES:
        raise bad_enum(range_type, "recurrenceRangeType")
    if not span.get("startDate"):
        raise invalid_request("Your request can't be completed. The range needs a startDate.")
    start_date = _day(span["startDate"], "startDate")
    clean_range: dict[str, Any] = {
        "type": range_type,
        "startDate": start_date.isoformat(),
        "endDate": "0001-01-01",
        "recurrenceTimeZone": span.get("recurrenceTimeZone") or "",
        "numberOfOccurrences": 0,
    }
    if range_type == "endDate":
        end_date = _day(span.get("endDate"), "endDate")
        if end_date < start_date:
            raise invalid_request(
                "Your request can't be completed. The recurrence range ends before it starts."
            )
        clean_range["endDate"] = end_date.isoformat()
    if range_type == "numbered":
        clean_range["numberOfOccurrences"] = _positive(span, "numberOfOccurrences", 999)
    return {"pattern": clean_pattern, "range": clean_range}


def _rule(recurrence: dict[str, Any], first_wall: datetime) -> rrule.rrule:
    pattern = recurrence["pattern"]
    span = recurrence["range"]
    kind = pattern["type"]
    dtstart = datetime.combine(date.fromisoformat(span["startDate"]), first_wall.time())
    options: dict[str, Any] = {
        "dtstart": dtstart,
        "interval": pattern["interval"],
        "wkst": WEEKDAYS[pattern["firstDayOfWeek"]],
    }
    if kind == "daily":
        freq = rrule.DAILY
    elif kind == "weekly":
        freq = rrule.WEEKLY
        options["byweekday"] = _weekdays(pattern)
    elif kind == "absoluteMonthly":
        freq = rrule.MONTHLY
        _day_of_month(options, pattern["dayOfMonth"])
    elif kind == "relativeMonthly":
        freq = rrule.MONTHLY
        options["byweekday"] = _weekdays(pattern)
        options["bysetpos"] = WEEK_INDEX[pattern["index"]]
    elif kind == "absoluteYearly":
        freq = rrule.YEARLY
        options["bymonth"] = pattern["month"]
        _day_of_month(options, pattern["dayOfMonth"])
    else:
        freq = rrule.YEARLY
        options["bymonth"] = pattern["month"]
        options["byweekday"] = _weekdays(pattern)
        options["bysetpos"] = WEEK_INDEX[pattern["index"]]
    if span["type"] == "endDate":
        # The end date is inclusive: an occurrence on that day still happens.
        options["until"] = datetime.combine(date.fromisoformat(span["endDate"]), time.max)
    elif span["type"] == "numbered":
        options["count"] = span["numberOfOccurrences"]
    return rrule.rrule(freq, **options)


def _day_of_month(options: dict[str, Any], day: int) -> None:
    """Outlook puts "day 31 of every month" on the last day of shorter months (and
    February 29 on the 28th in other years) where RRULE would skip the month."""
    if day <= 28:
        options["bymonthday"] = day
    else:
        options["bymonthday"] = list(range(28, day + 1))
        options["bysetpos"] = -1


def occurrence_walls(
    recurrence: dict[str, Any], first_wall: datetime, until_wall: datetime | None
) -> list[datetime]:
    """Wall-clock starts of a series (in its own zone, so 09:00 stays 09:00 across a
    DST change), up to ``until_wall`` (exclusive) when given."""
    found: list[datetime] = []
    for moment in _rule(recurrence, first_wall):
        if (until_wall is not None and moment >= until_wall) or len(found) >= MAX_OCCURRENCES:
            break
        found.append(moment)
    return found


def first_occurrence(recurrence: dict[str, Any], wall: datetime) -> datetime | None:
    """Graph moves a series' start onto its first occurrence."""
    return next(iter(_rule(recurrence, wall)), None)


def wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def utc_to_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def whole_days(start: WallTime, end: WallTime) -> bool:
    return (
        start.wall.time() == time()
        and end.wall.time() == time()
        and (end.wall - start.wall) >= timedelta(days=1)
    )
