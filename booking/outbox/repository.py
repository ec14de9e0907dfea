"""All queries on the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking.outbox.tables import OutboxJob


async def insert(kind: str, payload: dict[str, Any], dedupe_key: str | None) -> None:
    query = OutboxJob.insert(OutboxJob(kind=kind, payload=payload, dedupe_key=dedupe_key))
    if dedupe_key is not None:
        query = query.on_conflict(target=OutboxJob.dedupe_key, action="DO NOTHING")
    await query


async def due(kinds: list[str], now: datetime, limit: int) -> list[dict[str, Any]]:
    return (
        await OutboxJob.select()
        .output(load_json=True)
        .where(
            (OutboxJob.status == "pending")
            & (OutboxJob.kind.is_in(kinds))
            & (OutboxJob.next_attempt_at <= now)
        )
        .order_by(OutboxJob.id)
        .limit(limit)
    )


async def claim(job_id: int, attempts: int) -> bool:
    """Take a job for this worker; False if another worker took it first.

    A compare-and-set on ``attempts``, so two workers never run one job at once.
    """
    rows = (
        await OutboxJob.update({OutboxJob.status: "running", OutboxJob.attempts: attempts + 1})
        .where(
            (OutboxJob.id == job_id)
            & (OutboxJob.status == "pending")
            & (OutboxJob.attempts == attempts)
        )
        .returning(OutboxJob.id)
    )
    return bool(rows)


async def finish(job_id: int, status: str, now: datetime, error: str = "") -> None:
    await OutboxJob.update(
        {OutboxJob.status: status, OutboxJob.done_at: now, OutboxJob.last_error: error}
    ).where(OutboxJob.id == job_id)


async def retry_at(job_id: int, when: datetime, error: str) -> None:
    await OutboxJob.update(
        {OutboxJob.status: "pending", OutboxJob.next_attempt_at: when, OutboxJob.last_error: error}
    ).where(OutboxJob.id == job_id)


async def of_kind(kind: str) -> list[dict[str, Any]]:
    return (
        await OutboxJob.select()
        .output(load_json=True)
        .where(OutboxJob.kind == kind)
        .order_by(OutboxJob.id)
    )
