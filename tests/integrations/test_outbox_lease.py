"""Outbox leases, with time frozen: a claimed job is held for its lease, renewed while
its handler runs, taken over once the lease ran out, and given up after MAX_ATTEMPTS
attempts that never finished. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from booking.outbox import service as outbox
from booking.outbox.tables import OutboxJob
from integrations.outbox import OutboxRunner, run_due
from tests.waiting import until

pytestmark = pytest.mark.usefixtures("db")

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
KIND = "test.work"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def queue(n: int = 1) -> list[dict[str, Any]]:
    for i in range(n):
        await outbox.enqueue(KIND, {"n": i})
    return await outbox.jobs_of_kind(KIND)


async def the_job() -> dict[str, Any]:
    (job,) = await outbox.jobs_of_kind(KIND)
    return job


async def due_ids(now: datetime) -> list[int]:
    return [job["id"] for job in await outbox.due([KIND], now)]


async def claim(worker: str, now: datetime) -> dict[str, Any] | None:
    """Read the job as due at ``now`` and claim it, as a runner does."""
    (job,) = await outbox.due([KIND], now) or [await the_job()]
    return await outbox.claim(job, worker=worker, now=now, lease=LEASE)


async def test_a_claimed_job_is_held_for_its_lease(clock: time_machine.Traveller) -> None:
    [job] = await queue()
    held = await outbox.claim(job, worker="a", now=NOW, lease=LEASE)
    assert held is not None
    stored = await the_job()
    assert (stored["status"], stored["claimed_by"]) == ("running", "a")
    assert stored["lease_until"] == NOW + LEASE
    assert stored["attempts"] == 1
    assert held["attempts"] == 0, "a handler still sees the attempts before this one"

    almost = NOW + LEASE - timedelta(seconds=1)
    assert await due_ids(almost) == []
    # Even a worker holding an old read of the job cannot take it while the lease lives.
    assert await outbox.claim(job, worker="b", now=almost, lease=LEASE) is None
    assert await outbox.claim(await the_job(), worker="b", now=almost, lease=LEASE) is None
    assert (await the_job())["claimed_by"] == "a"


async def test_a_job_whose_lease_ran_out_is_taken_over(clock: time_machine.Traveller) -> None:
    [job] = await queue()
    first = await outbox.claim(job, worker="a", now=NOW, lease=LEASE)
    assert first is not None

    later = NOW + LEASE
    assert await due_ids(later) == [job["id"]]
    second = await claim("b", later)
    assert second is not None
    stored = await the_job()
    assert (stored["status"], stored["claimed_by"], stored["attempts"]) == ("running", "b", 2)
    assert stored["lease_until"] == later + LEASE
    assert "lease of a ran out" in stored["last_error"]

    # The first worker comes back to life: nothing it records counts any more.
    assert not await outbox.succeed(first, later)
    assert not await outbox.fail(first, later, "boom", temporary=True)
    assert not await outbox.renew(first, later, LEASE)
    assert (await the_job())["status"] == "running"

    assert await outbox.succeed(second, later)
    stored = await the_job()
    assert (stored["status"], stored["lease_until"]) == ("done", None)


async def test_renewing_keeps_a_job_from_other_workers(clock: time_machine.Traveller) -> None:
    [job] = await queue()
    held = await outbox.claim(job, worker="a", now=NOW, lease=LEASE)
    assert held is not None

    read_before_renewal = await the_job()
    clock.move_to(NOW + timedelta(seconds=50))
    assert await outbox.renew(held, datetime.now(UTC), LEASE)
    past_first_lease = NOW + LEASE + timedelta(seconds=1)
    assert await due_ids(past_first_lease) == []
    # A worker that read the job before the renewal and claims after the first lease
    # would have run out: the claim checks the lease in the UPDATE itself.
    assert await outbox.claim(read_before_renewal, worker="b", now=past_first_lease) is None
    assert (await the_job())["claimed_by"] == "a"

    assert await due_ids(NOW + timedelta(seconds=110)) == [job["id"]]


async def test_of_two_workers_claiming_at_once_one_wins(clock: time_machine.Traveller) -> None:
    jobs = await queue(10)
    # A third of them were held by a worker that died: they are taken over the same way.
    for job in jobs[::3]:
        await outbox.claim(job, worker="dead", now=NOW - LEASE, lease=LEASE)
    seen = await outbox.due([KIND], NOW)
    assert len(seen) == 10

    async def worker(name: str) -> list[int]:
        won = []
        for job in seen:
            if await outbox.claim(job, worker=name, now=NOW, lease=LEASE) is not None:
                won.append(job["id"])
        return won

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    winners = sorted(job_id for won in results for job_id in won)
    assert winners == sorted(job["id"] for job in jobs), "each job claimed exactly once"
    stored = {job["id"]: job for job in await outbox.jobs_of_kind(KIND)}
    for name, won in zip([f"w{i}" for i in range(4)], results, strict=True):
        assert all(stored[job_id]["claimed_by"] == name for job_id in won)


async def test_a_job_that_kills_its_process_every_time_ends_failed(
    clock: time_machine.Traveller,
) -> None:
    await queue()
    now = NOW
    for attempt in range(outbox.MAX_ATTEMPTS):
        assert await claim(f"doomed-{attempt}", now) is not None, f"attempt {attempt + 1}"
        now += LEASE  # ... and its process dies mid-job every time

    ran: list[int] = []

    async def handler(job: dict[str, Any], now: datetime) -> None:
        ran.append(job["id"])

    clock.move_to(now)
    assert await run_due({KIND: handler}, worker="last", lease=LEASE) == 0
    assert ran == []
    stored = await the_job()
    assert (stored["status"], stored["attempts"]) == ("failed", outbox.MAX_ATTEMPTS)
    assert stored["done_at"] == now
    assert f"gave up after {outbox.MAX_ATTEMPTS} attempts" in stored["last_error"]
    assert "doomed-7" in stored["last_error"]
    assert await due_ids(now + timedelta(days=1)) == []


async def test_a_running_job_without_a_lease_is_free_to_take(
    clock: time_machine.Traveller,
) -> None:
    """Claimed before leases existed: nobody renews it, so it is taken over at once."""
    [job] = await queue()
    await OutboxJob.update({OutboxJob.status: "running", OutboxJob.attempts: 1}).where(
        OutboxJob.id == job["id"]
    )
    assert await due_ids(NOW) == [job["id"]]
    taken = await claim("new", NOW)
    assert taken is not None
    assert "an older version" in (await the_job())["last_error"]


async def test_a_handler_that_raises_is_retried_later_without_a_lease(
    clock: time_machine.Traveller,
) -> None:
    await queue()

    async def broken(job: dict[str, Any], now: datetime) -> None:
        raise RuntimeError("bug")

    assert await run_due({KIND: broken}, worker="a", lease=LEASE) == 1
    stored = await the_job()
    assert (stored["status"], stored["attempts"], stored["lease_until"]) == ("pending", 1, None)
    assert stored["next_attempt_at"] > NOW
    assert "bug" in stored["last_error"]


async def test_the_runner_renews_the_lease_while_a_slow_job_runs(
    clock: time_machine.Traveller,
) -> None:
    """The handler outlives its first lease; the runner's renewals keep a second
    runner from starting the job, and the job runs once."""
    lease = timedelta(seconds=0.3)  # renewed every 0.1 s of real time
    await queue()
    started, finish = asyncio.Event(), asyncio.Event()
    runs: list[str] = []

    async def slow(job: dict[str, Any], now: datetime) -> None:
        runs.append(job["claimed_by"])
        started.set()
        await finish.wait()
        await outbox.succeed(job, datetime.now(UTC))

    first = OutboxRunner(None, handlers={KIND: slow}, lease=lease, worker="first")
    second = OutboxRunner(None, handlers={KIND: slow}, lease=lease, worker="second")
    running = asyncio.create_task(first.run_once())
    await asyncio.wait_for(started.wait(), 10)
    assert (await the_job())["lease_until"] == NOW + lease

    # Far past the first lease; wait (by polling, with a deadline) for a renewal.
    clock.move_to(NOW + timedelta(minutes=5))

    async def renewed() -> bool:
        return bool((await the_job())["lease_until"] > datetime.now(UTC))

    await until(renewed, what="the runner to renew the lease", within=10)
    assert await second.run_once() == 0

    finish.set()
    assert await running == 1
    stored = await the_job()
    assert runs == ["first"]
    assert (stored["status"], stored["attempts"], stored["claimed_by"]) == ("done", 1, "first")
