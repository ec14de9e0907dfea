"""Benchmark: how long a booking's e-mails wait before they are sent, under a burst.

Run from the repository root:  .venv/bin/python bench/outbox_burst.py [--bookings 500]

A burst of bookings (16 in flight) is posted to a real `rendezvous serve`; each makes
two outbox e-mails (invitee and host), delivered to a local SMTP sink (aiosmtpd). An
e-mail's wait is its outbox row's ``done_at - created_at``: from the commit of the
booking to the end of its SMTP send. Two set-ups, in the same run, each on a fresh
database:

- floor: the embedded default, no Redis, the web process's own outbox runner;
- workers: REDIS_URL set, the web process only enqueues, 2 x `rendezvous worker
  --concurrency 10` deliver (relay jobs on SAQ, rows claimed with the outbox lease).

Prints one JSON line per metric ({"bench", "metric", "value", "unit", "floor",
"ratio"}): p50 and p99 of the wait, and the time until the last e-mail was sent.
Nothing is asserted. SQLite by default; --postgres ADMIN_URL makes (and drops) a
database per set-up on that PostgreSQL server instead. Redis: --redis-url, default
database 14 of the local server, which is FLUSHED first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from bench._http import free_port, wait_healthy  # noqa: E402
from bench._redis import redis_reachable  # noqa: E402
from bench._report import json_line  # noqa: E402
from booking.outbox.email import EMAIL_JOB  # noqa: E402
from booking.outbox.tables import OutboxJob  # noqa: E402
from tests.hosts import free_around_the_clock  # noqa: E402
from web import database  # noqa: E402

HOSTS = 10
IN_FLIGHT = 16
WORKERS = 2
CONCURRENCY = 10


class Sink:
    """Accepts every message (the SMTP server of the benchmark)."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 OK"


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def start(argv: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "web.cli", *argv, env=env, stdout=output, stderr=output
        )


async def seed(database_url: str) -> None:
    engine = database.build_engine(database_url)
    await database.migrate(engine)
    database.bind(engine)
    await database.start(engine)
    for n in range(HOSTS):
        await free_around_the_clock(f"host{n}", "intro")
    await database.stop(engine)


async def burst(base: str, bookings: int) -> float:
    """Post the bookings, IN_FLIGHT at a time; returns how long that took."""
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    todo = [(n % HOSTS, n // HOSTS) for n in range(bookings)]
    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def poster() -> None:
            while todo:
                host, hour = todo.pop()
                response = await client.post(
                    f"/api/v1/public/host{host}/intro/bookings",
                    json={
                        "start": (first + timedelta(hours=hour)).isoformat(),
                        "name": f"Invitee {host}-{hour}",
                        "email": f"invitee{host}-{hour}@example.com",
                        "time_zone": "UTC",
                    },
                )
                if response.status_code != 201:
                    raise SystemExit(f"booking failed: {response.status_code} {response.text}")

        await asyncio.gather(*(poster() for _ in range(IN_FLIGHT)))
    return time.perf_counter() - began


async def waits(database_url: str, expected: int, within: float = 600) -> list[float]:
    """Every e-mail's wait, once all of them were sent."""
    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        deadline = time.monotonic() + within
        while True:
            rows = await OutboxJob.select(
                OutboxJob.status, OutboxJob.created_at, OutboxJob.done_at
            ).where(OutboxJob.kind == EMAIL_JOB)
            sent = [r for r in rows if r["status"] == "done"]
            if len(sent) >= expected:
                return [(r["done_at"] - r["created_at"]).total_seconds() for r in sent]
            if time.monotonic() > deadline:
                raise SystemExit(f"only {len(sent)} of {expected} e-mails were sent")
            await asyncio.sleep(0.2)
    finally:
        await database.stop(engine)


async def run(
    label: str, database_url: str, redis_url: str | None, bookings: int, tmp: Path, smtp: str
) -> tuple[list[float], float]:
    await seed(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RENDEZVOUS_VAR_DIR": str(tmp / label),
        "SECRET_KEY": "b" * 48,
        "RATE_LIMIT_PER_MINUTE": "100000",
        "LOG_LEVEL": "WARNING",
        "SMTP_URL": smtp,
        "REDIS_URL": redis_url or "",
    }
    processes = []
    port = free_port()
    try:
        web = await start(["serve", "--port", str(port)], env, tmp / f"{label}-web.log")
        processes.append(web)
        if redis_url:
            for n in range(WORKERS):
                argv = ["worker", "--concurrency", str(CONCURRENCY)]
                processes.append(await start(argv, env, tmp / f"{label}-worker{n}.log"))
        await wait_healthy(f"http://127.0.0.1:{port}", web)
        if redis_url:
            await asyncio.sleep(3)  # the workers import and connect meanwhile
        began = time.perf_counter()
        await burst(f"http://127.0.0.1:{port}", bookings)
        measured = await waits(database_url, 2 * bookings)
        return measured, time.perf_counter() - began
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await process.wait()


async def admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server; default SQLite")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if not await redis_reachable(args.redis_url):
        print(f"outbox_burst: skipped, no Redis at {args.redis_url}", file=sys.stderr)
        return
    redis = aioredis.from_url(args.redis_url)
    await redis.flushdb()
    await redis.aclose()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp = f"smtp://127.0.0.1:{controller.port}"
    try:
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)

            async def url(label: str) -> str:
                if not args.postgres:
                    return f"sqlite:///{tmp}/{label}.sqlite3"
                db = f"rdv_bench_{label}_{os.getpid()}"
                await admin(args.postgres, f"DROP DATABASE IF EXISTS {db}")
                await admin(args.postgres, f"CREATE DATABASE {db}")
                made.append(db)
                return args.postgres.rsplit("/", 1)[0] + "/" + db

            made: list[str] = []
            try:
                floor, floor_total = await run(
                    "floor", await url("floor"), None, args.bookings, tmp, smtp
                )
                queued, queued_total = await run(
                    "workers", await url("workers"), args.redis_url, args.bookings, tmp, smtp
                )
            finally:
                for db in made:
                    await admin(args.postgres, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    finally:
        controller.stop()
    for q in (50, 99):
        print(json_line("outbox_burst", f"email_wait_p{q}", percentile(queued, q), "s",
                        percentile(floor, q)), flush=True)  # fmt: skip
    print(json_line("outbox_burst", "burst_all_sent", queued_total, "s", floor_total,
                    bookings=args.bookings, emails=len(queued)), flush=True)  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
