"""Builds the piccolo engine from settings and binds every table to it.

Piccolo normally finds its engine through a ``piccolo_conf`` module; we set that
module's ``DB`` at runtime (so the migration machinery finds it) and bind each
table explicitly (tables cache the engine they first saw).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiosqlite
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.exceptions import TransactionError
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import (
    Atomic,
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)
from piccolo.table import Table

from web import sqlite_converters

# piccolo's engine_finder() imports the module named here; ours lives in the web package.
os.environ.setdefault("PICCOLO_CONF", "web.piccolo_conf")


logger = logging.getLogger(__name__)

# After piccolo's SQLite engine registered its converters (imported above).
sqlite_converters.register()


# What a transaction's type means on SQLite here. A write transaction takes the write
# lock when it begins (BEGIN IMMEDIATE), so it waits its turn on the busy timeout: a
# deferred one that read first cannot upgrade its lock once another writer has
# committed, and SQLite fails it at once ("database is locked") without waiting. A
# deferred transaction is a read snapshot: in WAL mode it never waits on a writer, and
# its connection is ``query_only`` so a write slipped into one fails every time
# instead of only under contention.
WRITE = TransactionType.immediate
READ_SNAPSHOT = TransactionType.deferred

# Set once per pooled connection. busy_timeout comes from the connect ``timeout``
# argument; journal_mode is persistent (set by migrate) and a no-op when already WAL.
_PRAGMAS = "PRAGMA foreign_keys = 1; PRAGMA journal_mode = WAL;"
_READER_PRAGMAS = _PRAGMAS + " PRAGMA query_only = 1;"


def _only_reads(sql: str) -> bool:
    # A statement that starts with SELECT cannot write in SQLite; anything else (WITH,
    # INSERT, PRAGMA, DDL) goes to the writer, where a read is merely less parallel.
    return sql.lstrip()[:6].upper() == "SELECT"


class ConnectionPool:
    """Open connections of one SQLite database, kept between uses.

    One writer connection, taken in turn through an asyncio lock, and up to
    ``readers`` idle reader connections. In one process, writers then queue in order
    on the lock instead of polling SQLite's busy handler (which sleeps up to 100 ms
    between tries); other processes are still held off by SQLite's lock and the busy
    timeout. When every reader is in use another is opened for the moment and closed
    after, so a reader is never waited for and nested use cannot deadlock.

    Connections are bound to no event loop, but the lock is: the pool serves only the
    loop that opened it (``usable``).
    """

    def __init__(self, engine: OneHopSQLiteEngine, readers: int) -> None:
        self._engine = engine
        self._readers = readers
        self._idle: list[aiosqlite.Connection] = []
        self._writer: aiosqlite.Connection | None = None
        self._writer_lock = asyncio.Lock()
        self._loop = asyncio.get_running_loop()
        self._timeout = float(engine.connection_kwargs.get("timeout", 5.0))
        self.closed = False

    def usable(self) -> bool:
        return not self.closed and asyncio.get_running_loop() is self._loop

    async def acquire(self, write: bool) -> aiosqlite.Connection:
        if not write:
            if self._idle:
                return self._idle.pop()
            return await self._engine.connect(write=False)
        try:
            async with asyncio.timeout(self._timeout):
                await self._writer_lock.acquire()
        except TimeoutError:
            # What SQLite itself answers when its busy timeout runs out.
            raise sqlite3.OperationalError("database is locked") from None
        try:
            if self._writer is None:
                self._writer = await self._engine.connect(write=True)
        except BaseException:
            self._writer_lock.release()
            raise
        return self._writer

    async def release(self, connection: aiosqlite.Connection, write: bool, clean: bool) -> None:
        """Give ``connection`` back. ``clean``: it is known to be outside a transaction
        and idle; otherwise (a failed COMMIT, a cancelled statement still running in
        its thread) it is closed, behind whatever it still has to do."""
        keep = clean and not self.closed
        if write:
            if not keep:
                self._writer = None
            self._writer_lock.release()
        elif keep and len(self._idle) < self._readers:
            self._idle.append(connection)
        else:
            keep = False
        if not keep:
            await _close(connection)

    async def drain(self) -> None:
        """Close every idle connection; the writer once no one is writing."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await _close(connection)
        async with self._writer_lock:
            writer, self._writer = self._writer, None
            if writer is not None:
                await _close(writer)

    async def close(self) -> None:
        self.closed = True
        await self.drain()


