"""Upgrading to contacts that may share an address keeps every contact and every
reference to one (bookings, activity guests), on both engines.

On SQLite the upgrade rebuilds the contact table; a rebuild done with foreign keys on
would have nulled the bookings' contacts and deleted the guests, which this catches.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from piccolo.engine.base import Engine

from booking.contacts import service as contacts
from booking.contacts.schemas import ContactCreate
from booking.contacts.tables import Contact
from tests.migrations import insert, migration_id, old_host, old_release
from web import database

BEFORE_SHARING = migration_id("booking.piccolo_migrations.booking_0008_contact_owner_backfill")
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def old_version(empty_database_url: str) -> AsyncIterator[Engine[Any]]:
    async with old_release(empty_database_url, [("booking", BEFORE_SHARING)]) as engine:
        yield engine


async def test_contacts_and_their_references_survive_and_addresses_may_repeat(
    old_version: Engine[Any],
) -> None:
    host = await old_host(AT)
    bob = await insert(
        "INSERT INTO contact (email, email_key, name, owner, created_at)"
        " VALUES ('Bob@example.com', 'bob@example.com', 'Bob', {}, {})",
        host,
        AT,
    )
    carol = await insert(
        "INSERT INTO contact (email, email_key, name, owner, created_at)"
        " VALUES ('carol@example.com', 'carol@example.com', 'Carol', {}, {})",
        host,
        AT,
    )
    event_type = await insert(
        "INSERT INTO event_type (host, slug, title, duration_minutes, activity_type)"
        " VALUES ({}, 'intro', 'Intro', 30, (SELECT id FROM activity_type WHERE name = 'Call'))",
        host,
    )
    booking = await insert(
        "INSERT INTO booking (uid, host, event_type, start_at, end_at, invitee_name,"
        " invitee_email, invitee_time_zone, contact, created_at)"
        " VALUES ({}, {}, {}, {}, {}, 'Bob', 'bob@example.com', 'UTC', {}, {})",
        uuid.uuid4().hex, host, event_type, AT, AT + timedelta(minutes=30), bob, AT,
    )  # fmt: skip
    activity = await insert(
        "INSERT INTO activity (owner, activity_type, title, start_at, end_at, created_at)"
        " VALUES ({}, (SELECT id FROM activity_type WHERE name = 'Meeting'), 'Met', {}, {}, {})",
        host, AT, AT + timedelta(hours=1), AT,
    )  # fmt: skip
    for contact in (bob, carol):
        await insert(
            "INSERT INTO activity_guest (activity, contact) VALUES ({}, {})", activity, contact
        )

    await database.migrate(old_version)

    rows = await Contact.select(Contact.id, Contact.email, Contact.name, Contact.owner).order_by(
        Contact.id
    )
    assert rows == [
        {"id": bob, "email": "Bob@example.com", "name": "Bob", "owner": host},
        {"id": carol, "email": "carol@example.com", "name": "Carol", "owner": host},
    ]
    [kept] = await Contact.raw("SELECT contact FROM booking WHERE id = {}", booking)
    assert kept["contact"] == bob
    guests = await Contact.raw(
        "SELECT contact FROM activity_guest WHERE activity = {} ORDER BY contact", activity
    )
    assert [g["contact"] for g in guests] == [bob, carol]
    new = await Contact.raw("SELECT needs_attention FROM activity WHERE id = {}", activity)
    assert not new[0]["needs_attention"]

    # A second contact with Bob's address (a shared inbox) is now allowed by the schema,
    # and the references still hold: deleting Bob nulls the booking's contact.
    twin = await contacts.create(
        host, ContactCreate(email="BOB@example.com", name="Bob's team", allow_duplicate=True)
    )
    assert twin.id not in (bob, carol)
    await Contact.delete().where(Contact.id == bob)
    [after] = await Contact.raw("SELECT contact FROM booking WHERE id = {}", booking)
    assert after["contact"] is None
