"""With Redis, web processes only enqueue; the worker's job functions do the work.

The job functions are called here as a SAQ worker calls them (with its context),
against the real queue in Redis (database 13, this module's own).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
import redis.asyncio as aioredis
from saq.job import Job

from booking.outbox import service as outbox
from booking.outbox.email import EMAIL_JOB
from integrations.jobs.health import queue_state
from integrations.jobs.queue import RELAY_LANES, JobQueue, push_window, saq_queue
from integrations.jobs.tasks import Background, poll_round, relay_outbox, sweep_outbox
from integrations.outbox import OutboxRunner
from tests.conftest import serve_in_loop
from tests.emulators.google import GoogleCalendarEmulator
from tests.hosts import a_slot_ahead, free_around_the_clock
from tests.integrations.jobs.scene import UNIT_REDIS_URL, connect_accounts, fresh_redis
from web.app import booking_environment, create_app, outbox_runner, video_environment
from web.calendars import calendar_services
from web.settings import Settings

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.redis]


@pytest.fixture
async def redis() -> AsyncIterator[aioredis.Redis]:
    client = await fresh_redis(UNIT_REDIS_URL)
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def queue() -> AsyncIterator[JobQueue]:
    made = JobQueue(saq_queue(UNIT_REDIS_URL), debounce=2.0)
    await made.start()
    yield made
    await made.stop()


def background(settings: Settings, queue: JobQueue, redis: aioredis.Redis) -> Background:
    video = video_environment(settings, booking_environment(settings))
    return Background(
        sync=calendar_services(settings, on_queued=queue.kick).sync,
        handlers=outbox_runner(settings, video).handlers,
        queue=queue,
        redis=redis,
        worker="test-worker",
    )


async def waiting_keys(redis: aioredis.Redis) -> list[str]:
    """Keys of the jobs waiting on the queue (due now or later)."""
    ids = await redis.zrange("saq:rendezvous:incomplete", 0, -1)
    return sorted(i.decode().removeprefix("saq:job:rendezvous:") for i in ids)


async def book(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/public/ada/intro/bookings",
        json={
            "start": a_slot_ahead().isoformat(),
            "name": "Invitee",
            "email": "invitee@example.com",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 201, response.text


async def test_the_web_process_enqueues_e_mails_and_a_worker_job_sends_them(
    settings: Settings, redis: aioredis.Redis, queue: JobQueue
) -> None:
    await free_around_the_clock("ada", "intro")
    app = create_app(replace(settings, redis_url=UNIT_REDIS_URL))
    assert not isinstance(app.state.outbox, OutboxRunner), "no delivery loop in web"
    async with serve_in_loop(app) as client:
        await book(client)
    # Both e-mails wait in the outbox; the relay lanes wait on the queue.
    assert {job["status"] for job in await outbox.jobs_of_kind(EMAIL_JOB)} == {"pending"}
    keys = await waiting_keys(redis)
    assert len(keys) == RELAY_LANES
    assert all(key.startswith("relay:") for key in keys)

    ctx = {"background": background(settings, queue, redis)}
    assert await relay_outbox(ctx) == 2
    assert {job["status"] for job in await outbox.jobs_of_kind(EMAIL_JOB)} == {"logged"}
    assert await relay_outbox(ctx) == 0, "nothing is sent twice"


async def test_the_sweep_starts_the_relay_only_when_outbox_rows_wait(
    settings: Settings, redis: aioredis.Redis, queue: JobQueue
) -> None:
    ctx = {"background": background(settings, queue, redis)}
    assert await sweep_outbox(ctx) is False
    assert await waiting_keys(redis) == []
    # A booking committed while Redis was unreachable: its row is there, no kick was.
    await outbox.enqueue(EMAIL_JOB, {"to": "a@example.com", "subject": "Hi"})
    assert await sweep_outbox(ctx) is True
    assert len(await waiting_keys(redis)) == RELAY_LANES


async def test_notifications_in_one_debounce_window_make_one_sync(
    redis: aioredis.Redis, queue: JobQueue
) -> None:
    await queue.sync_soon([5])
    await queue.sync_soon([5, 6])
    window, _ = push_window(queue.clock(), queue.debounce)
    keys = set(await waiting_keys(redis))
    # The two calls may straddle a window's end; within one window, one job each.
    assert {f"push:5:{window}", f"push:6:{window}"} <= keys
    assert len([k for k in keys if k.startswith("push:5:")]) <= 2
    assert len(keys) <= 4


async def test_a_polling_round_is_claimed_once_and_enqueues_one_sync_per_calendar(
    settings: Settings, redis: aioredis.Redis, queue: JobQueue
) -> None:
    with GoogleCalendarEmulator() as google:
        for n in range(3):
            google.add_calendar(f"team-{n:03d}@group.calendar.google.com")
        accounts = await connect_accounts(google, hosts_count=1, calendars=3)
    scheduled = int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())

    # What SAQ hands the cron job: its scheduled time names the round.
    job = Job(function="poll_round", scheduled=scheduled)
    first = {"background": background(settings, queue, redis), "job": job}
    second = {"background": background(settings, queue, redis), "job": job}
    assert await poll_round(first) == 3
    assert await poll_round(second) == 0, "another worker's copy of the round does nothing"
    assert await waiting_keys(redis) == sorted(
        f"poll:{calendar_id}:{scheduled}" for calendar_id in accounts.remote
    )


async def test_health_reports_the_queue_and_the_workers_heartbeats(
    redis: aioredis.Redis, queue: JobQueue
) -> None:
    state = await queue_state(redis)
    assert (state.depth, state.workers) == (0, [])
    await queue.relay()
    await redis.set("rendezvous:worker:w1", '{"host": "a", "pid": 42, "at": 0}')
    state = await queue_state(redis)
    assert state.depth == RELAY_LANES
    assert 0 <= state.oldest_due_seconds < 60
    [beat] = state.workers
    assert (beat.id, beat.pid, beat.stale) == ("w1", 42, True)
