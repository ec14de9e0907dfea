"""HTTP benchmark of the public slots endpoint; prints one JSON object per line.

Run from the repository root:  .venv/bin/python bench/http_slots.py [--seconds 10]

A real server (uvicorn, one worker, SQLite) serves a host with 3 conflict calendars of
300 busy blocks each over the coming month. A load generator in another process keeps
a fixed number of requests in flight against ``GET /healthz`` (the floor: one trivial
database query on a pooled connection, as the slots path's reads are) and against a
month of slots, alternating between the two in five rounds of the same run, and
reports requests/s, p50 and p99 of both. ``ratio`` compares slots to the floor:
throughput as slots/floor (goal >= 0.35), latency as slots/floor. Nothing is asserted.

The server's calendar sync points at a closed loopback port, so it never leaves the
machine; the busy blocks are seeded straight into the store the sync would fill.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._http import compare, free_port, percentile, wait_healthy  # noqa: E402
from bench._report import json_line  # noqa: E402
from booking.event_types import service as event_types  # noqa: E402
from booking.event_types.schemas import EventTypeCreate  # noqa: E402
from booking.hosts import service as hosts  # noqa: E402
from booking.hosts.schemas import HostCreate  # noqa: E402
from integrations.accounts.tables import ConnectedAccount  # noqa: E402
from integrations.calendars.tables import BusyBlock, Calendar  # noqa: E402
from integrations.vault import TokenVault, generate_key  # noqa: E402
from web import database  # noqa: E402

ZONE = "Europe/Berlin"
CALENDARS = 3
BLOCKS_PER_CALENDAR = 300
CLOSED = "http://127.0.0.1:9"  # discard port: connections are refused at once


async def seed(database_url: str, key: str) -> None:
    engine = database.build_engine(database_url)
    await database.migrate(engine)
    host = await hosts.create(
        HostCreate(email="bench@example.com", slug="bench", name="Bench", time_zone=ZONE)
    )
    await event_types.create(
        host.id, EventTypeCreate(title="Call", slug="call", duration_minutes=30, step_minutes=15)
    )
    vault = TokenVault(key)
    account = ConnectedAccount(
        host=host.id,
        provider="google",
        external_email="bench@example.com",
        credentials=vault.encrypt({"token": "x", "refresh_token": "y"}),
    )
    await account.save()
    rng = random.Random(7)
    tz = ZoneInfo(ZONE)
    today = datetime.now(UTC).astimezone(tz).date()
    for number in range(CALENDARS):
        calendar = Calendar(
            account=account.id,
            remote_id=f"cal{number}@example.com",
            name=f"Calendar {number}",
            is_conflict=True,
            last_synced_at=datetime.now(UTC),
        )
        await calendar.save()
        rows = []
        for index in range(BLOCKS_PER_CALENDAR):
            day = today + timedelta(days=rng.randrange(31))
            start = datetime.combine(day, dtime(8), tzinfo=tz) + timedelta(
                minutes=15 * rng.randrange(40)
            )
            rows.append(
                BusyBlock(
                    calendar=calendar.id,
                    remote_id=f"e{number}-{index}",
                    start_at=start,
                    end_at=start + timedelta(minutes=rng.choice([15, 30, 45, 60, 90])),
                )
            )
        await BusyBlock.insert(*rows)


async def main(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
        key = generate_key()
        await seed(database_url, key)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RENDEZVOUS_VAR_DIR": tmp,
            "SECRET_KEY": "b" * 48,
            "TOKEN_ENCRYPTION_KEY": key,
            "GOOGLE_CLIENT_ID": "bench",
            "GOOGLE_CLIENT_SECRET": "bench",
            "GOOGLE_TOKEN_URI": f"{CLOSED}/token",
            "GOOGLE_API_ENDPOINT": f"{CLOSED}/calendar/v3/",
            "LOG_LEVEL": "ERROR",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "web.cli", "serve", "--port", str(port),
            env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_healthy(base, process)
            first = datetime.now(UTC).date() + timedelta(days=1)
            slots_path = (
                f"/api/v1/public/bench/call/slots?start={first}"
                f"&end={first + timedelta(days=30)}&tz=America/New_York"
            )
            measured = await compare(base, ("/healthz", slots_path), seconds)
            floor_rps, floor_lat = measured["/healthz"]
            slots_rps, slots_lat = measured[slots_path]
        finally:
            process.terminate()
            await process.wait()
    print(json_line("http_slots", "requests_per_second", slots_rps, "req/s", floor_rps))
    for q in (50, 99):
        print(
            json_line(
                "http_slots",
                f"p{q}_latency",
                percentile(slots_lat, q) * 1000,
                "ms",
                percentile(floor_lat, q) * 1000,
            )
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per endpoint")
    asyncio.run(main(parser.parse_args().seconds))
