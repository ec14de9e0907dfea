"""Upgrading to activity and host ids that are never handed out twice (both engines): every
activity keeps its id, guests and bookings; a new activity never takes the id of one
deleted before or after the upgrade, nor one a sync status row still names; deleting
an activity still takes its guests along."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from piccolo.engine.base import Engine

from booking.activities.tables import Activity, ActivityGuest
from booking.hosts.tables import Host
from integrations.accounts import repository as accounts_repository
from integrations.calendars import repository as calendars_repository
from tests.migrations import insert, migration_id, old_activity, old_host, old_release
from web import database

BEFORE = migration_id("booking.piccolo_migrations.booking_0013_host_preferences")
AT = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def old_version(empty_database_url: str) -> AsyncIterator[Engine[Any]]:
    async with old_release(
        empty_database_url, [("booking", BEFORE), ("integrations", "all")]
    ) as engine:
        yield engine


async def test_ids_are_kept_and_never_handed_out_again(old_version: Engine[Any]) -> None:
    host = await old_host(AT)
    leaving = await insert(
        "INSERT INTO host (email, slug, name, time_zone, password_hash, created_at)"
        " VALUES ('bob@hosts.example', 'bob', 'Bob', 'UTC', '', {})",
        AT,
    )
    kept, met, synced, newest = [
        await old_activity(host, title, AT) for title in ("Kept", "Met", "Synced", "Newest")
    ]
    contact = await insert(
        "INSERT INTO contact (email, email_key, name, owner, created_at)"
        " VALUES ('bob@example.com', 'bob@example.com', '', {}, {})",
        host,
        AT,
    )
    await insert("INSERT INTO activity_guest (activity, contact) VALUES ({}, {})", met, contact)
    # A synced activity deleted in the CRM (its status row waits for the next run to
    # delete its event), then the newest one: SQLite would hand out "Synced"'s id next.
    account = await accounts_repository.insert(
        {
            "host": host,
            "provider": "google",
            "purpose": "calendar",
            "external_id": "ada@example.com",
            "external_email": "ada@example.com",
            "connected_at": AT,
        }
    )
    calendar = await calendars_repository.insert_calendar(
        {"account": account, "remote_id": "primary", "name": "Ada", "primary": True}
    )
    await insert(
        "INSERT INTO sync_link (calendar, activity_id, remote_id, origin)"
        " VALUES ({}, {}, 'ev-synced', 'crm')",
        calendar,
        synced,
    )
    await Activity.delete().where(Activity.id.is_in([synced, newest]))

    await database.migrate(old_version)

    titles = {row["id"]: row["title"] for row in await Activity.select(Activity.id, Activity.title)}
    assert titles == {kept: "Kept", met: "Met"}
    assert await ActivityGuest.select(ActivityGuest.activity, ActivityGuest.contact) == [
        {"activity": met, "contact": contact}
    ]
    made = await old_activity(host, "Made after", AT)
    assert made > synced  # before: the id of "Synced", whose event the sync then took
    await Activity.delete().where(Activity.id == made)
    assert await old_activity(host, "And after that", AT) > made

    await Host.delete().where(Host.id == leaving)
    joining = await insert(
        "INSERT INTO host (email, slug, name, time_zone, password_hash, created_at)"
        " VALUES ('carol@hosts.example', 'carol', 'Carol', 'UTC', '', {})",
        AT,
    )
    assert joining > leaving  # our tags name hosts too

    # Foreign keys still hold: a deleted activity takes its guests along.
    await Activity.delete().where(Activity.id == met)
    assert await ActivityGuest.count() == 0
