"""Validators for values that several concerns accept from users."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from booking.errors import InvalidInput

#: Any date or time a client sends: wide enough for every real plan, narrow enough
#: that a day or a year added to it, or a zone applied, stays inside what datetime
#: and both databases hold (9999-12-31 plus a day was an OverflowError, a 500).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
#: Slots and bookings: at most three years ahead (a leap day included), beyond the
#: longest rolling horizon an event type can have (730 days).
MAX_DAYS_AHEAD = 3 * 365 + 1

D = TypeVar("D", bound=date)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

# Public booking pages live at /{host_slug}; these paths belong to the app itself.
RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "auth", "book", "booking", "bookings", "calendar", "calendars",
        "dashboard", "docs", "healthz", "login", "logout", "me", "oauth", "public",
        "schema", "settings", "signup", "static", "video", "webhooks",
    }
)  # fmt: skip


def time_zone(value: str, field: str = "time_zone") -> str:
    """Return ``value`` if it names an IANA zone, else raise :class:`InvalidInput`."""
    # ZoneInfo would also accept file-system-ish keys like "localtime"; require Area/City or UTC.
    if not value or ("/" not in value and value not in {"UTC", "GMT"}):
        raise InvalidInput(field, f"'{value}' is not an IANA time zone such as Europe/Berlin.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidInput(
            field, f"'{value}' is not an IANA time zone such as Europe/Berlin."
        ) from exc
    return value


def slug(value: str, field: str = "slug") -> str:
    if not SLUG_RE.fullmatch(value):
        raise InvalidInput(
            field,
            "use 1-64 lowercase letters, digits and inner hyphens (for example 'ada-lovelace').",
        )
    if value in RESERVED_SLUGS:
        raise InvalidInput(field, f"'{value}' is reserved; choose another.")
    return value


def email(value: str, field: str = "email") -> str:
    """Validate syntax only (no DNS: the service must work offline) and normalise the domain."""
    try:
        return _normalised(value)
    except EmailNotValidError as exc:
        raise InvalidInput(field, str(exc)) from exc


@lru_cache(maxsize=1 << 14)
def _normalised(value: str) -> str:
    # Cached: without DNS the answer depends on the text alone, and a calendar import
    # meets the same guests in meeting after meeting (~40 us a check).
    return str(validate_email(value, check_deliverability=False).normalized)


def email_key(value: str) -> str:
    """The case-insensitive identity of an e-mail address (contacts match on this)."""
    return value.strip().casefold()


def in_years(value: D, field: str) -> D:
    """Return ``value`` (a date, or a datetime in its own offset) if its year is
    supported, else raise :class:`InvalidInput`."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise InvalidInput(field, f"must fall in the years {EARLIEST_YEAR} to {LATEST_YEAR}.")
    return value


def within_reach(value: D, now: D, field: str) -> D:
    """Return ``value`` unless it lies more than ``MAX_DAYS_AHEAD`` after ``now`` (both
    dates, or both aware datetimes)."""
    if value > now + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(field, f"must be at most {MAX_DAYS_AHEAD} days ahead.")
    return value
