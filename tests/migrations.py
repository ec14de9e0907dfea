"""Upgrade tests: a database as an old release left it, then the rest of the way.

Each upgrade test migrates the ``empty_database_url`` fixture (tests/conftest.py) up
to the release before the change it checks, writes rows in that release's shape with
:func:`insert`, then migrates the rest and checks the rows survived.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.base import Engine

from booking.hosts.tables import Host
from web import database


def migration_id(module: str) -> str:
    """The id of a migration, by its module name (``app.piccolo_migrations.NAME``)."""
    return str(import_module(module).ID)


@asynccontextmanager
async def old_release(url: str, steps: Iterable[tuple[str, str]]) -> AsyncIterator[Engine[Any]]:
    """The database at ``url`` migrated app by app up to (and including) each given
    migration id (``"all"`` for all of an app's), bound and started for raw writes."""
    engine = database.build_engine(url)
    database.bind(engine)
    await database.start(engine)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # piccolo prints every step
            for app, last in steps:
                result = await run_forwards(app_name=app, migration_id=last)
                assert result.success, result.message
        yield engine
    finally:
        await database.stop(engine)


async def insert(sql: str, *args: object) -> int:
    """Runs an ``INSERT`` written as the old release wrote it; returns the new id."""
    rows = await Host.raw(sql + " RETURNING id", *args)
    return int(rows[0]["id"])


async def old_host(at: datetime) -> int:
    """Host "ada" as every release so far wrote a host row."""
    return await insert(
        "INSERT INTO host (email, slug, name, time_zone, password_hash, created_at)"
        " VALUES ('ada@hosts.example', 'ada', 'Ada', 'UTC', '', {})",
        at,
    )


async def old_activity(host: int, title: str, at: datetime) -> int:
    """A one-hour Meeting at ``at``, as every release since activity types wrote one."""
    return await insert(
        "INSERT INTO activity (owner, activity_type, title, start_at, end_at, created_at)"
        " VALUES ({}, (SELECT id FROM activity_type WHERE name = 'Meeting'), {}, {}, {}, {})",
        host, title, at, at + timedelta(hours=1), at,
    )  # fmt: skip
