"""The ``rendezvous worker`` process: a SAQ worker that runs every background job.

Its two schedules are SAQ cron jobs (``unique``: one waiting job per schedule on the
queue, however many workers schedule it): the polling round and the outbox sweep.
Besides SAQ's own worker info, each worker keeps a heartbeat key of ours, which
``/healthz`` reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from saq import CronJob, Worker

from integrations.jobs.queue import JOB_PREFIX, RELAY_TIMEOUT, SYNC_TIMEOUT
from integrations.jobs.tasks import (
    Background,
    linked_round,
    poll_round,
    relay_outbox,
    sweep_outbox,
    sync_calendar,
    sync_linked,
)

__all__ = ["HEARTBEAT_PREFIX", "HeartbeatWorker", "build_worker", "every"]

HEARTBEAT_PREFIX = f"{JOB_PREFIX}worker:"
#: SAQ writes worker info this often; the heartbeat rides on it.
HEARTBEAT_SECONDS = 5
#: A heartbeat stays readable this long, so /healthz can show a worker that stopped.
HEARTBEAT_KEPT = 300


def every(seconds: int) -> str:
    """A cron expression (croniter's, seconds as a sixth field) for "every N seconds",
    aligned to the clock so every worker computes the same ticks."""
    if seconds < 60:
        divisor = max(d for d in range(1, seconds + 1) if 60 % d == 0)
        return f"* * * * * */{divisor}"
    minutes = seconds // 60
    if minutes < 60:
        return f"*/{minutes} * * * *"
    hours = minutes // 60
    return f"0 */{min(hours, 23)} * * *"


class HeartbeatWorker(Worker):  # type: ignore[type-arg]
    """SAQ's worker, whose periodic worker-info write also refreshes our heartbeat."""

    def __init__(self, *args: Any, redis: Redis, concurrency_label: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis = redis
        self.label = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "concurrency": concurrency_label,
        }

    async def worker_info(self, ttl: int = 60) -> Any:
        info = await super().worker_info(ttl)
        beat = json.dumps({**self.label, "at": time.time()})
        await self.redis.set(f"{HEARTBEAT_PREFIX}{self.id}", beat, ex=HEARTBEAT_KEPT)
        return info

    async def stop(self) -> None:
        # SAQ's stop waits (up to the grace period) for every task it started, its
        # upkeep loops too, and the sweep loop sleeps a minute between rounds: end
        # those at once and give the grace to the jobs alone.
        self.event.set()
        for task in self.tasks:
            if task.get_name() != "process":
                task.cancel()
        # A worker that stops cleanly says so at once; a killed one just goes quiet.
        with contextlib.suppress(RedisError):
            await self.redis.delete(f"{HEARTBEAT_PREFIX}{self.id}")
        await super().stop()


def build_worker(
    background: Background,
    *,
    concurrency: int,
    poll_cron: str,
    sweep_cron: str,
    startup: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    shutdown: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
) -> HeartbeatWorker:
    async def start(ctx: dict[str, Any]) -> None:
        ctx["background"] = background
        if startup is not None:
            await startup(ctx)

    return HeartbeatWorker(
        background.queue.queue,
        functions=[sync_calendar, relay_outbox, sync_linked],
        cron_jobs=[
            CronJob(poll_round, cron=poll_cron, timeout=SYNC_TIMEOUT),
            # Every minute: which accounts' automatic sync is due (their own interval
            # and time-of-day range decide).
            CronJob(linked_round, cron="* * * * *", timeout=SYNC_TIMEOUT),
            CronJob(sweep_outbox, cron=sweep_cron, timeout=RELAY_TIMEOUT),
        ],
        concurrency=concurrency,
        startup=start,
        shutdown=shutdown,
        timers={"worker_info": HEARTBEAT_SECONDS},
        # Let running syncs and sends finish on SIGTERM (a deploy) rather than
        # cancel them mid-query.
        shutdown_grace_period_s=30,
        # SAQ waits for every slot's dequeue before it stops, and a dequeue without a
        # timeout waits for a job forever: a stop would always take the whole grace.
        dequeue_timeout=1,
        redis=background.redis,
        concurrency_label=concurrency,
    )
