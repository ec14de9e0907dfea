"""What the end-to-end tests share: the app served by uvicorn in the test's own event
loop (so a test can reach ``app.state`` while providers post to it for real), and
DESIGN.md's answer for a 09:00-17:00 UTC day of 30-minute slots."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta

import httpx
import uvicorn
from litestar import Litestar

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.web.pages.test_account import PASSWORD


@asynccontextmanager
async def serving(
    make_app: Callable[[str], Litestar],
) -> AsyncIterator[tuple[httpx.AsyncClient, Litestar]]:
    """The app ``make_app(public_url)`` builds, listening on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    public_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = make_app(public_url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    serving_task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if serving_task.done():
            serving_task.result()
        await asyncio.sleep(0)  # yield to the server task until it listens
    try:
        async with httpx.AsyncClient(base_url=public_url) as client:
            yield client, app
    finally:
        server.should_exit = True
        await serving_task
        sock.close()


def next_monday() -> date:
    """The Monday of the week after next: inside every sync window, never today."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 - today.weekday() + 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def free_slots(day: date, busy: list[tuple[datetime, datetime]]) -> list[str]:
    """DESIGN.md's answer: 30-minute slots of 09:00-17:00 UTC that no busy block touches."""
    slots = []
    for half_hour in range(18, 34):
        start = at(day, half_hour // 2, 30 * (half_hour % 2))
        end = start + timedelta(minutes=30)
        if not any(b_start < end and start < b_end for b_start, b_end in busy):
            slots.append(start.isoformat())
    return slots


def free_slots_around(day: date, busy_hours: list[tuple[float, float]]) -> list[str]:
    """:func:`free_slots` with busy blocks given in hours of ``day`` (9.5 is 09:30)."""
    busy = [
        (at(day, 0) + timedelta(hours=s), at(day, 0) + timedelta(hours=e)) for s, e in busy_hours
    ]
    return free_slots(day, busy)


async def host_offering_a_call(
    client: httpx.AsyncClient, email: str, slug: str, name: str
) -> tuple[dict[str, str], str]:
    """A host in UTC with default working hours and a 30-minute event type made over
    the API: the host's API headers and the event type's slug."""
    host = await hosts.create(
        HostCreate(email=email, slug=slug, time_zone="UTC", name=name, password=PASSWORD)
    )
    headers = {"Authorization": f"Bearer {await hosts.create_token(host.id, 'e2e')}"}
    event_type = await client.post(
        "/api/v1/event-types", json={"title": "Call", "duration_minutes": 30}, headers=headers
    )
    assert event_type.status_code == 201, event_type.text
    return headers, str(event_type.json()["slug"])
