"""Enqueue work for integrations; claim, finish and retry it with bounded backoff."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from booking.outbox import repository

MAX_ATTEMPTS = 8
_BASE_DELAY = timedelta(seconds=30)
_MAX_DELAY = timedelta(hours=1)


async def enqueue(kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None) -> None:
    """Record work to do after commit. Call inside the transaction of the change."""
    await repository.insert(kind, payload, dedupe_key)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter (AWS architecture blog's recommendation),
    so a recovering SMTP server or API is not hit by every retry at once."""
    ceiling = min(_MAX_DELAY, _BASE_DELAY * (1 << max(attempts - 1, 0)))
    factor: float = (rng or random).uniform(0.5, 1.0)
    return ceiling * factor


async def due(kinds: list[str], now: datetime, limit: int = 50) -> list[dict[str, Any]]:
    return await repository.due(kinds, now, limit)


async def claim(job: dict[str, Any]) -> bool:
    return await repository.claim(job["id"], job["attempts"])


async def succeed(job: dict[str, Any], now: datetime, status: str = "done") -> None:
    await repository.finish(job["id"], status, now)


async def fail(
    job: dict[str, Any],
    now: datetime,
    error: str,
    *,
    temporary: bool,
    retry_at: datetime | None = None,
) -> None:
    """A temporary failure is retried later until MAX_ATTEMPTS; a permanent one is final.

    ``retry_at`` replaces the backoff when the other side said when to come back (an
    API's Retry-After): earlier would only be refused again.
    """
    attempts = job["attempts"] + 1
    if temporary and attempts < MAX_ATTEMPTS:
        when = max(retry_at, now) if retry_at is not None else now + backoff(attempts)
        await repository.retry_at(job["id"], when, error[:2000])
    else:
        await repository.finish(job["id"], "failed", now, error[:2000])


async def jobs_of_kind(kind: str) -> list[dict[str, Any]]:
    return await repository.of_kind(kind)
