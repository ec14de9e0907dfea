"""Concurrent writes through the HTTP API never end in a server error.

A real multi-process server (uvicorn workers, each with its own pool of database
connections) takes 100 mixed writes at once: schedules, event types, contacts and
activities through a host's token, bookings through the public page. On SQLite a
read-then-write transaction that started deferred could not upgrade its lock and
failed at once ("database is locked", a 500) instead of waiting for the writer ahead
of it; every write transaction now takes the write lock up front. Run on PostgreSQL
as well, where the same storm must hold too.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from booking.activities.tables import Activity
from booking.bookings.tables import Booking
from booking.contacts.tables import Contact
from booking.event_types.tables import EventType
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules.tables import Schedule
from tests.hosts import a_slot_ahead, free_around_the_clock
from tests.servers import Server, running_server

PER_KIND = 20  # x 5 kinds = 100 writes in flight at once
WORKERS = 3


@pytest.fixture
async def server(database_url: str, tmp_path: Path, db: None) -> AsyncIterator[Server]:
    env = {"RATE_LIMIT_PER_MINUTE": "100000"}
    async with running_server(database_url, tmp_path, workers=WORKERS, env=env) as running:
        yield running


Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@dataclass
class Write:
    kind: str
    send: Send


async def _setup() -> tuple[dict[str, str], datetime]:
    """A host with a token for the API writes, and a host free around the clock whose
    event type takes the bookings (the API host's default schedule moves during the
    storm, which would make its slots a moving target)."""
    ada = await hosts.create(HostCreate(email="ada@example.com", slug="ada", time_zone="UTC"))
    token = await hosts.create_token(ada.id, "storm")
    await free_around_the_clock("bea")
    return {"Authorization": f"Bearer {token}"}, a_slot_ahead()


def _writes(headers: dict[str, str], first_slot: datetime) -> list[Write]:
    writes: list[Write] = []
    for i in range(PER_KIND):
        start = first_slot + timedelta(minutes=30 * i)
        schedule = {
            "name": f"Schedule {i}",
            "time_zone": "Europe/Berlin",
            "weekly": {"monday": ["09:00-17:00"]},
            # Both paths: "make default" writes first, the other reads the default first.
            "is_default": i % 4 == 0,
        }
        event_type = {"title": f"Type {i}", "slug": f"type-{i}", "duration_minutes": 30}
        contact = {"email": f"contact{i}@example.com", "name": f"Contact {i}"}
        activity = {
            "title": f"Activity {i}",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=45)).isoformat(),
            "guests": [f"guest{i}@example.com"] if i % 2 else [],
        }
        booking = {
            "start": start.isoformat(),
            "name": f"Invitee {i}",
            "email": f"invitee{i}@example.com",
            "time_zone": "UTC",
        }

        def post(path: str, body: dict[str, Any], auth: bool = True) -> Send:
            async def send(client: httpx.AsyncClient) -> httpx.Response:
                return await client.post(path, json=body, headers=headers if auth else {})

            return send

        writes += [
            Write("schedule", post("/api/v1/schedules", schedule)),
            Write("event_type", post("/api/v1/event-types", event_type)),
            Write("contact", post("/api/v1/contacts", contact)),
            Write("activity", post("/api/v1/activities", activity)),
            Write("booking", post("/api/v1/public/bea/call/bookings", booking, auth=False)),
        ]
    return writes


async def _stored_ids(kind: str) -> set[Any]:
    table, key = {
        "schedule": (Schedule, Schedule.id),
        "event_type": (EventType, EventType.id),
        "contact": (Contact, Contact.id),
        "activity": (Activity, Activity.id),
        "booking": (Booking, Booking.uid),
    }[kind]
    return set(await table.select(key).output(as_list=True))


async def test_a_hundred_concurrent_mixed_writes_get_no_server_error(server: Server) -> None:
    headers, first_slot = await _setup()
    writes = _writes(headers, first_slot)
    limits = httpx.Limits(max_connections=len(writes))
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=120) as client:
        responses = await asyncio.gather(*(write.send(client) for write in writes))

    codes = Counter(
        (write.kind, response.status_code)
        for write, response in zip(writes, responses, strict=True)
    )
    errors = {key: n for key, n in codes.items() if key[1] >= 500}
    assert not errors, (
        errors,
        [r.text for r in responses if r.status_code >= 500][:3],
        server.log_tail(),
    )
    # Every write is valid and distinct, so each one must have been made.
    assert codes == Counter({(kind, 201): PER_KIND for kind in {w.kind for w in writes}}), codes

    answered: dict[str, set[Any]] = {}
    for write, response in zip(writes, responses, strict=True):
        body = response.json()
        answered.setdefault(write.kind, set()).add(
            body["uid"] if write.kind == "booking" else body["id"]
        )
    for kind, ids in answered.items():
        missing = ids - await _stored_ids(kind)
        assert not missing, f"{kind}: answered 201 but not stored: {missing}"
    defaults = await Schedule.count().where(Schedule.is_default == True)  # noqa: E712
    assert defaults == 2, "each host keeps exactly one default schedule"
