"""With LOG_FORMAT=json every line a real server prints is JSON: uvicorn's supervisor
and workers, piccolo, the outbox, and our request logs; and no line carries a token."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.hosts import a_slot_ahead, free_around_the_clock
from tests.servers import running_server


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_line_is_json_and_none_leaks_a_token(
    database_url: str, tmp_path: Path, db: None
) -> None:
    await free_around_the_clock("ada")
    start = a_slot_ahead()

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
