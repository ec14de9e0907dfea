"""Transactions for the sync engine's writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from integrations.calendars.tables import BusyBlock


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """One atomic write. On SQLite ``BEGIN IMMEDIATE`` takes the write lock up front:
    a deferred transaction that read first fails at once (SQLITE_BUSY, no busy wait)
    when another writer committed in between, instead of queueing behind it."""
    engine = BusyBlock._meta.db
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
        return
    async with engine.transaction():
        yield
