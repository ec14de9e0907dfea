"""Double booking is impossible: 50 concurrent requests for one slot make one booking.

Run against a real multi-process server (uvicorn workers, each with its own database
connections), so only the database can serialise the writers, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from booking.bookings.tables import Booking
from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import ScheduleUpdate
from tests.conftest import serve_in_loop
from web.app import create_app
from web.settings import Settings

REQUESTS = 50
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAY = {day: ["00:00-24:00"] for day in DAYS}


async def make_bookable_host() -> datetime:
    """A host free around the clock; returns a start a few hours ahead on the grid."""
    host = await hosts.create(HostCreate(email="busy@example.com", slug="busy", time_zone="UTC"))
    default = await schedules.get_default(host.id)
    await schedules.update(host.id, default.id, ScheduleUpdate(weekly=ALL_DAY))
    await event_types.create(
        host.id, EventTypeCreate(title="Call", slug="call", duration_minutes=30)
    )
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=3)


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:]


@pytest.fixture
async def server(database_url: str, tmp_path: Path, db: None) -> AsyncIterator[Server]:
    """`rendezvous serve --workers 3` on a free port, against this test's database."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RENDEZVOUS_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "s" * 48,
        "RATE_LIMIT_PER_MINUTE": "10000",
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--workers", "3"],
            env=env,
            stdout=output,
            stderr=output,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as probe:
            # Up to ~60 s for three workers to import and start on a busy 2-core machine.
            for _ in range(600):
                if process.returncode is not None:
                    pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
                try:
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)  # waiting for another process, not for time to pass
            else:
                pytest.fail(f"server did not become healthy:\n{log.read_text()[-3000:]}")
        yield Server(url, log)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


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
