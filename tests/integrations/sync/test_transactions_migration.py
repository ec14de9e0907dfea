"""Upgrading to recorded create ids: the id of every activity that already exists may
have been sent to Graph, so it is recorded as spent; an activity made after the
upgrade gets a fresh one (on both engines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from piccolo.engine.base import Engine

from integrations.sync import transactions
from integrations.sync.ids import remote_id_for
from tests.migrations import insert, migration_id, old_release
from web import database

BEFORE = migration_id("integrations.piccolo_migrations.integrations_0007_sync_keys")
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def old_version(empty_database_url: str) -> AsyncIterator[Engine[Any]]:
    async with old_release(
        empty_database_url, [("booking", "all"), ("integrations", BEFORE)]
    ) as engine:
        yield engine


async def _activity(host: int, title: str) -> int:
    return await insert(
        "INSERT INTO activity (owner, activity_type, title, start_at, end_at, created_at)"
        " VALUES ({}, (SELECT id FROM activity_type WHERE name = 'Meeting'), {}, {}, {}, {})",
        host, title, AT, AT + timedelta(hours=1), AT,
    )  # fmt: skip


async def test_ids_of_existing_activities_are_spent(old_version: Engine[Any]) -> None:
    host = await insert(
        "INSERT INTO host (email, slug, name, time_zone, password_hash, created_at)"
        " VALUES ('ada@hosts.example', 'ada', 'Ada', 'UTC', '', {})",
        AT,
    )
    existing = [await _activity(host, f"Pushed {n}") for n in range(3)]

    await database.migrate(old_version)

    later = max(existing) + 1
    ids = [remote_id_for(a) for a in (*existing, later)]
    assert await transactions.spend(ids) == {remote_id_for(later)}
