"""Upgrading to outbox leases frees the jobs the old version left ``running``.

Before leases, a job claimed by a process that then died stayed ``running`` for ever.
The migration gives such rows no lease, and the first worker to poll takes them over.
Run on a database migrated only up to the release before leases, on both engines.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from piccolo.engine.base import Engine

from booking.outbox import service as outbox
from booking.outbox.tables import OutboxJob
from tests.migrations import migration_id, old_release
from web import database

BEFORE_LEASES = migration_id("booking.piccolo_migrations.booking_0005_booking_video_meeting")
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
async def old_version(empty_database_url: str) -> AsyncIterator[Engine[Any]]:
    """A database as the release before leases left it."""
    async with old_release(empty_database_url, [("booking", BEFORE_LEASES)]) as engine:
        yield engine


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
