"""The SAQ queue on Redis, and what web processes put on it.

Web processes run no background loop when Redis is configured: they only enqueue.
Every enqueue has a job key that says which work it stands for, because SAQ keeps
one job per key while it is queued or running and refuses another with the same
key (its enqueue script checks the key against the queue's incomplete set):

- ``relay:{lane}:{bucket}``: deliver due outbox rows (after a commit that queued
  some). A few lanes, so workers deliver a burst in parallel; the bucket (a window
  of :data:`RELAY_BUCKET_SECONDS`) means a relay job held by a dead worker blocks
  its key for one window at most, not until SAQ's sweep ends it.
- ``push:{calendar}:{window}``: sync a calendar at the end of the debounce window
  its push notification fell into; the notifications of one edit share the window
  in every web process, so they make one sync.
- ``poll:{calendar}:{round}``: made by the worker's polling round (tasks.py).

A lost enqueue (Redis unreachable for a moment) loses nothing: the outbox rows are
in the database and the worker's sweep finds them; a lost push sync is caught up
by the next polling round.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from redis.exceptions import RedisError
from saq import Queue
from saq.queue.redis import RedisQueue

from integrations.calendars import repository

__all__ = [
    "JOB_PREFIX",
    "QUEUE_NAME",
    "RELAY_LANES",
    "JobQueue",
    "saq_queue",
]

logger = logging.getLogger("rendezvous.jobs")

QUEUE_NAME = "rendezvous"
#: Our own Redis keys (locks, heartbeats, round claims); SAQ's start with ``saq:``.
JOB_PREFIX = "rendezvous:"
#: Relay jobs that may run at once: a burst of bookings is delivered this wide.
RELAY_LANES = 4
RELAY_BUCKET_SECONDS = 30
#: The longest a sync job may run before SAQ gives up on it (a dead worker's job
#: is swept after this; the account lock's own lease is much shorter).
SYNC_TIMEOUT = 600
RELAY_TIMEOUT = 300


def saq_queue(redis_url: str) -> RedisQueue:
    return RedisQueue.from_url(redis_url, name=QUEUE_NAME)


def push_window(now: float, debounce: float) -> tuple[int, int]:
    """The debounce window ``now`` falls in, as (its number, its end in epoch seconds):
    the same in every process, so notifications of one edit make one job key."""
    width = max(debounce, 1.0)
    window = math.floor(now / width)
    return window, math.ceil((window + 1) * width)


class JobQueue:
    """Enqueues background work on SAQ for the workers; what web uses with Redis.

    :meth:`kick` and :meth:`schedule` are called from code that cannot wait (a
    callback after a commit), so they start the enqueue as a task and return.
    """

    def __init__(
        self, queue: Queue, *, debounce: float = 2.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.queue = queue
        self.debounce = debounce
        self.clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self.queue.connect()

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self.queue.disconnect()
        except (RedisError, OSError) as exc:
            # SAQ unsubscribes on the way out, which needs Redis: a shutdown while Redis
            # is away must still finish.
            logger.warning("closing the job queue: %s", exc)

    def _spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                # Nothing is lost: the worker's sweep and polling rounds catch up.
                logger.exception("enqueueing %s failed", what)

        task = asyncio.create_task(guarded(), name=f"enqueue-{what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- outbox -------------------------------------------------------------------------

    def kick(self) -> None:
        """Outbox rows were committed: have workers deliver them now."""
        self._spawn(self.relay(), "outbox relay")

    async def relay(self) -> None:
        bucket = math.floor(self.clock() / RELAY_BUCKET_SECONDS)
        await asyncio.gather(
            *(
                self.queue.enqueue(
                    "relay_outbox", key=f"relay:{lane}:{bucket}", timeout=RELAY_TIMEOUT
                )
                for lane in range(RELAY_LANES)
            )
        )

    # -- calendars ----------------------------------------------------------------------

    def schedule(self, *calendar_ids: int) -> None:
        """Sync these calendars soon (at the end of the debounce window)."""
        self._spawn(self.sync_soon(calendar_ids), "calendar sync")

    async def schedule_account(self, account_id: int) -> None:
        await self.sync_soon(await repository.conflict_calendar_ids(account_id))

    # -- linked calendars (two-way / one-way sync) ----------------------------------------

    def schedule_linked(self, account_id: int, trigger: str = "push") -> None:
        """Run this account's sync soon (pushes within the debounce window coalesce)."""
        self._spawn(self.sync_linked_soon(account_id, trigger), "linked sync")

    async def sync_linked_soon(self, account_id: int, trigger: str = "push") -> None:
        window, end = push_window(self.clock(), self.debounce)
        await self.queue.enqueue(
            "sync_linked",
            account_id=account_id,
            trigger=trigger,
            key=f"linked-push:{account_id}:{window}",
            scheduled=end,
            timeout=SYNC_TIMEOUT,
        )

    async def sync_soon(self, calendar_ids: Iterable[int]) -> None:
        window, end = push_window(self.clock(), self.debounce)
        await asyncio.gather(
            *(
                self.queue.enqueue(
                    "sync_calendar",
                    calendar_id=calendar_id,
                    key=f"push:{calendar_id}:{window}",
                    scheduled=end,
                    timeout=SYNC_TIMEOUT,
                )
                for calendar_id in calendar_ids
            )
        )
