"""Validators for values that several concerns accept from users."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from booking.errors import InvalidInput

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
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(field, str(exc)) from exc


def email_key(value: str) -> str:
    """The case-insensitive identity of an e-mail address (contacts match on this)."""
    return value.strip().casefold()
