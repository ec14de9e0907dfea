"""Migrations that change existing rows, run on a database holding rows of the old shape.

The suite's other databases are migrated empty; these start at the last migration
before the change, write data the way the code of that time did, then migrate.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import credentials
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.hosts.tables import Host
from tests.conftest import serve_in_loop
from tests.migrations import insert, old_release
from web import database
from web.app import create_app
from web.settings import Settings

BEFORE_OWNERS_AND_EXPIRY = "2026-11-21T14:19:27:244529"  # booking_0005
LEGACY_TOKEN = credentials.TOKEN_PREFIX + "made-before-tokens-could-expire"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def old_database(empty_database_url: str) -> AsyncIterator[str]:
    """A database at booking_0005, bound for raw writes."""
    async with old_release(empty_database_url, [("booking", BEFORE_OWNERS_AND_EXPIRY)]):
        yield empty_database_url


async def _contact(email: str) -> int:
    return await insert(
        "INSERT INTO contact (email, email_key, name) VALUES ({}, {}, '')", email, email.casefold()
    )


async def _booking(host_id: int, event_type_id: int, contact_id: int, at: datetime) -> None:
    await insert(
        "INSERT INTO booking (uid, host, event_type, start_at, end_at, invitee_name,"
        " invitee_email, invitee_time_zone, contact, created_at)"
        " VALUES ({}, {}, {}, {}, {}, 'Invitee', 'x@example.com', 'UTC', {}, {})",
        uuid.uuid4().hex, host_id, event_type_id, at + timedelta(days=30),
        at + timedelta(days=30, minutes=30), contact_id, at,
    )  # fmt: skip


async def _activity_with_guest(owner_id: int, contact_id: int, at: datetime) -> None:
    activity_id = await insert(
        "INSERT INTO activity (owner, activity_type, title, start_at, end_at, created_at)"
        " VALUES ({}, (SELECT id FROM activity_type WHERE name = 'Meeting'), 'Met',"
        " {}, {}, {})",
        owner_id, at, at + timedelta(hours=1), at,
    )  # fmt: skip
    await insert(
        "INSERT INTO activity_guest (activity, contact) VALUES ({}, {})", activity_id, contact_id
    )


async def test_tokens_keep_working_and_contacts_get_the_host_who_met_them_first(
    old_database: str, tmp_path: Path
) -> None:
    first, booked, met = [
        await hosts.create(HostCreate(email=f"{slug}@hosts.example", slug=slug))
        for slug in ("first", "booked", "met")
    ]
    event_type = await event_types.create(
        booked.id, EventTypeCreate(title="Call", slug="call", duration_minutes=30)
    )
    await Host.raw(
        "INSERT INTO api_token (host, token_hash, label) VALUES ({}, {}, 'legacy import')",
        booked.id,
        credentials.token_digest(LEGACY_TOKEN),
    )
    only_booked = await _contact("only-booked@example.com")
    await _booking(booked.id, event_type.id, only_booked, T0)
    only_met = await _contact("only-met@example.com")
    await _activity_with_guest(met.id, only_met, T0)
    met_before_booked = await _contact("met-first@example.com")
    await _booking(booked.id, event_type.id, met_before_booked, T0 + timedelta(days=2))
    await _activity_with_guest(met.id, met_before_booked, T0 + timedelta(days=1))
    booked_before_met = await _contact("booked-first@example.com")
    await _booking(booked.id, event_type.id, booked_before_met, T0 + timedelta(days=1))
    await _activity_with_guest(met.id, booked_before_met, T0 + timedelta(days=2))
    nobody_met = await _contact("api-made@example.com")

    await database.migrate(Host._meta.db)

    owners = {row["id"]: row["owner"] for row in await Host.raw("SELECT id, owner FROM contact")}
    assert owners == {
        only_booked: booked.id,
        only_met: met.id,
        met_before_booked: met.id,
        booked_before_met: booked.id,
        nobody_met: first.id,  # the first host: see booking_0008
    }
    [legacy] = await hosts.list_tokens(booked.id)
    assert legacy.name == "legacy import", "the label became the name"
    assert (legacy.expires_at, legacy.revoked_at) == (None, None)

    settings = Settings(database_url=old_database, secret_key="t" * 48, var_dir=tmp_path / "var")
    async with serve_in_loop(create_app(settings)) as client:
        me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {LEGACY_TOKEN}"})
        contact = await client.get(
            f"/api/v1/contacts/{only_booked}",
            headers={"Authorization": f"Bearer {LEGACY_TOKEN}"},
        )
    assert me.status_code == 200, me.text
    assert me.json()["slug"] == "booked"
    assert contact.json()["owner_id"] == booked.id
    [used] = await hosts.list_tokens(booked.id)
    assert used.last_used_at is not None
