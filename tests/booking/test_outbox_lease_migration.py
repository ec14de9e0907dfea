"""Upgrading to outbox leases frees the jobs the old version left ``running``.

Before leases, a job claimed by a process that then died stayed ``running`` for ever.
The migration gives such rows no lease, and the first worker to poll takes them over.
Run on a database migrated only up to the release before leases, on both engines.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.base import Engine

from booking.outbox import service as outbox
from booking.outbox.tables import OutboxJob
from tests.conftest import BACKENDS, _admin, _postgres_url, unavailable
from web import database

BEFORE_LEASES = import_module("booking.piccolo_migrations.booking_0005_booking_video_meeting").ID
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    name = f"rdv_upgrade_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f"CREATE DATABASE {name}"))
    except OSError as exc:
        unavailable(f"PostgreSQL is not reachable: {exc}")
    yield _postgres_url(name)
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
async def old_version(empty_database_url: str) -> AsyncIterator[Engine[Any]]:
    """A database as the release before leases left it."""
    engine = database.build_engine(empty_database_url)
    database.bind(engine)
    with contextlib.redirect_stdout(io.StringIO()):
        result = await run_forwards(app_name="booking", migration_id=BEFORE_LEASES)
    assert result.success, result.message
    yield engine
    await database.stop(engine)


async def test_jobs_left_running_before_the_upgrade_are_taken_over(
    old_version: Engine[Any],
) -> None:
    # What the old version wrote for a claimed job whose process died, and a pending one.
    for status in ("running", "pending"):
        await OutboxJob.raw(
            "INSERT INTO outbox_job (kind, dedupe_key, payload, status, attempts,"
            " next_attempt_at, last_error, created_at)"
            " VALUES ('email', {}, {}, {}, {}, {}, '', {})",
            status,
            "{}",
            status,
            1 if status == "running" else 0,
            NOW - timedelta(days=3),
            NOW - timedelta(days=3),
        )

    await database.migrate(old_version)
    await database.start(old_version)

    due = await outbox.due(["email"], NOW)
    assert [(job["status"], job["lease_until"]) for job in due] == [
        ("running", None),
        ("pending", None),
    ]
    taken = await outbox.claim(due[0], worker="new", now=NOW, lease=timedelta(minutes=1))
    assert taken is not None
    [stored] = [job for job in await outbox.jobs_of_kind("email") if job["id"] == due[0]["id"]]
    assert (stored["claimed_by"], stored["attempts"]) == ("new", 2)
    assert stored["lease_until"] == NOW + timedelta(minutes=1)