class Lease:
    """A connection in use, and the pool it goes back to (None: closed after use).

    Kept with the user so that a pool closed meanwhile still gets its writer back."""

    __slots__ = ("connection", "pool", "write")

    def __init__(
        self, connection: aiosqlite.Connection, pool: ConnectionPool | None, write: bool
    ) -> None:
        self.connection = connection
        self.pool = pool
        self.write = write

    async def release(self, clean: bool) -> None:
        if self.pool is not None:
            await self.pool.release(self.connection, self.write, clean)
        else:
            await _close(self.connection)


async def _close(connection: aiosqlite.Connection) -> None:
    try:
        await connection.close()
    except BaseException:
        # Cancelled, or the connection already broken: stop its thread without waiting.
        connection.stop()
        raise


class _Ended:
    """The connection of a transaction that has ended. A task started inside it
    inherits it as the current transaction; its statements must fail, not run on the
    pooled connection, which by then may serve another transaction."""

    async def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TransactionError("this statement's transaction has already ended")

    execute = execute_fetchall = _refuse


_ENDED = _Ended()


class PooledTransaction(SQLiteTransaction):
    """piccolo's SQLite transaction on a pooled connection: the writer for a write
    transaction, a reader for a read snapshot."""

    __slots__ = ("_lease",)

    async def __aenter__(self) -> PooledTransaction:
        if self._parent is not None:
            write = self.transaction_type is not READ_SNAPSHOT
            if write and self._parent.transaction_type is READ_SNAPSHOT:
                raise TransactionError(
                    "a write transaction cannot be nested in a read snapshot; "
                    "open the write transaction first"
                )
            return self._parent  # type: ignore[return-value]
        engine: OneHopSQLiteEngine = self.engine  # type: ignore[assignment]
        self._lease = await engine.acquire(write=self.transaction_type is not READ_SNAPSHOT)
        self.connection = self._lease.connection
        try:
            await self.begin()
        except BaseException:
            await self._lease.release(clean=False)
            raise
        self.context = engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent is not None:
            return exception is None
        engine: OneHopSQLiteEngine = self.engine  # type: ignore[assignment]
        # Unlike piccolo's, ends the same way whether COMMIT or ROLLBACK fail or not:
        # the context variable reset and the connection handed back.
        clean = False
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
            clean = True
        finally:
            engine.current_transaction.reset(self.context)
            self.connection = _ENDED
            await self._lease.release(clean)
        return exception is None

    # piccolo's, typed, and without the aiosqlite cursor each one created and dropped.
    async def begin(self) -> None:
        await self.connection.execute_fetchall(f"BEGIN {self.transaction_type.value}")

    async def commit(self) -> None:
        await self.connection.execute_fetchall("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        await self.connection.execute_fetchall("ROLLBACK")
        self._rolled_back = True


class OneHopSQLiteEngine(SQLiteEngine):
    """piccolo's SQLite engine, with pooled connections and one trip to aiosqlite's
    thread per statement.

    Connections: piccolo opens a new connection (and its thread) for every transaction
    and every statement outside one, ~0.4 ms each. Between ``start_connection_pool``
    and ``close_connection_pool`` both run on a :class:`ConnectionPool`; outside that
    window (migrations, scripts) each opens its own connection as piccolo would, set
    up the same way, and closes it after.

    Statements: piccolo runs ``PRAGMA foreign_keys = 1`` before every statement of a
    transaction, then execute, fetchall and cursor close as three more calls, each a
    hand-off to aiosqlite's worker thread and back (~0.1 ms apiece, more than the
    statement itself). The pragma is set once per connection (and is a no-op inside a
    transaction anyway), so one ``execute_fetchall`` does the same work.

    Transactions: see ``WRITE`` and ``READ_SNAPSHOT``; ``transaction()`` and
    ``atomic()`` without a type are write transactions.
    """

    __slots__ = ("pool",)

    def __init__(self, path: str, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self.pool: ConnectionPool | None = None

    async def start_connection_pool(self, readers: int = 8) -> None:
        if self.pool is not None and self.pool.usable():
            return
        self.pool = ConnectionPool(self, readers)

    async def close_connection_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            await pool.close()

    async def drain_connection_pool(self) -> None:
        """Close the pooled connections (reopened on demand): before the database file
        is copied or its schema changed, nothing of ours should hold it open."""
        if self.pool is not None:
            await self.pool.drain()

    async def connect(self, write: bool) -> aiosqlite.Connection:
        if self.path != ":memory:":
            make_private(Path(self.path))
        connection = aiosqlite.connect(**self.connection_kwargs)
        # A pool left open (a shutdown hook that failed before ours) must not keep the
        # process alive at exit: aiosqlite's thread is not a daemon, and the interpreter
        # joins such threads before anything could close them. SQLite recovers an
        # interrupted transaction from its WAL, as after a kill. (A private attribute of
        # aiosqlite: tests/web/test_database.py fails if it goes.)
        thread = getattr(connection, "_thread", None)
        if thread is not None:
            thread.daemon = True
        await connection
        try:
            connection.row_factory = dict_factory  # type: ignore[assignment]
            await connection.executescript(_PRAGMAS if write else _READER_PRAGMAS)
        except BaseException:
            await _close(connection)
            raise
        return connection

    async def acquire(self, write: bool) -> Lease:
        pool = self.pool
        if pool is not None and pool.usable():
            return Lease(await pool.acquire(write), pool, write)
        return Lease(await self.connect(write), None, write)

    def transaction(
        self,
        transaction_type: TransactionType = WRITE,
        allow_nested: bool = True,
    ) -> PooledTransaction:
        return PooledTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    def atomic(self, transaction_type: TransactionType = WRITE) -> Atomic:
        return Atomic(engine=self, transaction_type=transaction_type)

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        if query_type == "insert" and self.get_version_sync() < 3.35:  # pragma: no cover
            return await super()._run_in_new_connection(query, args, query_type, table)
        lease = await self.acquire(write=not _only_reads(query))
        clean = False
        try:
            # Outside a transaction the connection is in autocommit: the statement
            # commits when it has run, whether it returned rows or failed.
            rows = await lease.connection.execute_fetchall(query, args or [])
            clean = True
        except sqlite3.Error:
            clean = True  # SQLite refused the statement; the connection is as it was
            raise
        finally:
            await lease.release(clean)
        return list(rows)

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


def make_private(path: Path) -> None:
    """Make the database file, and its -wal and -shm files, readable by its owner only:
    it holds password hashes and encrypted provider tokens.

    SQLite would create the file 0644 (less the umask) and gives the -wal and -shm
    files the mode of the database file, so creating that file 0600 first is enough
    for new databases; an existing one (an older install, a copied file) is tightened.
    Called before each connection is opened (rare, with the pool): building an engine
    must not create files, since piccolo_conf builds one on import.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
            if mode & 0o077:
                file.chmod(mode & 0o700)
        except FileNotFoundError:
            continue
        except OSError as exc:  # not ours to change: say so rather than refuse to start
            logger.warning("cannot make %s private: %s", file, exc)


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
    if isinstance(engine, OneHopSQLiteEngine):
        # Migrations run on connections of their own, and none of ours stays open after
        # them holding the file (which tests and backups then copy) or an old schema.
        await engine.drain_connection_pool()
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers proceed while one writer writes; the setting is persistent.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    # piccolo prints progress to stdout; keep it out of the CLI's and tests' output.
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            result = await run_forwards(app_name="all")
    finally:
        if isinstance(engine, OneHopSQLiteEngine):
            await engine.drain_connection_pool()
    logger.debug("migrations: %s", output.getvalue())
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{output.getvalue()}")


async def ping(engine: Engine[Any]) -> None:
    await engine.run_ddl("SELECT 1")


async def start(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)
    elif isinstance(engine, OneHopSQLiteEngine):
        await engine.start_connection_pool()


async def stop(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine | OneHopSQLiteEngine):
        await engine.close_connection_pool()
