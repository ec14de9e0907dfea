"""Upgrading to recorded create ids: the id of every activity that already exists may
have been sent to Graph, so it is recorded as spent; an activity made after the
upgrade gets a fresh one (on both engines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from piccolo.engine.base import Engine

from integrations.sync import transactions
from integrations.sync.ids import remote_id_for
from tests.migrations import migration_id, old_activity, old_host, old_release
from web import database

BEFORE = migration_id("integrations.piccolo_migrations.integrations_0007_sync_keys")
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def old_version(empty_database_url: str) -> AsyncIterator[Engine[Any]]:
    async with old_release(
        empty_database_url, [("booking", "all"), ("integrations", BEFORE)]
    ) as engine:
        yield engine


async def test_ids_of_existing_activities_are_spent(old_version: Engine[Any]) -> None:
    host = await old_host(AT)
    existing = [await old_activity(host, f"Pushed {n}", AT) for n in range(3)]

    await database.migrate(old_version)

    later = max(existing) + 1
    ids = [remote_id_for(a) for a in (*existing, later)]
    assert await transactions.spend(ids) == {remote_id_for(later)}
