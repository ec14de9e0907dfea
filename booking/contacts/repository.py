"""All queries on contacts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.engine.sqlite import SQLiteEngine

from booking.contacts.records import ContactRecord
from booking.contacts.tables import Contact
from booking.db import batches, run_sql, values_list, write_transaction


def _record(row: dict[str, Any] | None) -> ContactRecord | None:
    return None if row is None else msgspec.convert(row, ContactRecord)


async def insert(row: dict[str, Any]) -> ContactRecord:
    created = await Contact.insert(Contact(**row)).returning(*Contact.all_columns())
    return msgspec.convert(created[0], ContactRecord)


def email_key_lock(key: str) -> AbstractAsyncContextManager[None]:
    """A transaction no other writer of contacts with this address enters until it ends.

    Addresses are no longer unique in the schema, so "look, then create if missing"
    must be serialised, or two bookings by one new invitee would create two contacts.
    PostgreSQL: an advisory lock on the address; SQLite: the database write lock.
    Joins a transaction already open (a booking's).
    """
    return email_keys_lock([key])


@asynccontextmanager
async def email_keys_lock(keys: Collection[str]) -> AsyncIterator[None]:
    """:func:`email_key_lock` for several addresses at once (a batch of imported
    meetings). PostgreSQL: one advisory lock per address, taken in sorted order in
    one statement (unnest yields the array in order), so two batches sharing
    addresses cannot deadlock on each other."""
    engine = Contact._meta.db
    if isinstance(engine, SQLiteEngine):
        async with write_transaction():
            yield
        return
    async with engine.transaction():
        if keys:
            await Contact.raw(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 7)) FROM unnest({}::text[]) AS k",
                sorted(set(keys)),
            )
        yield


async def by_id(contact_id: int) -> ContactRecord | None:
    return _record(await Contact.select().where(Contact.id == contact_id).first())


async def by_email_key(key: str) -> list[ContactRecord]:
    rows = await Contact.select().where(Contact.email_key == key).order_by(Contact.id)
    return msgspec.convert(rows, list[ContactRecord])


async def by_email_keys(keys: Collection[str]) -> dict[str, list[ContactRecord]]:
    """:func:`by_email_key` for several addresses: key -> its contacts, by id."""
    found: dict[str, list[ContactRecord]] = {}
    for chunk in batches(sorted(set(keys))):
        rows = (
            await Contact.select().where(Contact.email_key.is_in(list(chunk))).order_by(Contact.id)
        )
        for record in msgspec.convert(rows, list[ContactRecord]):
            found.setdefault(record.email_key, []).append(record)
    return found


async def insert_many(rows: Sequence[dict[str, Any]]) -> list[ContactRecord]:
    """Insert contacts (``email``, ``email_key``, ``name``, ``owner``), one statement per
    500 rows, and return them in the order of ``rows``. SQL text (booking.db.run_sql):
    piccolo's builder made a Table instance and compiled a placeholder at a time, which
    for the contacts of a 1,000-meeting import took longer than the insert itself.
    Matched back by address key: callers insert one contact per key."""
    now = datetime.now(UTC)
    made: dict[str, int] = {}
    for chunk in batches(rows):
        args: list[Any] = []
        for row in chunk:
            args += (row["email"], row["email_key"], row["name"], row["owner"], now)
        answer = await run_sql(
            Contact,
            "INSERT INTO contact (email, email_key, name, owner, created_at) VALUES "  # noqa: S608
            + values_list(len(chunk), 5)
            + " RETURNING id, email_key",
            *args,
        )
        made.update((str(r["email_key"]), int(r["id"])) for r in answer)
    return [
        ContactRecord(
            id=made[row["email_key"]],
            email=row["email"],
            email_key=row["email_key"],
            name=row["name"],
            owner_id=row["owner"],
            created_at=now,
        )
        for row in rows
    ]


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
# writing after would let a concurrent hand-over slip in between.


async def update_owned(
    owner_id: int, contact_id: int, values: dict[Column | str, Any]
) -> ContactRecord | None:
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
