"""The background jobs a ``rendezvous worker`` runs, as SAQ job functions.

Each takes SAQ's context (``ctx["background"]`` is the :class:`Background` the
worker was built with) and calls the very code the embedded default runs in-process
(``CalendarSync.sync_calendar``, ``integrations.outbox.run_due``): one behaviour,
two ways of being scheduled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from booking.outbox import service as outbox
from integrations.calendars import repository
from integrations.calendars.sync import CalendarSync
from integrations.jobs.queue import JOB_PREFIX, SYNC_TIMEOUT, JobQueue
from integrations.outbox import JobHandler, run_due, utc_now
from integrations.sync.engine import RunOptions, SyncEngine
from integrations.sync.runner import due_accounts

__all__ = [
    "Background",
    "linked_round",
    "poll_round",
    "relay_outbox",
    "sweep_outbox",
    "sync_calendar",
    "sync_linked",
]

logger = logging.getLogger("rendezvous.jobs")


@dataclass
class Background:
    """What the jobs of one worker process work with."""

    sync: CalendarSync
    handlers: Mapping[str, JobHandler]
    queue: JobQueue
    redis: Redis
    worker: str
    lease: timedelta = outbox.DEFAULT_LEASE
    #: Seconds between polling rounds: a round's claim outlives any late duplicate.
    poll_interval: float = 900.0
    clock: Callable[[], datetime] = utc_now
    #: The linked-calendar sync (two-way / one-way); None in workers built without it.
    linked: SyncEngine | None = None


def _background(ctx: Mapping[str, Any]) -> Background:
    background: Background = ctx["background"]
    return background


async def sync_calendar(ctx: Mapping[str, Any], *, calendar_id: int) -> dict[str, Any]:
    """One calendar's sync (a push notification, a new calendar, a polling round);
    under the account's lock, which holds across workers."""
    outcome = await _background(ctx).sync.sync_calendar(calendar_id)
    return {"ok": outcome.ok, "full": outcome.full, "error": outcome.error}


async def poll_round(ctx: Mapping[str, Any]) -> int:
    """A polling round (SAQ cron): one sync job per conflict calendar.

    Every worker schedules the cron job, and SAQ keeps one per key while it waits,
    so normally one worker runs each round. The round's number is its scheduled
    time, the same in every worker; claiming it in Redis makes a late duplicate (a
    worker whose clock is behind schedules the round that just ran) do nothing. The
    sync jobs' keys name calendar and round, so a round that is run again in part
    (its worker died while enqueueing) adds no second sync of a calendar.
    """
    background = _background(ctx)
    job = ctx.get("job")
    scheduled = getattr(job, "scheduled", 0) or int(time.time())
    claimed = await background.redis.set(
        f"{JOB_PREFIX}poll-round:{scheduled}",
        background.worker,
        nx=True,
        ex=max(int(background.poll_interval * 2), 60),
    )
    if not claimed:
        return 0
    calendar_ids = await repository.conflict_calendar_ids()
    await asyncio.gather(
        *(
            background.queue.queue.enqueue(
                "sync_calendar",
                calendar_id=calendar_id,
                key=f"poll:{calendar_id}:{scheduled}",
                timeout=SYNC_TIMEOUT,
            )
            for calendar_id in calendar_ids
        )
    )
    return len(calendar_ids)


async def sync_linked(
    ctx: Mapping[str, Any], *, account_id: int, trigger: str = "push", dry_run: bool = False
) -> dict[str, Any]:
    """One run of an account's linked-calendar sync, under the account's lock."""
    engine = _background(ctx).linked
    if engine is None:
        return {"status": "skipped"}
    record = await engine.run(account_id, RunOptions(trigger=trigger, dry_run=dry_run))
    return {"run": record.id, "status": record.status}


async def linked_round(ctx: Mapping[str, Any]) -> int:
    """SAQ cron: a sync job for every account whose automatic run is due. The job key
    names the account and the minute, so workers running the same round add one job."""
    background = _background(ctx)
    if background.linked is None:
        return 0
    minute = int(time.time() // 60)
    accounts = await due_accounts(background.linked)
    await asyncio.gather(
        *(
            background.queue.queue.enqueue(
                "sync_linked",
                account_id=account_id,
                trigger="auto",
                key=f"linked:{account_id}:{minute}",
                timeout=SYNC_TIMEOUT,
            )
            for account_id in accounts
        )
    )
    return len(accounts)


async def relay_outbox(ctx: Mapping[str, Any]) -> int:
    """Deliver due outbox rows until none is left; several of these run at once and
    share the rows through the outbox's own compare-and-set claim."""
    background = _background(ctx)
    handled = 0
    while True:
        done = await run_due(
            background.handlers,
            worker=background.worker,
            lease=background.lease,
            clock=background.clock,
        )
        if not done:
            return handled
        handled += done


async def sweep_outbox(ctx: Mapping[str, Any]) -> bool:
    """SAQ cron: if outbox rows are due that no relay job took (an enqueue lost, a
    retry whose time came, a lease run out with its worker), start the relay."""
    background = _background(ctx)
    if not await outbox.due(list(background.handlers), background.clock(), limit=1):
        return False
    await background.queue.relay()
    return True
