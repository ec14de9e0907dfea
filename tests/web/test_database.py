from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite
import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from booking.activities.tables import ActivityType
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_transactions_go_through_the_one_hop_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OneHopSQLiteEngine overrides a piccolo internal; if a piccolo upgrade stopped
    calling it, every slots request would silently get four thread hops per statement
    again. This fails first."""
    db = Host._meta.db
    assert isinstance(db, database.OneHopSQLiteEngine)
    hops: list[str] = []
    execute_fetchall = aiosqlite.Connection.execute_fetchall

    async def counted(self: aiosqlite.Connection, sql: str, parameters: Any = None) -> Any:
        hops.append(sql)
        return await execute_fetchall(self, sql, parameters)

    monkeypatch.setattr(aiosqlite.Connection, "execute_fetchall", counted)
    async with db.transaction():
        await Host.select(Host.id)
        await Host.raw("SELECT 1")
    assert len(hops) == 2
