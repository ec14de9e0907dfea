"""With LOG_FORMAT=json every line a real server prints is JSON: uvicorn's supervisor
and workers, piccolo, the outbox, and our request logs; and no line carries a token."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import WEEKDAYS, ScheduleUpdate
from tests.servers import running_server


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_line_is_json_and_none_leaks_a_token(
    database_url: str, tmp_path: Path, db: None
) -> None:
    host = await hosts.create(HostCreate(email="ada@example.com", slug="ada", time_zone="UTC"))
    default = await schedules.get_default(host.id)
    await schedules.update(
        host.id, default.id, ScheduleUpdate(weekly={day: ["00:00-24:00"] for day in WEEKDAYS})
    )
    await event_types.create(
        host.id, EventTypeCreate(title="Call", slug="call", duration_minutes=30)
    )
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)

    env = {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    async with (
        running_server(database_url, tmp_path, workers=2, env=env) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        booked = await client.post(
            "/api/v1/public/ada/call/bookings",
            json={
                "start": start.isoformat(),
                "name": "Zoë",
                "email": "zoe@example.com",
                "time_zone": "UTC",
            },
        )
        assert booked.status_code == 201, booked.text
        link = booked.json()["links"]["booking_url"]
        token = link.split("token=")[1]
        page = await client.get("/booking/" + link.split("/booking/")[1])
        assert page.status_code == 200
        assert (await client.get("/no-such-page")).status_code == 404
    log = server.log.read_text()

    records = [json.loads(line) for line in log.splitlines()]  # fails on any other line
    loggers = {record.get("logger") for record in records}
    assert {"rendezvous", "uvicorn.error", "rendezvous.outbox"} <= loggers
    events = [record["event"] for record in records]
    assert any(e.startswith("Started parent process") for e in events)  # the supervisor
    assert "HTTP Request" in events  # litestar's request log
    assert token not in log
    assert "color_message" not in log
