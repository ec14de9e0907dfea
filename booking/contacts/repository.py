"""All queries on contacts."""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw

from booking.contacts.records import ContactRecord
from booking.contacts.tables import Contact
from booking.db import unique_as

_UNIQUE = {"email": ("email", "A contact with this e-mail already exists.")}


def _record(row: dict[str, Any] | None) -> ContactRecord | None:
    return None if row is None else msgspec.convert(row, ContactRecord)


async def insert(row: dict[str, Any]) -> ContactRecord:
    with unique_as(_UNIQUE):
        created = await Contact.insert(Contact(**row)).returning(*Contact.all_columns())
    return msgspec.convert(created[0], ContactRecord)


async def insert_if_absent(row: dict[str, Any]) -> None:
    # ON CONFLICT DO NOTHING, not insert-then-catch: on PostgreSQL a failed insert
    # aborts the surrounding transaction (a booking's), which must go on.
    await Contact.insert(Contact(**row)).on_conflict(target=Contact.email_key, action="DO NOTHING")


async def by_id(contact_id: int) -> ContactRecord | None:
    return _record(await Contact.select().where(Contact.id == contact_id).first())


async def by_email_key(key: str) -> ContactRecord | None:
    return _record(await Contact.select().where(Contact.email_key == key).first())


async def by_ids(ids: list[int]) -> list[ContactRecord]:
    if not ids:
        return []
    rows = await Contact.select().where(Contact.id.is_in(ids)).order_by(Contact.id)
    return msgspec.convert(rows, list[ContactRecord])


async def search(text: str, limit: int, offset: int) -> list[ContactRecord]:
    query = Contact.select().order_by(Contact.name).order_by(Contact.email_key)
    if text:
        # Escape LIKE wildcards ('_' is common in e-mail addresses) with an explicit
        # ESCAPE: SQLite has no default escape character, PostgreSQL's is a backslash.
        escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        pattern = f"%{escaped}%"
        query = query.where(
            WhereRaw(
                "(email_key LIKE {} ESCAPE '!' OR lower(name) LIKE {} ESCAPE '!')",
                pattern,
                pattern,
            )
        )
    return msgspec.convert(await query.limit(limit).offset(offset), list[ContactRecord])


async def owned_by(owner_id: int, contact_id: int) -> ContactRecord | None:
    return _record(
        await Contact.select()
        .where((Contact.id == contact_id) & (Contact.owner == owner_id))
        .first()
    )


# Writes match on id *and* owner in one statement: checking ownership first and
# writing after would let a concurrent hand-over slip in between, and the unique
# e-mail check must not run (and answer 409) for a contact the caller may not touch.


async def update_owned(
    owner_id: int, contact_id: int, values: dict[Column | str, Any]
) -> ContactRecord | None:
    with unique_as(_UNIQUE):
        rows = (
            await Contact.update(values)
            .where((Contact.id == contact_id) & (Contact.owner == owner_id))
            .returning(*Contact.all_columns())
        )
    return _record(rows[0] if rows else None)


async def delete_owned(owner_id: int, contact_id: int) -> bool:
    rows = (
        await Contact.delete()
        .where((Contact.id == contact_id) & (Contact.owner == owner_id))
        .returning(Contact.id)
    )
    return bool(rows)
