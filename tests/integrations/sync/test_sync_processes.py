"""Sync runs in real processes (`rendezvous sync`) against a real Radicale, on both
databases: two runs of one account at once push every activity exactly once (the
account lock holds across processes), and a run SIGKILLed in the middle of pushing
leaves nothing that the next run duplicates."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from integrations.accounts import repository as accounts_repository
from integrations.calendars import repository as calendars_repository
from integrations.calendars import service as calendars
from integrations.calendars.provider import SyncWindow
from integrations.sync import repository as sync_repository
from integrations.sync.adapters import linked_calendar
from integrations.sync.tables import SyncLink
from tests.hosts import free_around_the_clock
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Radicale
from tests.waiting import until
from web import database
from web.calendars import calendar_environment
from web.settings import Settings

START = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
WINDOW = SyncWindow(START - timedelta(days=2), START + timedelta(days=60))


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "RENDEZVOUS_VAR_DIR": str(tmp_path / "var"),
        "ALLOW_PRIVATE_URLS": "on",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "dav") as server:
        yield server


@pytest.fixture
async def bound(env: dict[str, str]) -> AsyncIterator[Settings]:
    settings = Settings.from_env(env)
    engine = database.build_engine(settings.database_url)
    database.bind(engine)
    await database.start(engine)
    yield settings
    await database.stop(engine)


async def linked_host(settings: Settings, dav: Radicale, activities_count: int) -> int:
    host = await free_around_the_clock("ada")
    account_id = await calendars.connect_caldav(
        calendar_environment(settings), host.id, dav.url, USER, PASSWORD
    )
    await sync_repository.save_settings(
        account_id, host.id, {"mode": "two_way", "earliest": START - timedelta(days=1)}
    )
    for n in range(activities_count):
        begins = START + timedelta(hours=n)
        await activities.create(
            host.id,
            ActivityCreate(title=f"Call {n}", start=begins, end=begins + timedelta(minutes=30)),
        )
    return account_id


async def sync_process(env: dict[str, str], account_id: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "web.cli", "sync", str(account_id),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def tagged_events(settings: Settings, account_id: int) -> list[int]:
    """The activity ids our events in the calendar point at, one entry per event."""
    account = await accounts_repository.get(account_id)
    assert account is not None
    (calendar,) = await calendars_repository.calendars_of_account(account_id)
    adapter = linked_calendar(calendar_environment(settings), account, calendar)
    listing = await asyncio.to_thread(adapter.changes, None, WINDOW)
    return sorted(i.tag.activity_id for i in listing.changed if i.tag is not None)


async def test_two_processes_syncing_one_account_push_each_activity_once(
    env: dict[str, str], bound: Settings, dav: Radicale
) -> None:
    account_id = await linked_host(bound, dav, 30)
    racers = [await sync_process(env, account_id) for _ in range(2)]
    outputs = [(await racer.communicate())[0].decode() for racer in racers]
    assert [r.returncode for r in racers] == [0, 0], outputs

    ours = await tagged_events(bound, account_id)
    assert len(ours) == 30
    assert len(set(ours)) == 30, "no activity has two events"
    assert await SyncLink.count() == 30
    # One run pushed everything; the other, waiting on the lock, found nothing to do.
    assert sorted("calendar: 30 create" in out for out in outputs) == [False, True], outputs


async def test_a_run_killed_mid_push_leaves_nothing_to_duplicate(
    env: dict[str, str], bound: Settings, dav: Radicale
) -> None:
    account_id = await linked_host(bound, dav, 120)
    victim = await sync_process(env, account_id)

    async def pushed_ten() -> bool:
        return await SyncLink.count() >= 10

    await until(pushed_ten, what="the run to push ten events", within=60)
    victim.send_signal(signal.SIGKILL)
    await victim.wait()
    pushed_before = len(await tagged_events(bound, account_id))
    assert 10 <= pushed_before < 120, "killed in the middle of pushing"

    again = await sync_process(env, account_id)
    output = (await again.communicate())[0].decode()
    assert again.returncode == 0, output
    ours = await tagged_events(bound, account_id)
    assert len(ours) == 120
    assert len(set(ours)) == 120, "no activity has two events"
    assert await SyncLink.count() == 120
    quiet = await sync_process(env, account_id)
    assert "done: nothing to do" in (await quiet.communicate())[0].decode()
