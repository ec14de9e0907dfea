"""Contacts may share an e-mail address: the unique constraint on contact.email_key goes.

A shared inbox, or a duplicate import, is two contacts with one address. Matching
stays exact and case-insensitive on email_key, so the column keeps a plain index.

PostgreSQL drops the constraint. SQLite cannot drop a UNIQUE column constraint, so
the table is rebuilt by SQLite's own recipe (https://sqlite.org/lang_altertable.html,
"Making Other Kinds Of Table Schema Changes"): with foreign keys off, on a connection
of our own, because a DROP TABLE with them on would run the children's ON DELETE
actions (booking.contact set null, activity_guest rows deleted). Ids are copied, so
every reference stays valid; ``PRAGMA foreign_key_check`` proves it before commit.
"""

from __future__ import annotations

import asyncio
import sqlite3

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-30T19:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contact.email_key no longer unique (contacts may share an address)"

UNIQUE_COLUMN = '"email_key" VARCHAR(320) UNIQUE NOT NULL'
PLAIN_COLUMN = '"email_key" VARCHAR(320) NOT NULL'
INDEX = 'CREATE INDEX contact_email_key ON "contact" ("email_key")'


def _rebuild_sqlite(path: str) -> None:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")  # only outside a transaction
        connection.execute("BEGIN IMMEDIATE")
        try:
            (create,) = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'contact'"
            ).fetchone()
            if UNIQUE_COLUMN not in create:
                raise RuntimeError(f"unexpected contact table: {create}")
            indexes = [
                sql
                for (sql,) in connection.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index'"
                    " AND tbl_name = 'contact' AND sql IS NOT NULL"
                )
            ]
            new = create.replace(UNIQUE_COLUMN, PLAIN_COLUMN).replace(
                'CREATE TABLE "contact"', 'CREATE TABLE "contact_new"', 1
            )
            connection.execute(new)
            connection.execute('INSERT INTO "contact_new" SELECT * FROM "contact"')
            connection.execute('DROP TABLE "contact"')
            connection.execute('ALTER TABLE "contact_new" RENAME TO "contact"')
            for sql in [*indexes, INDEX]:
                connection.execute(sql)
            broken = connection.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"foreign keys broken by the rebuild: {broken}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.close()


async def _forwards() -> None:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no piccolo engine configured")
    if isinstance(engine, SQLiteEngine):
        await asyncio.to_thread(_rebuild_sqlite, engine.path)
        return
    await engine.run_ddl("ALTER TABLE contact DROP CONSTRAINT contact_email_key_key")
    await engine.run_ddl(INDEX)


async def _backwards() -> None:
    # Not reversible once addresses repeat; refuse rather than fail halfway.
    raise RuntimeError("contacts may share addresses now; merge them before going back")


async def forwards() -> MigrationManager:
    # No piccolo transaction: on SQLite the rebuild holds its own write transaction on
    # its own connection, which piccolo's would block.
    manager = MigrationManager(
        migration_id=ID, app_name="booking", description=DESCRIPTION, wrap_in_transaction=False
    )
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    # Declared so piccolo's picture of the schema (what `migrations new --auto`
    # compares the tables with) knows the change; the DDL is the raw step above,
    # since piccolo's own would be "DROP CONSTRAINT", which SQLite does not have.
    manager.alter_column(
        table_class_name="Contact",
        tablename="contact",
        column_name="email_key",
        db_column_name="email_key",
        params={"unique": False, "index": True},
        old_params={"unique": True, "index": False},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    async def _declared_only(backwards: bool = False) -> None:
        return None

    manager._run_alter_columns = _declared_only
    return manager
