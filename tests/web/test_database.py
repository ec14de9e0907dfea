from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import stat
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.engine.exceptions import TransactionError

from booking.activities.tables import ActivityType
from booking.db import read_snapshot, write_transaction
from booking.errors import AlreadyExists
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.hosts.tables import Host
from booking.schedules.tables import Schedule
from web import database, piccolo_conf

pytestmark = pytest.mark.usefixtures("db")


async def test_migrations_seed_the_activity_types() -> None:
    names = await ActivityType.select(ActivityType.name).output(as_list=True)
    assert set(names) == {"Meeting", "Call", "Task", "Appointment"}


@pytest.mark.parametrize("app", sorted(piccolo_conf.APP_REGISTRY.app_configs))
async def test_tables_and_migrations_agree(app: str) -> None:
    """A table changed without a migration would fail on a real database; catch it here."""
    config = piccolo_conf.APP_REGISTRY.app_configs[app]
    statements = await AutoMigrationManager().get_alter_statements(app_config=config)
    pending = [s for s in statements if s.statements]
    assert not pending, f"run: piccolo migrations new {app} --auto  ({pending})"


async def test_statements_in_a_transaction_keep_foreign_keys_and_types() -> None:
    """The SQLite engine runs a transaction's statements in one hop each, without
    piccolo's per-statement PRAGMA: foreign keys must still hold and values must still
    come back typed (the same holds on PostgreSQL, where this changes nothing)."""
    host = await hosts.create(HostCreate(email="a@example.com", slug="ada", time_zone="UTC"))
    db = Host._meta.db
    async with db.transaction():
        [row] = await Host.select(Host.id, Host.created_at).where(Host.id == host.id)
        assert row["id"] == host.id
        assert isinstance(row["created_at"], datetime)
        assert row["created_at"].tzinfo is not None
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with db.transaction():
            await Schedule.insert(Schedule(host=host.id + 1000, time_zone="UTC"))
    assert await Schedule.count().where(Schedule.host == host.id + 1000) == 0


sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def sqlite_engine() -> database.OneHopSQLiteEngine:
    engine = Host._meta.db
    assert isinstance(engine, database.OneHopSQLiteEngine)
    return engine


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every trip to a connection's thread that runs SQL, and every connection opened
    (as "connect"), in order."""
    seen: list[str] = []
    execute_fetchall = aiosqlite.Connection.execute_fetchall
    execute = aiosqlite.Connection.execute
    connect = aiosqlite.connect

    async def counted_fetchall(self: aiosqlite.Connection, sql: str, parameters: Any = None) -> Any:
        seen.append(sql)
        return await execute_fetchall(self, sql, parameters)

    def counted_execute(self: aiosqlite.Connection, sql: str, parameters: Any = None) -> Any:
        seen.append(f"cursor: {sql}")  # piccolo's path: execute, fetchall, close
        return execute(self, sql, parameters)

    def counted_connect(*args: Any, **kwargs: Any) -> aiosqlite.Connection:
        seen.append("connect")
        return connect(*args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "execute_fetchall", counted_fetchall)
    monkeypatch.setattr(aiosqlite.Connection, "execute", counted_execute)
    monkeypatch.setattr(aiosqlite, "connect", counted_connect)
    return seen


@sqlite_only
async def test_sqlite_transactions_go_through_the_one_hop_path(hops: list[str]) -> None:
    """OneHopSQLiteEngine overrides piccolo internals; if a piccolo upgrade stopped
    calling them, every slots request would silently get four thread hops per statement
    (and a new connection) again. This fails first. A transaction without a type is a
    write transaction: it takes the write lock when it begins."""
    await database.ping(sqlite_engine())  # the pool opens its reader
    async with write_transaction():
        await Host.select(Host.id)  # the pool opens its writer here
    hops.clear()
    async with sqlite_engine().transaction():
        await Host.select(Host.id)
        await Host.raw("SELECT 1")
    async with read_snapshot():
        await Host.count()
    assert hops == [
        "BEGIN IMMEDIATE",
        'SELECT ALL "host"."id" AS "id" FROM "host"',
        "SELECT 1",
        "COMMIT",
        "BEGIN DEFERRED",
        'SELECT ALL COUNT(*) AS "count" FROM "host"',
        "COMMIT",
    ]


@sqlite_only
async def test_sqlite_connections_are_reused(hops: list[str]) -> None:
    """Transactions, read snapshots, single statements and the health check share one
    writer and one reader connection instead of opening one each (~0.4 ms apiece and a
    thread), and each statement outside a transaction is one hop too."""
    for n in range(3):
        await hosts.create(HostCreate(email=f"h{n}@example.com", slug=f"h{n}", time_zone="UTC"))
        async with read_snapshot():
            await Host.select(Host.id)
        await Host.update({Host.name: "Renamed"}).where(Host.slug == f"h{n}")
        assert await Host.count() == n + 1
        await database.ping(sqlite_engine())
    # A statement SQLite refuses leaves its connection as good as before.
    with pytest.raises(AlreadyExists):
        await hosts.create(HostCreate(email="h0@example.com", slug="h0", time_zone="UTC"))
    await Host.update({Host.name: "Again"}).where(Host.slug == "h0")
    assert hops.count("connect") == 2, hops
    assert not [hop for hop in hops if hop.startswith("cursor: ")], hops


@sqlite_only
async def test_pooled_connection_threads_do_not_keep_the_process_alive() -> None:
    """A pool left open (a shutdown hook that failed first) must not hang the exit:
    aiosqlite's threads are not daemons, so the engine marks its own."""
    await database.ping(sqlite_engine())
    async with write_transaction():
        await Host.count()
    engine = sqlite_engine()
    assert engine.pool is not None
    pooled = [*engine.pool._idle, engine.pool._writer]
    assert len(pooled) == 2
    assert all(c is not None and c._thread.daemon for c in pooled)


