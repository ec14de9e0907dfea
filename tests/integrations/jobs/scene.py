"""Real `rendezvous worker` and `rendezvous serve` processes around the Google
emulator, against this test's database and a Redis database of the jobs tests' own
(14: the suite's other Redis tests use 15, and nothing here flushes that one; each
pytest-xdist worker has its own three, tests/conftest.py)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.calendars.tables import Calendar
from integrations.vault import TokenVault, generate_key
from tests.conftest import unavailable, worker_redis_url
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import connect, environment
from tests.servers import Server, server_env
from tests.waiting import until

JOBS_REDIS_URL = worker_redis_url(
    os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/14")
)
#: The jobs unit tests' own database (they flush it too).
UNIT_REDIS_URL = worker_redis_url("redis://127.0.0.1:6379/13")
EVENTS_LIST = "calendar.events.list"


async def fresh_redis(url: str = JOBS_REDIS_URL) -> aioredis.Redis:
    client = aioredis.from_url(url)
    try:
        await client.ping()
    except OSError:
        await client.aclose()
        unavailable(f"Redis is not reachable at {url}")
    await client.flushdb()  # this database is the jobs tests' own
    return client


def remote_calendar(n: int) -> str:
    return f"team-{n:03d}@group.calendar.google.com"


@dataclass
class InFlight:
    """Counts the Calendar API requests being answered at once, per calendar group
    (an account's calendars), by wrapping the emulator's request handler."""

    group_of: dict[str, str] = field(default_factory=dict)
    now: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    most: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total_now: int = 0
    total_most: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def group(self, target: str) -> str | None:
        for calendar, group in self.group_of.items():
            if f"/calendars/{calendar}/" in target.replace("%40", "@"):
                return group
        return None

    def watch(self, google: GoogleCalendarEmulator) -> None:
        serve = google._serve

        def counted(verb: str, target: str, headers: dict[str, str], body: bytes) -> Any:
            group = self.group(target)
            if group is None:
                return serve(verb, target, headers, body)
            with self.lock:
                self.now[group] += 1
                self.total_now += 1
                self.most[group] = max(self.most[group], self.now[group])
                self.total_most = max(self.total_most, self.total_now)
            try:
                return serve(verb, target, headers, body)
            finally:
                with self.lock:
                    self.now[group] -= 1
                    self.total_now -= 1

        google._serve = counted  # type: ignore[method-assign]

    def busy(self) -> bool:
        with self.lock:
            return self.total_now > 0


@contextmanager
def google_with_calendars(count: int) -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator() as google:
        for n in range(count):
            google.add_calendar(remote_calendar(n))
        yield google


@dataclass
class Accounts:
    key: str
    #: Conflict calendars: our id -> the emulator's calendar id.
    remote: dict[int, str]
    #: Emulator calendar id -> the account (as a group name) syncing it.
    group_of: dict[str, str]


async def connect_accounts(
    google: GoogleCalendarEmulator, hosts_count: int, calendars: int
) -> Accounts:
    """``hosts_count`` hosts connect the same Google user; host k's account keeps
    calendars k, k + hosts_count, ... as its conflict calendars, so each emulator
    calendar is synced by exactly one account."""
    key = generate_key()
    env = environment(google, vault=TokenVault(key))
    remote: dict[int, str] = {}
    group_of: dict[str, str] = {}
    for k in range(hosts_count):
        host = await hosts.create(
            HostCreate(email=f"host{k}@example.com", slug=f"host{k}", time_zone="UTC")
        )
        account = await connect(env, host.id)
        mine = {remote_calendar(n) for n in range(k, calendars, hosts_count)}
        rows = await Calendar.select(Calendar.id, Calendar.remote_id).where(
            Calendar.account == account
        )
        for row in rows:
            conflict = row["remote_id"] in mine
            await Calendar.update({Calendar.is_conflict: conflict}).where(Calendar.id == row["id"])
            if conflict:
                remote[row["id"]] = row["remote_id"]
                group_of[row["remote_id"]] = f"account-{account}"
    return Accounts(key, remote, group_of)


def process_env(
    database_url: str, tmp_path: Path, google: GoogleCalendarEmulator, key: str, **extra: str
) -> dict[str, str]:
    return server_env(
        database_url,
        tmp_path / "var",
        REDIS_URL=JOBS_REDIS_URL,
        LOG_LEVEL="WARNING",
        GOOGLE_CLIENT_ID=google.client_id,
        GOOGLE_CLIENT_SECRET=google.client_secret,
        GOOGLE_AUTH_URI=google.authorize_url,
        GOOGLE_TOKEN_URI=google.token_uri,
        GOOGLE_REVOKE_URI=google.revoke_uri,
        GOOGLE_API_ENDPOINT=google.api_endpoint,
        TOKEN_ENCRYPTION_KEY=key,
        # No polling round during a test unless it asks for one (New Year's midnight).
        **{"CALENDAR_SYNC_CRON": "0 0 1 1 *", **extra},
    )


async def start_worker(env: dict[str, str], log: Path, *, concurrency: int = 10) -> Server:
    """`rendezvous worker`, once its heartbeat is in Redis."""
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "web.cli", "worker", "--concurrency", str(concurrency)],
            env=env,
            stdout=output,
            stderr=output,
        )
    worker = Server(process, "", log)
    client = aioredis.from_url(env["REDIS_URL"])

    async def beating() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"worker exited with {process.returncode}:\n{worker.log_tail()}")
        async for key in client.scan_iter(match="rendezvous:worker:*"):
            beat = await client.get(key)
            if beat and f'"pid": {process.pid},' in beat.decode():
                return True
        return False

    try:
        await until(beating, what="the worker to start", within=60, every=0.1)
    except BaseException:
        await worker.kill()
        raise
    finally:
        await client.aclose()
    return worker


@asynccontextmanager
async def stopped_at_exit(processes: list[Server]) -> AsyncIterator[list[Server]]:
    try:
        yield processes
    finally:
        await asyncio.gather(*(p.stop() for p in processes), return_exceptions=True)


def logs(processes: list[Server]) -> str:
    return "\n".join(f"--- pid {p.pid}:\n{p.log_tail()}" for p in processes)
