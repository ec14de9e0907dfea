"""Activity ids are never handed out twice (SQLite).

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
(an activity deleted before this release, its event not yet deleted). PostgreSQL's
sequences never reuse an id: nothing to do there.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-01T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "activity ids never reused (SQLite: AUTOINCREMENT)"

_PRIMARY_KEY = '"id" INTEGER PRIMARY KEY NOT NULL'


def _rebuild(path: str) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("BEGIN IMMEDIATE")
        try:
            (table_sql,) = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'activity'"
            ).fetchone()
            if "AUTOINCREMENT" in table_sql.upper():
                connection.execute("ROLLBACK")
                return
            if _PRIMARY_KEY not in table_sql:
                raise RuntimeError(f"unexpected activity table: {table_sql}")
            indexes = [
                sql
                for (sql,) in connection.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index'"
                    " AND tbl_name = 'activity' AND sql IS NOT NULL"
                )
            ]
            new_sql = table_sql.replace(
                'CREATE TABLE "activity"', 'CREATE TABLE "activity_rebuilt"', 1
            ).replace(_PRIMARY_KEY, '"id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL', 1)
            connection.execute(new_sql)
            connection.execute('INSERT INTO "activity_rebuilt" SELECT * FROM "activity"')
            connection.execute('DROP TABLE "activity"')
            connection.execute('ALTER TABLE "activity_rebuilt" RENAME TO "activity"')
            for sql in indexes:
                connection.execute(sql)
            named = "SELECT max(id) AS m FROM activity"
            if connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_link'"
            ).fetchone():
                named += " UNION ALL SELECT max(activity_id) FROM sync_link"
            (highest,) = connection.execute(f"SELECT max(m) FROM ({named})").fetchone()  # noqa: S608
            connection.execute("DELETE FROM sqlite_sequence WHERE name = 'activity'")
            connection.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('activity', ?)", (highest or 0,)
            )
            broken = [
                row
                for table in ("activity", "activity_guest", "booking")
                for row in connection.execute(f"PRAGMA foreign_key_check({table})")
            ]
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
