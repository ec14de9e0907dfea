"""Validators for values that several concerns accept from users."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import email_validator
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DNS_LABEL_LENGTH_LIMIT,
    EMAIL_MAX_LENGTH,
    LOCAL_PART_MAX_LENGTH,
)

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
    # meets the same guests in meeting after meeting.
    plain = plain_address(value)
    if plain is not None:
        return plain
    return str(validate_email(value, check_deliverability=False).normalized)


_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_PLAIN = re.compile(
    rf"([{_ATEXT}]+(?:\.[{_ATEXT}]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]+)"
)


def plain_address(value: str) -> str | None:
    """email_validator's answer for a plain ASCII address it is sure to accept
    (``name.tag+x@mail.example.org``), or None: ask email_validator.

    The library's checks cost about 34 us an address (its Unicode rules run on every
    character of the domain), a large part of linking a first calendar import's guests:
    a thousand meetings meet about a thousand new people, and a cache helps only from
    the second sight of each. For the common address whose
    answer is certain (an unquoted ASCII dot-atom, ASCII hostname labels under an
    alphabetic top-level domain, no Punycode or double hyphen, within the lengths, no
    reserved name or role mailbox the library rewrites), its normalised form is the
    text with the domain lowercased. A hypothesis test holds this to the library."""
    match = _PLAIN.fullmatch(value)
    if match is None or len(value) > EMAIL_MAX_LENGTH:
        return None
    local, domain = match.groups()
    domain = domain.lower()
    if (
        len(local) > LOCAL_PART_MAX_LENGTH
        or local.lower() in CASE_INSENSITIVE_MAILBOX_NAMES
        or "--" in domain
        or any(len(label) > DNS_LABEL_LENGTH_LIMIT for label in domain.split("."))
        # Read at each call, as the library does: an application may add to it.
        or any(
            domain == name or domain.endswith("." + name)
            for name in email_validator.SPECIAL_USE_DOMAIN_NAMES
        )
    ):
        return None
    return f"{local}@{domain}"


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
