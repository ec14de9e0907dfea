"""Database helpers shared by the repositories of every booking concern."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from functools import lru_cache
from typing import Any, TypeVar

import asyncpg
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.methods.raw import Raw
from piccolo.querystring import QueryString
from piccolo.table import Table

from booking.errors import AlreadyExists
from booking.hosts.tables import Host


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-constraint failure on either supported database.

    SQLite reports every constraint failure as ``IntegrityError``; only the message
    tells a UNIQUE failure from a NOT NULL or CHECK one.
    """
    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


def is_foreign_key_violation(exc: BaseException) -> bool:
    """True for a foreign-key failure (a RESTRICT delete of a row still referenced)."""
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc)


def violated_constraint(exc: BaseException) -> str:
    """Best-effort name of what was violated (constraint or ``table.column``)."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return exc.constraint_name or ""
    # SQLite: "UNIQUE constraint failed: host.slug"
    return str(exc).rsplit(":", 1)[-1].strip()


@contextmanager
def unique_as(mapping: dict[str, tuple[str, str]]) -> Iterator[None]:
    """Turn a unique violation into :class:`AlreadyExists` naming the field.

    ``mapping`` maps a fragment of the constraint name / ``table.column`` to
    ``(field, message)``; the first fragment found in the violation wins.
    """
    try:
        yield
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        where = violated_constraint(exc)
        for fragment, (field, message) in mapping.items():
            if fragment in where:
                raise AlreadyExists(field, message) from exc
        raise AlreadyExists("", "This record already exists.") from exc


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction that writes. On SQLite ``BEGIN IMMEDIATE`` takes the write lock
    up front, so the transaction waits its turn (busy timeout) behind other writers; a
    deferred one that read first cannot upgrade its lock once another writer has
    committed, and SQLite fails it at once ("database is locked", no busy wait)."""
    engine = Host._meta.db
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
        return
    async with engine.transaction():
        yield


@asynccontextmanager
async def row_write_lock(table: type[Table], row_id: int) -> AsyncIterator[None]:
    """A transaction that no other writer of the same row can enter until it ends.

    Across processes too, so a Python lock is not enough: on PostgreSQL we lock the
    row (``SELECT ... FOR UPDATE``); on SQLite a write transaction takes the database
    write lock up front (see :func:`write_transaction`), which holds off every other
    writer, so keep what runs inside short.
    """
    engine = table._meta.db
    if isinstance(engine, SQLiteEngine):
        async with write_transaction():
            yield
        return
    async with engine.transaction():
        primary_key = table._meta.primary_key
        await table.select(primary_key).where(primary_key == row_id).lock_rows("UPDATE")
        yield


def host_write_lock(host_id: int) -> AbstractAsyncContextManager[None]:
    """A transaction in which no other writer can book the same host or move its default
    schedule: re-checking a slot and inserting the booking must be one serialised step,
    and so must clearing a default and setting another."""
    return row_write_lock(Host, host_id)


@asynccontextmanager
async def read_snapshot() -> AsyncIterator[None]:
    """Run several reads on one connection that sees one consistent state.

    A page of slots reads the host, event type, schedule, bookings, activities and
    busy blocks; without this, each query would take a connection of its own and a
    booking committed midway could be half-seen. On SQLite it is a deferred
    transaction on a read-only connection: in WAL mode it never waits on a writer,
    and nothing inside may write.
    """
    engine = Host._meta.db
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.deferred):
            yield
        return
    async with engine.transaction():
        yield


T = TypeVar("T")

#: Rows of one multi-row statement (and ids of one IN list): far below both SQLite's
#: and PostgreSQL's limits on bound parameters.
ROWS_PER_STATEMENT = 500


def batches(rows: Sequence[T], size: int = ROWS_PER_STATEMENT) -> Iterator[Sequence[T]]:
    """``rows`` in slices of at most ``size``, for one statement each."""
    for at in range(0, len(rows), size):
        yield rows[at : at + size]


def values_list(rows: int, width: int) -> str:
    """The VALUES of a multi-row statement in piccolo's placeholders, ``({}, {}), ({},
    {})``, for :func:`run_sql`."""
    row = "(" + ", ".join(["{}"] * width) + ")"
    return ", ".join([row] * rows)


@lru_cache(maxsize=128)
def _native(template: str, engine_type: str) -> str:
    """``template``'s ``{}`` placeholders in the engine's own style: ``?`` (SQLite) or
    ``$1``, ``$2``... (PostgreSQL)."""
    parts = template.split("{}")
    if engine_type == "sqlite":
        return "?".join(parts)
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))


class _Sql(QueryString):
    """SQL text with its values, compiled by :func:`_native`."""

    def __init__(self, template: str, values: Sequence[Any]) -> None:
        super().__init__("")
        self._template = template
        self._values = list(values)

    def compile_string(self, engine_type: str = "postgres") -> tuple[str, list[Any]]:
        return _native(self._template, engine_type), self._values

    def __str__(self) -> str:  # what piccolo prints when it logs queries
        return self._template


async def run_sql(table: type[Table], template: str, *values: Any) -> list[dict[str, Any]]:
    """Run SQL text written with piccolo's ``{}`` placeholders, as ``table.raw()`` does
    (in the current transaction, if any), without piccolo's compiler: it makes an
    object and runs several isinstance checks per placeholder, which for a multi-row
    write of 1,000 rows took longer than the database took to run it. Only our own
    identifiers and placeholders may go into ``template``; values are bound."""
    rows: list[dict[str, Any]] = await Raw(table, querystring=_Sql(template, values))
    return rows
