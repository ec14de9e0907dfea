"""All queries on the outbox.

Every write to a claimed job is a compare-and-set on ``(id, attempts, claimed_by)``:
each claim raises ``attempts``, so that pair names one claim, and a worker whose
lease passed to another can no longer change the job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.columns.combination import And

from booking.outbox.tables import OutboxJob


def _lease_ran_out(now: datetime) -> And:
    # NULL: claimed before leases existed (see migration 0006), so nobody renews it.
    return (OutboxJob.status == "running") & (
        OutboxJob.lease_until.is_null() | (OutboxJob.lease_until <= now)
    )


def _held_by(job_id: int, attempts: int, worker: str) -> And:
    return (
        (OutboxJob.id == job_id)
        & (OutboxJob.status == "running")
        & (OutboxJob.attempts == attempts)
        & (OutboxJob.claimed_by == worker)
    )


async def insert(kind: str, payload: dict[str, Any], dedupe_key: str | None) -> None:
    query = OutboxJob.insert(OutboxJob(kind=kind, payload=payload, dedupe_key=dedupe_key))
    if dedupe_key is not None:
        query = query.on_conflict(target=OutboxJob.dedupe_key, action="DO NOTHING")
    await query


async def due(kinds: list[str], now: datetime, limit: int) -> list[dict[str, Any]]:
    """Pending jobs whose time has come, and running jobs whose lease ran out.

    Two queries rather than one with an OR: each keeps to an index on ``status``
    however many finished jobs pile up, where SQLite's planner, given the OR, may
    walk every job of a kind instead.
    """
    pending = await _select(
        kinds, (OutboxJob.status == "pending") & (OutboxJob.next_attempt_at <= now), limit
    )
    stale = await _select(kinds, _lease_ran_out(now), limit)
    # A job seen by both (claimed and run out between the two reads) is run once.
    by_id = {job["id"]: job for job in [*pending, *stale]}
    return [by_id[job_id] for job_id in sorted(by_id)[:limit]]


async def _select(kinds: list[str], where: And, limit: int) -> list[dict[str, Any]]:
    return (
        await OutboxJob.select()
        .output(load_json=True)
        .where(OutboxJob.kind.is_in(kinds) & where)
        .order_by(OutboxJob.id)
        .limit(limit)
    )


async def claim(
    job_id: int, attempts: int, worker: str, now: datetime, lease_until: datetime, note: str
) -> bool:
    """Take a job for ``worker`` until ``lease_until``; False if it was not free.

    Free means pending, or running with its lease run out, and still at ``attempts``:
    checked in the UPDATE itself, so of two workers that read the same row only one
    wins, and a lease renewed after the row was read is respected.
    """
    rows = (
        await OutboxJob.update(
            {
                OutboxJob.status: "running",
                OutboxJob.attempts: attempts + 1,
                OutboxJob.claimed_by: worker,
                OutboxJob.lease_until: lease_until,
                OutboxJob.last_error: note,
            }
        )
        .where(
            (OutboxJob.id == job_id)
            & (OutboxJob.attempts == attempts)
            & (
                ((OutboxJob.status == "pending") & (OutboxJob.next_attempt_at <= now))
                | _lease_ran_out(now)
            )
        )
        .returning(OutboxJob.id)
    )
    return bool(rows)


async def abandon(job_id: int, attempts: int, now: datetime, error: str) -> bool:
    """Fail a running job whose lease ran out, unless someone took or renewed it."""
    rows = (
        await OutboxJob.update(
            {
                OutboxJob.status: "failed",
                OutboxJob.done_at: now,
                OutboxJob.lease_until: None,
                OutboxJob.last_error: error,
            }
        )
        .where((OutboxJob.id == job_id) & (OutboxJob.attempts == attempts) & _lease_ran_out(now))
        .returning(OutboxJob.id)
    )
    return bool(rows)


async def renew(job_id: int, attempts: int, worker: str, lease_until: datetime) -> bool:
    rows = (
        await OutboxJob.update({OutboxJob.lease_until: lease_until})
        .where(_held_by(job_id, attempts, worker))
        .returning(OutboxJob.id)
    )
    return bool(rows)


async def finish(
    job_id: int, attempts: int, worker: str, status: str, now: datetime, error: str = ""
) -> bool:
    rows = (
        await OutboxJob.update(
            {
                OutboxJob.status: status,
                OutboxJob.done_at: now,
                OutboxJob.lease_until: None,
                OutboxJob.last_error: error,
            }
        )
        .where(_held_by(job_id, attempts, worker))
        .returning(OutboxJob.id)
    )
    return bool(rows)


async def retry_at(job_id: int, attempts: int, worker: str, when: datetime, error: str) -> bool:
    rows = (
        await OutboxJob.update(
            {
                OutboxJob.status: "pending",
                OutboxJob.next_attempt_at: when,
                OutboxJob.lease_until: None,
                OutboxJob.last_error: error,
            }
        )
        .where(_held_by(job_id, attempts, worker))
        .returning(OutboxJob.id)
    )
    return bool(rows)


async def of_kind(kind: str) -> list[dict[str, Any]]:
    return (
        await OutboxJob.select()
        .output(load_json=True)
        .where(OutboxJob.kind == kind)
        .order_by(OutboxJob.id)
    )
