"""What ``/healthz`` says about the queue and the workers (Redis installations)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from integrations.jobs.queue import QUEUE_NAME
from integrations.jobs.worker import HEARTBEAT_PREFIX, HEARTBEAT_SECONDS

__all__ = ["QueueState", "WorkerBeat", "queue_state"]

#: A worker silent for this many heartbeats is reported stale.
_STALE_AFTER = 3 * HEARTBEAT_SECONDS


@dataclass(frozen=True, slots=True)
class WorkerBeat:
    id: str
    host: str
    pid: int
    seconds_ago: float

    @property
    def stale(self) -> bool:
        return self.seconds_ago > _STALE_AFTER


@dataclass(frozen=True, slots=True)
class QueueState:
    #: Jobs due now and not yet taken by a worker.
    depth: int
    #: How long the job that has waited longest since it became due has waited.
    oldest_due_seconds: float
    #: Jobs scheduled for later (debounced syncs, the next cron ticks, retries).
    scheduled: int
    running: int
    workers: list[WorkerBeat]


def _ns(key: str) -> str:
    # SAQ's RedisQueue.namespace(): saq:<queue>:<key>
    return f"saq:{QUEUE_NAME}:{key}"


async def queue_state(redis: Redis) -> QueueState:
    now = time.time()
    queued_ids = await redis.lrange(_ns("queued"), 0, 0)
    depth = int(await redis.llen(_ns("queued")))
    running = int(await redis.llen(_ns("active")))
    scheduled = int(await redis.zcount(_ns("incomplete"), f"({now}", "+inf"))
    oldest = 0.0
    if queued_ids:
        # The list is consumed from its head, so the head has waited longest.
        raw = await redis.get(queued_ids[0])
        if raw:
            job = json.loads(raw)
            due_at = max(job.get("queued", 0) / 1000, float(job.get("scheduled", 0)))
            oldest = max(oldest, now - due_at)
    # Scheduled jobs whose time came but that SAQ's scheduler has not moved to the
    # queue yet (no worker running it): they wait too.
    overdue = await redis.zrangebyscore(_ns("incomplete"), 1, now, start=0, num=1, withscores=True)
    if overdue:
        due_at = overdue[0][1]
        depth += int(await redis.zcount(_ns("incomplete"), 1, now))
        oldest = max(oldest, now - float(due_at))
    workers = []
    async for key in redis.scan_iter(match=f"{HEARTBEAT_PREFIX}*", count=100):
        raw = await redis.get(key)
        if not raw:
            continue
        beat = json.loads(raw)
        name = key.decode() if isinstance(key, bytes) else str(key)
        workers.append(
            WorkerBeat(
                id=name.removeprefix(HEARTBEAT_PREFIX),
                host=str(beat.get("host", "")),
                pid=int(beat.get("pid", 0)),
                seconds_ago=round(max(now - float(beat["at"]), 0.0), 1),
            )
        )
    workers.sort(key=lambda w: w.seconds_ago)
    return QueueState(
        depth=depth,
        oldest_due_seconds=round(max(oldest, 0.0), 1),
        scheduled=scheduled,
        running=running,
        workers=workers,
    )
