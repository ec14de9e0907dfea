"""Upgrading to activities that mirror calendar events keeps every activity as it was:
busy, not private, not trashed, no series, organised by the host, with its contact
guests as attendees (on both engines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from piccolo.engine.base import Engine

from booking.activities import repository, rules
from booking.activities.records import Attendee
from tests.migrations import insert, migration_id, old_activity, old_host, old_release
from web import database

BEFORE = migration_id("booking.piccolo_migrations.booking_0010_activity_needs_attention")
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def old_version(empty_database_url: str) -> AsyncIterator[Engine[Any]]:
    async with old_release(empty_database_url, [("booking", BEFORE)]) as engine:
        yield engine


async def _contact(host: int, email: str) -> int:
    return await insert(
        "INSERT INTO contact (email, email_key, name, owner, created_at)"
        " VALUES ({}, {}, '', {}, {})",
        email, email.casefold(), host, AT,
    )  # fmt: skip


async def test_activities_keep_blocking_and_their_guests_become_attendees(
    old_version: Engine[Any],
) -> None:
    host = await old_host(AT)
    contacts = [await _contact(host, e) for e in ("Bob@example.com", "carol@example.com")]
    met, alone = [await old_activity(host, title, AT) for title in ("Met", "Alone")]
    for contact in contacts:
        await insert("INSERT INTO activity_guest (activity, contact) VALUES ({}, {})", met, contact)

    await database.migrate(old_version)

    with_guests, without = await repository.by_id(met), await repository.by_id(alone)
    assert with_guests is not None
    assert without is not None
    assert with_guests.attendees == [
        Attendee(email="Bob@example.com", response="needsAction"),
        Attendee(email="carol@example.com", response="needsAction"),
    ]
    assert without.attendees == []
    for row in (with_guests, without):
        assert (row.location, row.show_as, row.private, row.organiser) == ("", "busy", False, "")
        assert (row.trashed_at, row.series_id, row.original_start) == (None, None, None)
        assert rules.blocks_time(row)
    busy = await repository.busy_intervals(host, AT, AT + timedelta(days=1), None)
    assert {b.id for b in busy} == {met, alone}
