"""Activity and host ids are never handed out twice (SQLite).

SQLite gives a new row the largest id plus one, so when the newest activity was deleted,
the next one made took its id. The calendar sync names events by activity id (our
tag, Google's client-chosen event id, Graph's transactionId), and a status row that
still paired the deleted activity with its event then paired the new activity with it:
the next run rewrote the old event (its attendees, its id) with the new activity's
fields instead of deleting it and making one. ``AUTOINCREMENT`` never reuses an id.
SQLite cannot add it to a table, so the table is rebuilt by SQLite's own procedure
(https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off on a
connection of this migration's own (piccolo turns them on before every statement),
the rows copied, the old table dropped (with the keys off, its guests and bookings are
not cascaded away), the new one renamed, the indexes made again, the keys checked,
all in one transaction. The counter starts above every id a status row still names
(an activity deleted before this release, its event not yet deleted). Hosts get the
same: our tag names the host too. PostgreSQL's sequences never reuse an id: nothing to
do there.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-01T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "activity and host ids never reused (SQLite: AUTOINCREMENT)"

_PRIMARY_KEY = '"id" INTEGER PRIMARY KEY NOT NULL'


def _autoincrement(connection: sqlite3.Connection, table: str, named: list[str]) -> None:
    """``table`` rebuilt with ``AUTOINCREMENT``, its counter at the largest id it holds
    or that one of the ``named`` queries (``SELECT max(...) AS m ...``) finds."""
    (table_sql,) = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if "AUTOINCREMENT" in table_sql.upper():
        return
    if _PRIMARY_KEY not in table_sql:
        raise RuntimeError(f"unexpected {table} table: {table_sql}")
    indexes = [
        sql
        for (sql,) in connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            " AND sql IS NOT NULL",
            (table,),
        )
    ]
    rebuilt = f"{table}_rebuilt"
    connection.execute(
        table_sql.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{rebuilt}"', 1).replace(
            _PRIMARY_KEY, '"id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL', 1
        )
    )
    connection.execute(f'INSERT INTO "{rebuilt}" SELECT * FROM "{table}"')  # noqa: S608
    connection.execute(f'DROP TABLE "{table}"')
    connection.execute(f'ALTER TABLE "{rebuilt}" RENAME TO "{table}"')
    for sql in indexes:
        connection.execute(sql)
    queries = " UNION ALL ".join([f'SELECT max(id) AS m FROM "{table}"', *named])  # noqa: S608
    (highest,) = connection.execute(f"SELECT max(m) FROM ({queries})").fetchone()  # noqa: S608
    connection.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    connection.execute(
        "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest or 0)
    )


def _rebuild(path: str) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("BEGIN IMMEDIATE")
        try:
            has_links = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_link'"
            ).fetchone()
            _autoincrement(
                connection,
                "activity",
                ["SELECT max(activity_id) AS m FROM sync_link"] if has_links else [],
            )
            # Hosts too: our tag names the host, and a host made after the newest was
            # deleted would take the events that one left in a shared calendar for its
            # own.
            _autoincrement(connection, "host", [])
            broken = connection.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.close()


async def _never_reused() -> None:
    engine: Any = engine_finder()
    if not isinstance(engine, SQLiteEngine):
        return
    _rebuild(str(engine.connection_kwargs["database"]))


async def forwards() -> MigrationManager:
    # Not in piccolo's transaction: foreign keys can only be turned off outside one.
    manager = MigrationManager(
        migration_id=ID, app_name="booking", description=DESCRIPTION, wrap_in_transaction=False
    )
    manager.add_raw(_never_reused)
    return manager
