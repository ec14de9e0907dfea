"""One lock per connected account, held by whoever syncs it, in any process or machine.

Syncs of one account must not overlap: token refreshes and the provider's quota are
per account, and two syncs of one calendar would each fetch the same changes. Which
lock depends on what the installation has:

- :class:`RedisLocks` (``REDIS_URL`` set, workers on several machines): redis-py's
  ``Lock``, a key with a lease (``SET NX PX``) that the holder extends every third of
  the lease while it works. A holder that dies (``kill -9``, a lost machine) stops
  extending and the key expires: nobody waits on a dead holder longer than one lease.
- :class:`DatabaseLocks` (no Redis): on PostgreSQL a session advisory lock on a
  connection of its own, which the server drops with the connection when its
  process dies; on SQLite, which one machine serves, an OS file lock next to the
  database, which the kernel drops with the process. Not the SQLite write lock
  itself: held across provider calls it would stop every booking meanwhile.
- :class:`LocalLocks`: asyncio locks, for code and tests that run one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import asyncpg
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

__all__ = [
    "AccountLocks",
    "DatabaseLocks",
    "LocalLocks",
    "LockBusy",
    "RedisLocks",
    "account_lock_key",
]

logger = logging.getLogger("rendezvous.jobs.locks")

#: PostgreSQL advisory locks take two int4 keys: this one names "account sync".
_ADVISORY_SPACE = 0x5259_4E43  # "RYNC"


class LockBusy(Exception):
    """The account stayed locked by someone else for longer than the caller waits."""


class AccountLocks(Protocol):
    def hold(self, account_id: int) -> AbstractAsyncContextManager[None]:
        """Held for the block; waits while another holder has the account."""
        ...


def account_lock_key(prefix: str, account_id: int) -> str:
    return f"{prefix}lock:account:{account_id}"


class LocalLocks:
    """One asyncio lock per account: only this process is kept out."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def hold(self, account_id: int) -> AbstractAsyncContextManager[None]:
        return self._locks.setdefault(account_id, asyncio.Lock())


class RedisLocks:
    """A leased Redis key per account (redis-py ``Lock``), extended while held."""

    def __init__(
        self,
        redis: Redis,
        *,
        lease: timedelta = timedelta(seconds=60),
        wait: timedelta = timedelta(minutes=5),
        prefix: str = "rendezvous:",
    ) -> None:
        self.redis = redis
        self.lease = lease
        self.wait = wait
        self.prefix = prefix

    def key(self, account_id: int) -> str:
        return account_lock_key(self.prefix, account_id)

    @contextlib.asynccontextmanager
    async def hold(self, account_id: int) -> AsyncIterator[None]:
        lock = Lock(
            self.redis,
            self.key(account_id),
            timeout=self.lease.total_seconds(),
            sleep=0.05,
            blocking_timeout=self.wait.total_seconds(),
            # One Lock object per holding, used from one task and its keeper: the token
            # must be visible to both (thread-local storage is per thread, not per task).
            thread_local=False,
        )
        if not await lock.acquire():
            raise LockBusy(f"account {account_id} stayed locked for {self.wait}")
        finished = asyncio.Event()
        keeper = asyncio.create_task(self._keep(lock, finished), name=f"lock-{account_id}")
        try:
            yield
        finally:
            finished.set()
            await keeper
            with contextlib.suppress(LockError, RedisError):
                # Not ours any more (the lease ran out while the loop was stalled): the
                # key belongs to the next holder, and redis-py leaves it alone.
                await lock.release()

    async def _keep(self, lock: Lock, finished: asyncio.Event) -> None:
        period = self.lease.total_seconds() / 3
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finished.wait(), period)
            if finished.is_set():
                return
            try:
                # Back to a full lease from now, not lease added to what is left.
                await lock.reacquire()
            except LockError:
                logger.warning("lock %s: lease lost while held", lock.name)
                return
            except RedisError:
                # Redis may be back before the lease runs out: keep trying.
                logger.exception("lock %s: extending the lease failed", lock.name)


class DatabaseLocks:
    """A lock per account in the database's own terms, for installations without Redis."""

    def __init__(
        self, database_url: str, lock_dir: Path, *, poll: timedelta = timedelta(milliseconds=50)
    ) -> None:
        self.database_url = database_url
        self.lock_dir = lock_dir
        self.poll = poll.total_seconds()

    def hold(self, account_id: int) -> AbstractAsyncContextManager[None]:
        if self.database_url.startswith("sqlite"):
            return self._file_lock(account_id)
        return self._advisory_lock(account_id)

    @contextlib.asynccontextmanager
    async def _advisory_lock(self, account_id: int) -> AsyncIterator[None]:
        # A connection of its own: piccolo's pool would hand the session (and the lock
        # with it) to other queries. asyncpg wants postgresql://, settings allow postgres://.
        connection = await asyncpg.connect(self.database_url)
        try:
            await connection.execute("SELECT pg_advisory_lock($1, $2)", _ADVISORY_SPACE, account_id)
            try:
                yield
            finally:
                await connection.execute(
                    "SELECT pg_advisory_unlock($1, $2)", _ADVISORY_SPACE, account_id
                )
        finally:
            await connection.close()

    @contextlib.asynccontextmanager
    async def _file_lock(self, account_id: int) -> AsyncIterator[None]:
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.lock_dir / f"account-{account_id}.lock", os.O_RDWR | os.O_CREAT)
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    # Polled, not waited on in a thread: a blocked flock() cannot be
                    # cancelled, and would keep a thread of the pool forever.
                    await asyncio.sleep(self.poll)
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)
