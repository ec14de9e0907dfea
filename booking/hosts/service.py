"""Rules for hosts: creation, profile changes, passwords, and API tokens (issue, list,
revoke, authenticate)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from piccolo.columns import Column

from booking import validation
from booking.errors import InvalidInput, NotFound, Unauthorized
from booking.hosts import credentials, repository
from booking.hosts.schemas import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    ApiToken,
    ApiTokenCreate,
    ApiTokenCreated,
    Host,
    HostCreate,
    HostUpdate,
    SignedIn,
)
from booking.schedules import service as schedules


async def create(data: HostCreate) -> Host:
    row = await repository.insert(
        {
            "email": validation.email(data.email).lower(),
            "slug": validation.slug(data.slug),
            "time_zone": validation.time_zone(data.time_zone),
            "name": data.name.strip(),
            "password_hash": credentials.hash_password(data.password) if data.password else None,
        }
    )
    # Every host can be booked at once: Mon-Fri 09:00-17:00 in the host's zone.
    await schedules.create_default(row.id, row.time_zone)
    return msgspec.convert(row, Host, from_attributes=True)


async def get(host_id: int) -> Host:
    row = await repository.by_id(host_id)
    if row is None:
        raise NotFound("No such host.")
    return msgspec.convert(row, Host, from_attributes=True)


async def get_by_email(email: str) -> Host:
    row = await repository.by_email(email.strip().lower())
    if row is None:
        raise NotFound(f"No host with e-mail {email}.")
    return msgspec.convert(row, Host, from_attributes=True)


async def get_by_slug(slug: str) -> Host:
    row = await repository.by_slug(slug)
    if row is None:
        raise NotFound("No such booking page.")
    return msgspec.convert(row, Host, from_attributes=True)


async def update(host_id: int, data: HostUpdate) -> Host:
    values: dict[Column | str, Any] = {}
    if data.name is not msgspec.UNSET:
        values["name"] = data.name.strip()
    if data.slug is not msgspec.UNSET:
        values["slug"] = validation.slug(data.slug)
    if data.time_zone is not msgspec.UNSET:
        values["time_zone"] = validation.time_zone(data.time_zone)
    if not values:
        return await get(host_id)
    row = await repository.update(host_id, values)
    if row is None:
        raise NotFound("No such host.")
    return msgspec.convert(row, Host, from_attributes=True)


async def authenticate_password(email: str, password: str) -> SignedIn:
    row = await repository.by_email(email.strip().lower())
    valid = credentials.verify_password(row.password_hash if row else None, password)
    if row is None or not valid:
        raise Unauthorized("Wrong e-mail or password.")
    return SignedIn(
        msgspec.convert(row, Host, from_attributes=True),
        credentials.credential_stamp(row.password_hash),
    )


async def get_signed_in(host_id: int) -> SignedIn:
    """The host of a session, with the stamp its session must carry to be valid."""
    row = await repository.by_id(host_id)
    if row is None:
        raise NotFound("No such host.")
    return SignedIn(
        msgspec.convert(row, Host, from_attributes=True),
        credentials.credential_stamp(row.password_hash),
    )


async def change_password(host_id: int, current: str, new: str) -> SignedIn:
    """Set a new password after checking the current one; every session held under the
    old password ends (their stamp no longer matches)."""
    row = await repository.by_id(host_id)
    if row is None:
        raise NotFound("No such host.")
    if not credentials.verify_password(row.password_hash, current):
        raise InvalidInput("current_password", "This is not your current password.")
    if not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
        raise InvalidInput("new_password", f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    if new == current:
        raise InvalidInput("new_password", "The new password is the current one.")
    password_hash = credentials.hash_password(new)
    updated = await repository.update(host_id, {"password_hash": password_hash})
    if updated is None:
        raise NotFound("No such host.")
    return SignedIn(
        msgspec.convert(updated, Host, from_attributes=True),
        credentials.credential_stamp(password_hash),
    )


# How stale last_used_at may get. Writing it on every request would make every API
# call, reads included, a write: on SQLite that takes the one database-wide write
# lock (and a WAL commit) per request, queueing GETs behind bookings; on PostgreSQL
# it is a row lock on the token that concurrent requests with the same token wait
# for, plus a dead tuple and WAL each. "Last used" is for spotting unused or leaked
# tokens, where a minute is precise enough (GitHub shows it to the week).
LAST_USED_PRECISION = timedelta(minutes=1)
# Expiry instants past this are refused: far beyond any sensible token life, and
# a year-9999 instant with an offset cannot even be converted to UTC.
LATEST_EXPIRY = datetime(2200, 1, 1, tzinfo=UTC)
# Serial columns are 32-bit on PostgreSQL; a larger id would be a driver error (500)
# rather than the 404 it is.
_MAX_ID = 2**31 - 1


def _expiry(value: datetime | None, now: datetime, not_after: datetime | None) -> datetime | None:
    if not_after is not None and (value is None or value > not_after):
        # Otherwise a short-lived token handed to a script could mint itself a
        # permanent successor, and expiry would limit nothing.
        limit = f"{not_after.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        raise InvalidInput(
            "expires_at",
            f"the token making this request expires at {limit}; one it creates cannot outlive it.",
        )
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput("expires_at", "include a UTC offset, e.g. 2027-01-01T00:00:00Z.")
    # Compared before converting: astimezone() overflows at the ends of the calendar
    # (year 1 at +01:00), comparing aware datetimes does not.
    if value <= now:
        raise InvalidInput("expires_at", "must be in the future.")
    if value >= LATEST_EXPIRY:
        raise InvalidInput("expires_at", f"must be before {LATEST_EXPIRY.year}.")
    return value.astimezone(UTC)


async def issue_token(
    host_id: int, data: ApiTokenCreate, *, not_after: datetime | None = None
) -> ApiTokenCreated:
    """Create an API token; the plain token is in the answer once and never stored.

    ``not_after``: the expiry of the token this request came with, if it has one; the
    new token may not outlive it.
    """
    name = data.name.strip()
    if not name:
        raise InvalidInput("name", "is required.")
    expires_at = _expiry(data.expires_at, datetime.now(UTC), not_after)
    token = credentials.new_token()
    row = await repository.insert_token(
        {
            "host": host_id,
            "token_hash": credentials.token_digest(token),
            "name": name,
            "expires_at": expires_at,
        }
    )
    return ApiTokenCreated(**msgspec.structs.asdict(row), token=token)


async def create_token(host_id: int, name: str = "") -> str:
    """A never-expiring token, just its secret: for scripts and tests."""
    return (await issue_token(host_id, ApiTokenCreate(name=name or "API token"))).token


async def expiry_of(token: str) -> datetime | None:
    """When this (already authenticated) token expires; None if never or unknown."""
    return await repository.token_expiry(credentials.token_digest(token))


async def list_tokens(host_id: int, *, include_revoked: bool = False) -> list[ApiToken]:
    """The host's tokens, newest first; expired ones too (their host may want to see
    and revoke them), revoked ones only when asked."""
    rows = await repository.tokens_of(host_id, include_revoked=include_revoked)
    return msgspec.convert(rows, list[ApiToken], from_attributes=True)


async def revoke_token(host_id: int, token_id: int) -> None:
    """Revoke one of the host's tokens. Another host's token, an unknown one and one
    already revoked are all "no such token": nothing about other hosts leaks."""
    revoked = 0 < token_id <= _MAX_ID and await repository.revoke_token(
        host_id, token_id, datetime.now(UTC)
    )
    if not revoked:
        raise NotFound("No such API token.")


async def authenticate_token(token: str) -> Host:
    found = None
    if token.startswith(credentials.TOKEN_PREFIX):
        found = await repository.token_with_host(credentials.token_digest(token))
    if found is None:
        raise Unauthorized("The API token is missing or wrong.")
    # Saying why is safe: only someone holding the token's secret gets to read it.
    if found.revoked_at is not None:
        raise Unauthorized("This API token has been revoked; create a new one.")
    now = datetime.now(UTC)
    if found.expires_at is not None and found.expires_at <= now:
        raise Unauthorized("This API token has expired; create a new one.")
    last_used = found.last_used_at
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        await repository.touch_token(found.token_id, now)
    return msgspec.convert(found.host, Host, from_attributes=True)
