"""Rules for hosts: creation, profile changes, password and token authentication."""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.columns import Column

from booking import validation
from booking.errors import InvalidInput, NotFound, Unauthorized
from booking.hosts import credentials, repository
from booking.hosts.schemas import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    Host,
    HostCreate,
    HostUpdate,
    SignedIn,
)
from booking.schedules import service as schedules


def _to_host(row: dict[str, Any]) -> Host:
    return Host(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        slug=row["slug"],
        time_zone=row["time_zone"],
        created_at=row["created_at"],
    )


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
    await schedules.create_default(row["id"], row["time_zone"])
    return _to_host(row)


async def get(host_id: int) -> Host:
    row = await repository.by_id(host_id)
    if row is None:
        raise NotFound("No such host.")
    return _to_host(row)


async def get_by_email(email: str) -> Host:
    row = await repository.by_email(email.strip().lower())
    if row is None:
        raise NotFound(f"No host with e-mail {email}.")
    return _to_host(row)


async def get_by_slug(slug: str) -> Host:
    row = await repository.by_slug(slug)
    if row is None:
        raise NotFound("No such booking page.")
    return _to_host(row)


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
    return _to_host(row)


async def authenticate_password(email: str, password: str) -> SignedIn:
    row = await repository.by_email(email.strip().lower())
    valid = credentials.verify_password(row["password_hash"] if row else None, password)
    if row is None or not valid:
        raise Unauthorized("Wrong e-mail or password.")
    return SignedIn(_to_host(row), credentials.credential_stamp(row["password_hash"]))


async def get_signed_in(host_id: int) -> SignedIn:
    """The host of a session, with the stamp its session must carry to be valid."""
    row = await repository.by_id(host_id)
    if row is None:
        raise NotFound("No such host.")
    return SignedIn(_to_host(row), credentials.credential_stamp(row["password_hash"]))


async def change_password(host_id: int, current: str, new: str) -> SignedIn:
    """Set a new password after checking the current one; every session held under the
    old password ends (their stamp no longer matches)."""
    row = await repository.by_id(host_id)
    if row is None:
        raise NotFound("No such host.")
    if not credentials.verify_password(row["password_hash"], current):
        raise InvalidInput("current_password", "This is not your current password.")
    if not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
        raise InvalidInput("new_password", f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    if new == current:
        raise InvalidInput("new_password", "The new password is the current one.")
    password_hash = credentials.hash_password(new)
    updated = await repository.update(host_id, {"password_hash": password_hash})
    if updated is None:
        raise NotFound("No such host.")
    return SignedIn(_to_host(updated), credentials.credential_stamp(password_hash))


async def create_token(host_id: int, label: str = "") -> str:
    """Create an API token; the plain token is returned once and never stored."""
    token = credentials.new_token()
    await repository.insert_token(host_id, credentials.token_digest(token), label[:100])
    return token


async def authenticate_token(token: str) -> Host:
    row = None
    if token.startswith(credentials.TOKEN_PREFIX):
        row = await repository.host_by_token(credentials.token_digest(token))
    if row is None:
        raise Unauthorized("The API token is missing, wrong or revoked.")
    return _to_host(row)
