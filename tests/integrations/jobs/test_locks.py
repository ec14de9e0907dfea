"""One lock per account: the database's (no Redis) and Redis's with a lease.

Two holders here are two lock objects with connections (or file descriptions) of
their own, which is all that two processes share; tests/integrations/jobs/
test_worker_processes.py shows the same with real worker processes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from integrations.jobs.locks import AccountLocks, DatabaseLocks, LockBusy, RedisLocks
from tests.integrations.jobs.scene import UNIT_REDIS_URL, fresh_redis


@pytest.fixture
async def redis() -> AsyncIterator[aioredis.Redis]:
    client = await fresh_redis(UNIT_REDIS_URL)
    yield client
    await client.flushdb()
    await client.aclose()


async def entered_while(
    first: AccountLocks, second: AccountLocks, account: int, hold: float
) -> bool:
    """Whether ``second`` got ``account`` while ``first`` held account 1 for ``hold`` s."""
    holding, entered = asyncio.Event(), asyncio.Event()

    async def hold_it() -> None:
        async with first.hold(1):
            holding.set()
            await asyncio.sleep(hold)

    async def take_it() -> None:
        await holding.wait()
        async with second.hold(account):
            entered.set()

    holder = asyncio.create_task(hold_it())
    taker = asyncio.create_task(take_it())
    await holding.wait()
    await asyncio.sleep(hold / 2)
    during = entered.is_set()
    await asyncio.gather(holder, taker)
    assert entered.is_set(), "the lock was free again after the holder left"
    return during


@pytest.mark.usefixtures("db")
async def test_database_locks_keep_out_another_holder_of_the_account_only(
    database_url: str, tmp_path: Path
) -> None:
    first = DatabaseLocks(database_url, tmp_path / "locks")
    second = DatabaseLocks(database_url, tmp_path / "locks")
    assert not await entered_while(first, second, 1, hold=0.4)
    assert await entered_while(first, second, 2, hold=0.4), "another account is not held up"


@pytest.mark.redis
async def test_a_redis_lock_is_extended_while_held_past_its_lease(
    redis: aioredis.Redis,
) -> None:
    first = RedisLocks(redis, lease=timedelta(seconds=1))
    second = RedisLocks(redis, lease=timedelta(seconds=1))
    assert not await entered_while(first, second, 1, hold=2.5), "held for 2.5 leases"
    assert not await redis.exists(first.key(1)), "released on leaving"


@pytest.mark.redis
async def test_a_redis_lock_whose_holder_died_is_free_after_its_lease(
    redis: aioredis.Redis,
) -> None:
    locks = RedisLocks(redis, lease=timedelta(seconds=1))
    # What a killed holder leaves behind: the key, with no one extending it.
    await redis.set(locks.key(7), "dead-holder", px=1000)
    started = time.monotonic()
    async with locks.hold(7):
        waited = time.monotonic() - started
    assert 0.5 < waited < 2.0


@pytest.mark.redis
async def test_a_redis_lock_held_longer_than_the_caller_waits_is_refused(
    redis: aioredis.Redis,
) -> None:
    locks = RedisLocks(redis, lease=timedelta(seconds=5), wait=timedelta(milliseconds=200))
    await redis.set(locks.key(3), "busy-holder", px=5000)
    with pytest.raises(LockBusy):
        async with locks.hold(3):
            pass