@sqlite_only
async def test_a_read_snapshot_cannot_write() -> None:
    """A read snapshot is deferred so that it never waits on a writer; a write inside
    one could not upgrade its lock under contention, so it fails every time instead."""
    host = await hosts.create(HostCreate(email="a@example.com", slug="ada", time_zone="UTC"))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        async with read_snapshot():
            await Host.update({Host.name: "Changed"}).where(Host.id == host.id)
    with pytest.raises(TransactionError, match="read snapshot"):
        async with read_snapshot(), write_transaction():
            await Host.update({Host.name: "Changed"}).where(Host.id == host.id)
    assert await Host.select(Host.name).where(Host.id == host.id).first() == {"name": ""}
    # The connection went back to the pool usable.
    async with read_snapshot():
        assert await Host.count() == 1


HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE host SET name = 'Held'")
print("holding", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
print("committed", flush=True)
"""


@sqlite_only
async def test_writers_wait_for_another_process_and_readers_do_not(database_url: str) -> None:
    """Another process holds the write lock with an uncommitted change. A read snapshot
    goes on at once and sees the state before it; a write transaction that reads and
    then writes waits for that commit (rather than failing with "database is locked")
    and builds on what was committed."""
    host = await hosts.create(HostCreate(email="a@example.com", slug="ada", time_zone="UTC"))
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, database_url.removeprefix("sqlite:///"),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdin is not None
    assert holder.stdout is not None
    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"holding\n"

        async def read_name() -> str:
            async with read_snapshot():
                row = await Host.select(Host.name).where(Host.id == host.id).first()
            return str(row["name"])

        assert await asyncio.wait_for(read_name(), 10) == ""

        async def append_to_name() -> None:
            async with write_transaction():
                name = (await Host.select(Host.name).where(Host.id == host.id).first())["name"]
                await Host.update({Host.name: name + " and after"}).where(Host.id == host.id)

        writer = asyncio.create_task(append_to_name())
        # Waiting for the other process to be waited on, not for time to pass: the task
        # must still be blocked (not done, not failed) while the lock is held.
        done, _ = await asyncio.wait({writer}, timeout=0.5)
        assert not done
        holder.stdin.write(b"commit\n")
        await holder.stdin.drain()
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"committed\n"
        await asyncio.wait_for(writer, 30)
    finally:
        if holder.returncode is None:
            holder.kill()
        await holder.wait()
    assert await read_name() == "Held and after"


def committed_hosts(path: Path) -> list[str]:
    """The hosts a copy of the database file alone holds (what a backup would get)."""
    copy = path.with_name("copy.sqlite3")
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as db:
        rows = [row[0] for row in db.execute("SELECT slug FROM host ORDER BY slug")]
    db.close()
    copy.unlink()
    return rows


@sqlite_only
@pytest.mark.parametrize("when", ["stopped", "migrated"])
async def test_the_file_is_complete_once_the_pool_is_closed(database_url: str, when: str) -> None:
    """Pooled connections keep the WAL open, so committed rows may live only in the
    -wal file. Once the engine stops, or a migration runs, our connections are closed
    and the database file alone holds everything (the test suite and backups copy it)."""
    path = Path(database_url.removeprefix("sqlite:///"))
    for n in range(3):
        await hosts.create(HostCreate(email=f"h{n}@example.com", slug=f"h{n}", time_zone="UTC"))
    engine = sqlite_engine()
    assert path.with_name(path.name + "-wal").exists()  # still open, still in the WAL
    if when == "stopped":
        await database.stop(engine)
    else:
        await database.migrate(engine)
    assert not path.with_name(path.name + "-wal").exists()
    assert committed_hosts(path) == ["h0", "h1", "h2"]
    # After a migration the pool works on, with fresh connections.
    assert await Host.count() == 3


@sqlite_only
async def test_pooled_connections_see_a_schema_changed_by_another_connection(
    database_url: str,
) -> None:
    """``rendezvous migrate`` in another process while the server runs: a pooled
    connection's next statement sees the new schema (SQLite re-prepares on the schema
    cookie), even through its statement cache."""
    query = "SELECT * FROM host LIMIT 1"
    await hosts.create(HostCreate(email="a@example.com", slug="ada", time_zone="UTC"))
    before = await Host.raw(query)
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as other:
        other.execute("ALTER TABLE host ADD COLUMN added_later TEXT DEFAULT 'x'")
    other.close()
    after = await Host.raw(query)
    assert set(after[0]) - set(before[0]) == {"added_later"}


@sqlite_only
async def test_stopping_lets_a_write_in_flight_finish(database_url: str) -> None:
    """App shutdown closes the pool while a request may still be writing: the write
    commits, its connection is closed after it, and the shutdown does not hang."""
    engine = sqlite_engine()
    host = await hosts.create(HostCreate(email="a@example.com", slug="ada", time_zone="UTC"))
    began, finish = asyncio.Event(), asyncio.Event()

    async def write() -> None:
        async with write_transaction():
            began.set()
            await finish.wait()
            await Host.update({Host.name: "Written"}).where(Host.id == host.id)

    writer = asyncio.create_task(write())
    await began.wait()
    stopping = asyncio.create_task(database.stop(engine))
    await asyncio.sleep(0)  # one turn of the loop: the shutdown begins
    assert engine.pool is None
    finish.set()
    await asyncio.wait_for(asyncio.gather(writer, stopping), 10)
    path = Path(database_url.removeprefix("sqlite:///"))
    assert not path.with_name(path.name + "-wal").exists()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM host").fetchall() == [("Written",)]
    db.close()


@sqlite_only
async def test_a_task_outliving_its_transaction_cannot_use_the_pooled_connection() -> None:
    """A task started inside a transaction inherits it; once the transaction has ended
    and its connection went back to the pool, the task's statements must fail rather
    than land in whatever transaction that connection serves next."""
    release = asyncio.Event()

    async def late_write() -> None:
        await release.wait()
        await Host.update({Host.name: "Late"}).where(Host.id == -1)

    async with write_transaction():
        late = asyncio.create_task(late_write())
    async with write_transaction():
        release.set()
        with pytest.raises(TransactionError, match="already ended"):
            await late


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@sqlite_only
@pytest.mark.usefixtures("lax_umask")
async def test_a_new_database_and_its_wal_are_private(tmp_path: Path) -> None:
    """Password hashes and encrypted provider tokens: owner-only, the -wal and -shm
    files included (SQLite gives them the database file's mode)."""
    path = tmp_path / "var" / "new.sqlite3"
    engine = database.build_engine(f"sqlite:///{path}")
    assert not path.exists()  # piccolo_conf builds an engine on import: no files then
    await database.migrate(engine)
    await database.start(engine)
    try:
        await hosts.create(HostCreate(email="a@example.com", slug="ada", time_zone="UTC"))
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}
    finally:
        await database.stop(engine)


@sqlite_only
@pytest.mark.usefixtures("lax_umask")
async def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    for file in (path, path.with_name(path.name + "-wal")):
        file.write_bytes(b"")
        file.chmod(0o644)
    engine = database.build_engine(f"sqlite:///{path}")
    await database.ping(engine)
    assert mode(path) == 0o600
    assert mode(path.with_name(path.name + "-wal")) == 0o600
