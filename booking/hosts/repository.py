"""All queries on hosts and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from piccolo.columns import Column

from booking.db import is_unique_violation, unique_as
from booking.hosts.records import HostRecord, TokenRecord, TokenUse
from booking.hosts.tables import ApiToken, Host, HostPreferences

_UNIQUE = {
    "slug": ("slug", "This slug is taken; choose another."),
    "email": ("email", "A host with this e-mail already exists."),
}


def _host(row: dict[str, Any] | None) -> HostRecord | None:
    return None if row is None else msgspec.convert(row, HostRecord)


async def insert(row: dict[str, Any]) -> HostRecord:
    with unique_as(_UNIQUE):
        created = await Host.insert(Host(**row)).returning(*Host.all_columns())
    return msgspec.convert(created[0], HostRecord)


async def by_id(host_id: int) -> HostRecord | None:
    return _host(await Host.select().where(Host.id == host_id).first())


async def by_email(email: str) -> HostRecord | None:
    return _host(await Host.select().where(Host.email == email).first())


async def by_slug(slug: str) -> HostRecord | None:
    return _host(await Host.select().where(Host.slug == slug).first())


async def update(host_id: int, values: dict[Column | str, Any]) -> HostRecord | None:
    with unique_as(_UNIQUE):
        rows = await Host.update(values).where(Host.id == host_id).returning(*Host.all_columns())
    return _host(rows[0] if rows else None)


_TOKEN_COLUMNS = (
    ApiToken.id,
    ApiToken.name,
    ApiToken.created_at,
    ApiToken.last_used_at,
    ApiToken.expires_at,
    ApiToken.revoked_at,
)
# Aliased to the host's own column names, so the row reads like a Host row.
_TOKEN_HOST_COLUMNS = (
    ApiToken.host.id.as_alias("id"),
    ApiToken.host.email.as_alias("email"),
    ApiToken.host.name.as_alias("name"),
    ApiToken.host.slug.as_alias("slug"),
    ApiToken.host.time_zone.as_alias("time_zone"),
    ApiToken.host.password_hash.as_alias("password_hash"),
    ApiToken.host.created_at.as_alias("created_at"),
)


async def insert_token(row: dict[str, Any]) -> TokenRecord:
    created = await ApiToken.insert(ApiToken(**row)).returning(*_TOKEN_COLUMNS)
    return msgspec.convert(created[0], TokenRecord)


async def tokens_of(host_id: int, *, include_revoked: bool) -> list[TokenRecord]:
    query = ApiToken.select(*_TOKEN_COLUMNS).where(ApiToken.host == host_id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_null())
    rows = await query.order_by(ApiToken.created_at, ascending=False).order_by(
        ApiToken.id, ascending=False
    )
    return msgspec.convert(rows, list[TokenRecord])


async def revoke_token(host_id: int, token_id: int, at: datetime) -> bool:
    """Mark the host's live token revoked; False if it has none by that id."""
    rows = (
        await ApiToken.update({ApiToken.revoked_at: at})
        .where(
            (ApiToken.id == token_id) & (ApiToken.host == host_id) & ApiToken.revoked_at.is_null()
        )
        .returning(ApiToken.id)
    )
    return bool(rows)


async def token_with_host(digest: str) -> TokenUse | None:
    """The token with this digest and its host, in one round trip (every API request
    runs this)."""
    row = await (
        ApiToken.select(
            ApiToken.id.as_alias("token_id"),
            ApiToken.last_used_at,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            *_TOKEN_HOST_COLUMNS,
        )
        .where(ApiToken.token_hash == digest)
        .first()
    )
    if row is None:
        return None
    token = {k: row.pop(k) for k in ("token_id", "last_used_at", "expires_at", "revoked_at")}
    return msgspec.convert({**token, "host": row}, TokenUse)


async def token_expiry(digest: str) -> datetime | None:
    row = await ApiToken.select(ApiToken.expires_at).where(ApiToken.token_hash == digest).first()
    expires_at: datetime | None = row["expires_at"] if row else None
    return expires_at


async def touch_token(token_id: int, at: datetime) -> None:
    await ApiToken.update({ApiToken.last_used_at: at}).where(ApiToken.id == token_id)


async def activities_view(host_id: int) -> str | None:
    row = (
        await HostPreferences.select(HostPreferences.activities_view)
        .where(HostPreferences.host == host_id)
        .first()
    )
    return None if row is None else str(row["activities_view"])


async def set_activities_view(host_id: int, view: str) -> None:
    """Upsert the host's preferences row (one per host, made on the first choice)."""
    values: dict[Column | str, Any] = {HostPreferences.activities_view: view}
    updated = (
        await HostPreferences.update(values)
        .where(HostPreferences.host == host_id)
        .returning(HostPreferences.id)
    )
    if updated:
        return
    try:
        await HostPreferences.insert(HostPreferences(host=host_id, activities_view=view))
    except Exception as exc:  # the same host's other tab made the row first
        if not is_unique_violation(exc):
            raise
        await HostPreferences.update(values).where(HostPreferences.host == host_id)
