"""Double booking is impossible: 50 concurrent requests for one slot make one booking.

Run against a real multi-process server (uvicorn workers, each with its own database
connections), so only the database can serialise the writers, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from booking.bookings.tables import Booking
from tests.conftest import serve_in_loop
from tests.hosts import a_slot_ahead, free_around_the_clock
from tests.servers import Server, running_server
from web.app import create_app
from web.settings import Settings

REQUESTS = 50
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAY = {day: ["00:00-24:00"] for day in DAYS}


async def make_bookable_host() -> datetime:
    """A host free around the clock; returns a start a few hours ahead on the grid."""
    await free_around_the_clock("busy")
    return a_slot_ahead()


def body(start: datetime, i: int) -> dict[str, object]:
    return {
        "start": start.isoformat(),
        "name": f"Invitee {i}",
        "email": f"invitee{i}@example.com",
        "time_zone": "UTC",
    }


async def storm(client: httpx.AsyncClient, start: datetime) -> Counter[int]:
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/public/busy/call/bookings", json=body(start, i))
            for i in range(REQUESTS)
        )
    )
    return Counter(r.status_code for r in responses)


async def confirmed_bookings() -> int:
    return await Booking.count().where(Booking.status == "confirmed")


async def test_concurrent_requests_in_one_process_make_one_booking(settings: Settings) -> None:
    app = create_app(replace(settings, rate_limit_per_minute=10_000))
    async with serve_in_loop(app) as client:
        start = await make_bookable_host()
        codes = await storm(client, start)
    assert codes == Counter({201: 1, 409: REQUESTS - 1})
    assert await confirmed_bookings() == 1


@pytest.fixture
async def server(database_url: str, tmp_path: Path, db: None) -> AsyncIterator[Server]:
    """`rendezvous serve --workers 3` on a free port, against this test's database."""
    async with running_server(database_url, tmp_path) as running:
        yield running


async def test_concurrent_requests_across_processes_make_one_booking(server: Server) -> None:
    start = await make_bookable_host()
    limits = httpx.Limits(max_connections=REQUESTS)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as client:
        codes = await storm(client, start)
        assert codes == Counter({201: 1, 409: REQUESTS - 1}), (codes, server.log_tail())
        slots = await client.get(
            "/api/v1/public/busy/call/slots",
            params={
                "start": start.date().isoformat(),
                "end": start.date().isoformat(),
                "tz": "UTC",
            },
        )
    starts = [s["start"] for day in slots.json()["days"] for s in day["slots"]]
    assert start.isoformat().replace("+00:00", "Z") not in starts
    assert (start + timedelta(minutes=30)).isoformat().replace("+00:00", "Z") in starts
    assert await confirmed_bookings() == 1
