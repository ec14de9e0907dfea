"""All queries on hosts and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Column

from booking.db import unique_as
from booking.hosts.tables import ApiToken, Host

_UNIQUE = {
    "slug": ("slug", "This slug is taken; choose another."),
    "email": ("email", "A host with this e-mail already exists."),
}


async def insert(row: dict[str, Any]) -> dict[str, Any]:
    with unique_as(_UNIQUE):
        created = await Host.insert(Host(**row)).returning(*Host.all_columns())
    return created[0]


async def by_id(host_id: int) -> dict[str, Any] | None:
    return await Host.select().where(Host.id == host_id).first()


async def by_email(email: str) -> dict[str, Any] | None:
    return await Host.select().where(Host.email == email).first()


async def by_slug(slug: str) -> dict[str, Any] | None:
    return await Host.select().where(Host.slug == slug).first()


async def update(host_id: int, values: dict[Column | str, Any]) -> dict[str, Any] | None:
    with unique_as(_UNIQUE):
        rows = await Host.update(values).where(Host.id == host_id).returning(*Host.all_columns())
    return rows[0] if rows else None


async def insert_token(host_id: int, digest: str, label: str) -> None:
    await ApiToken.insert(ApiToken(host=host_id, token_hash=digest, label=label))


async def host_by_token(digest: str) -> dict[str, Any] | None:
    token = (
        await ApiToken.select(ApiToken.id, ApiToken.host)
        .where(ApiToken.token_hash == digest)
        .first()
    )
    if token is None:
        return None
    await ApiToken.update({ApiToken.last_used_at: datetime.now(UTC)}).where(
        ApiToken.id == token["id"]
    )
    return await by_id(token["host"])
