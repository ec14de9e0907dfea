"""``rendezvous worker``: builds the background jobs' dependencies from settings, the
same way ``create_app`` does for the web process, and runs a SAQ worker on them."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from integrations.jobs.queue import JobQueue, saq_queue
from integrations.jobs.tasks import Background
from integrations.jobs.worker import build_worker, every
from integrations.outbox import worker_name
from web import database
from web.app import (
    account_locks,
    booking_environment,
    outbox_runner,
    video_environment,
)
from web.calendars import calendar_services
from web.heap import freeze_startup_heap
from web.settings import Settings

logger = logging.getLogger("rendezvous.worker")


async def run_worker(settings: Settings, *, concurrency: int) -> None:
    if not settings.redis_url:
        raise ValueError("REDIS_URL is not set")
    engine = database.build_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    queue = JobQueue(saq_queue(settings.redis_url), debounce=settings.push_debounce_seconds)
    video = video_environment(settings, booking_environment(settings))
    # The outbox runner is not started: its handlers (e-mail, Zoom) are what relay
    # jobs run, with the same claims and leases.
    handlers = outbox_runner(settings, video).handlers
    calendars = calendar_services(
        settings, on_queued=queue.kick, locks=account_locks(settings, redis), queue=queue
    )
    background = Background(
        sync=calendars.sync,
        handlers=handlers,
        queue=queue,
        redis=redis,
        worker=worker_name(),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        poll_interval=settings.calendar_sync_minutes * 60.0,
    )

    async def startup(ctx: dict[str, Any]) -> None:
        database.bind(engine)
        await database.start(engine)
        await queue.start()
        freeze_startup_heap()

    async def shutdown(ctx: dict[str, Any]) -> None:
        await queue.stop()
        await database.stop(engine)
        await redis.aclose()

    worker = build_worker(
        background,
        concurrency=concurrency,
        poll_cron=settings.calendar_sync_cron or every(settings.calendar_sync_minutes * 60),
        sweep_cron=every(settings.outbox_sweep_seconds),
        startup=startup,
        shutdown=shutdown,
    )
    if settings.log_level != "DEBUG":
        # SAQ logs every job it enqueues, starts and finishes at INFO.
        logging.getLogger("saq").setLevel(logging.WARNING)
    logger.info("worker %s started (concurrency %s)", background.worker, concurrency)
    await worker.start()


def main(settings: Settings, concurrency: int) -> None:
    asyncio.run(run_worker(settings, concurrency=concurrency))
