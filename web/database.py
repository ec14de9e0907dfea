"""Builds the piccolo engine from settings and binds every table to it.

Piccolo normally finds its engine through a ``piccolo_conf`` module; we set that
module's ``DB`` at runtime (so the migration machinery finds it) and bind each
table explicitly (tables cache the engine they first saw).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

# piccolo's engine_finder() imports the module named here; ours lives in the web package.
os.environ.setdefault("PICCOLO_CONF", "web.piccolo_conf")


logger = logging.getLogger(__name__)


class OneHopSQLiteEngine(SQLiteEngine):
    """piccolo's SQLite engine, with one trip to aiosqlite's thread per statement
    inside a transaction instead of four.

    piccolo runs ``PRAGMA foreign_keys = 1`` before every statement of a transaction,
    then execute, fetchall and cursor close as three more calls, each a hand-off to
    aiosqlite's worker thread and back (~0.1 ms apiece, more than the statement
    itself). The pragma is a no-op inside a transaction (SQLite's documentation) and
    the connection already got it when it opened (``get_connection``), so one
    ``execute_fetchall`` does the same work. A slots request runs its reads in one
    transaction, so this is most of what SQLite costs it.
    """

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        if query_type == "insert" and self.get_version_sync() < 3.35:  # pragma: no cover
            # No RETURNING before 3.35: piccolo reads the new key from the cursor.
            return await super()._run_in_existing_connection(
                connection, query, args, query_type, table
            )
        return list(await connection.execute_fetchall(query, args or []))


def build_engine(database_url: str) -> Engine[Any]:
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
        path = Path(parts.path[1:] if parts.path.startswith("/") else parts.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A generous busy timeout: concurrent writers queue instead of failing at once.
        return OneHopSQLiteEngine(path=str(path), timeout=30)
    return PostgresEngine(config={"dsn": database_url})


def all_tables() -> list[type[Table]]:
    from web import piccolo_conf  # late: piccolo_conf builds its engine through this module

    tables: list[type[Table]] = [Migration]
    for app in piccolo_conf.APP_REGISTRY.app_configs.values():
        tables.extend(app.table_classes)
    return tables


def bind(engine: Engine[Any]) -> None:
    from web import piccolo_conf

    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine


async def migrate(engine: Engine[Any]) -> None:
    """Apply every pending migration of every app, in dependency order."""
    bind(engine)
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers proceed while one writer writes; the setting is persistent.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    # piccolo prints progress to stdout; keep it out of the CLI's and tests' output.
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = await run_forwards(app_name="all")
    logger.debug("migrations: %s", output.getvalue())
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{output.getvalue()}")


async def ping(engine: Engine[Any]) -> None:
    await engine.run_ddl("SELECT 1")


async def start(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)


async def stop(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
