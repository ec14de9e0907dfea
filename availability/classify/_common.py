"""Helpers shared by the provider classifiers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from availability.errors import InvalidInputError, MalformedEventError
from availability.hours import load_zone, wall_to_utc
from availability.intervals import from_seconds

_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu", "Etc/GMT", "GMT"})

__all__ = ["all_day_bounds", "host_tz", "parse_timestamp", "section", "zone_named"]


def host_tz(name: str) -> ZoneInfo:
    try:
        return load_zone(name)
    except InvalidInputError as exc:
        raise InvalidInputError(f"host_zone: {exc}") from exc


def zone_named(name: str) -> ZoneInfo:
    """A provider's zone name: ``UTC`` spellings or IANA names."""
    if name.upper() in ("UTC", "ETC/UTC", "Z", "GMT", "COORDINATED UNIVERSAL TIME"):
        return ZoneInfo("UTC")
    try:
        return load_zone(name)
    except InvalidInputError as exc:
        raise MalformedEventError(
            f"unsupported time zone {name!r} (Windows names are not mapped; ask for UTC)"
        ) from exc


def section(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = event.get(key)
    if not isinstance(value, Mapping):
        raise MalformedEventError(f"event has no usable {key!r} object")
    return value


def parse_timestamp(text: object, what: str, zone: ZoneInfo | None) -> datetime:
    """An ISO 8601 timestamp; ``zone`` places one without an offset, else it is refused."""
    if not isinstance(text, str):
        raise MalformedEventError(f"{what} must be a string, got {text!r}")
    raw = text.strip()
    head, dot, fraction = raw.partition(".")
    if dot:
        # Graph sends seven fractional digits; datetime keeps six.
        digits = len(fraction) - len(fraction.lstrip("0123456789"))
        raw = f"{head}.{fraction[: min(digits, 6)]}{fraction[digits:]}"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise MalformedEventError(f"{what} is not an ISO 8601 timestamp: {text!r}") from exc
    if value.tzinfo is None:
        if zone is None:
            raise MalformedEventError(f"{what} has no UTC offset and no time zone: {text!r}")
        if zone.key in _UTC_KEYS:
            # Graph's times as we ask for them: no gap or fold to resolve, and the
            # general path costs a sync of 10,000 events a fifth of its time.
            return value.replace(tzinfo=UTC)
        seconds, _ = wall_to_utc(
            zone,
            value.date(),
            value.hour * 3600 + value.minute * 60 + value.second,
        )
        return from_seconds(seconds) + timedelta(microseconds=value.microsecond)
    return value.astimezone(UTC)


def parse_date(text: object, what: str) -> date:
    if not isinstance(text, str):
        raise MalformedEventError(f"{what} must be a YYYY-MM-DD string, got {text!r}")
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise MalformedEventError(f"{what} is not a date: {text!r}") from exc


def all_day_bounds(first: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[first, end)`` local dates (end exclusive) as UTC instants in ``tz``.

    Midnight resolves like a working-hours bound: the first instant at or after it,
    so a zone whose clocks skip midnight (America/Santiago) starts the day at 01:00.
    """
    if end < first:
        raise MalformedEventError(f"all-day event ends ({end}) before it starts ({first})")
    start_s, _ = wall_to_utc(tz, first, 0)
    end_s, _ = wall_to_utc(tz, end, 0)
    return from_seconds(start_s), from_seconds(end_s)
