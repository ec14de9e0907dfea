"""Enqueue work for integrations; claim it under a lease, finish and retry it with
bounded backoff.

A claimed job is leased to one worker for a while (:data:`DEFAULT_LEASE`); the
holder renews the lease while it works. A job whose lease ran out (its process was
killed, or stalled longer than the lease) is due again, and the next worker takes it
over. That makes delivery at-least-once: a worker that dies after its e-mail left but
before it recorded so makes the next one send it again, so work must be safe to
repeat (an e-mail is sent byte for byte as stored, Message-ID included; a Zoom
meeting is found by its marker).
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from booking.outbox import repository

MAX_ATTEMPTS = 8
#: How long a claim holds without renewal. The holder renews it every third of this,
#: so a live worker loses it only by stalling (or losing the database) that long; a
#: dead one keeps its job from everyone else at most this long.
DEFAULT_LEASE = timedelta(seconds=60)
_BASE_DELAY = timedelta(seconds=30)
_MAX_DELAY = timedelta(hours=1)

logger = logging.getLogger("rendezvous.outbox")


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


async def claim(
    job: dict[str, Any], *, worker: str, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> dict[str, Any] | None:
    """Take ``job`` (as read by :func:`due`) for ``worker``; None if it is not ours to run.

    Returns the job as claimed, to hand to its handler and to :func:`succeed` /
    :func:`fail` / :func:`renew`. Its ``attempts`` stays the count of attempts before
    this one (a handler can tell a first attempt from a retry).

    None when another worker claimed it first, or when it was taken over
    ``MAX_ATTEMPTS`` times already: an attempt that kills its process is still an
    attempt, and such a job ends ``failed`` instead of killing every worker in turn.
    """
    taken_over = job["status"] == "running"
    if taken_over and job["attempts"] >= MAX_ATTEMPTS:
        reason = (
            f"gave up after {job['attempts']} attempts; the last one, by "
            f"{job['claimed_by'] or 'a worker'}, never finished (its process stopped)"
        )
        if await repository.abandon(job["id"], job["attempts"], now, reason):
            logger.error("outbox job %s (%s): %s", job["id"], job["kind"], reason)
        return None
    note = job["last_error"]
    if taken_over:
        note = (
            f"taken over: the lease of {job['claimed_by'] or 'an older version'} ran out"
            f" (attempt {job['attempts']} never finished)"
        )
    lease_until = now + lease
    if not await repository.claim(
        job["id"], job["attempts"], worker, now, lease_until, note[:2000]
    ):
        return None
    if taken_over:
        logger.warning("outbox job %s (%s): %s", job["id"], job["kind"], note)
    return {
        **job,
        "status": "running",
        "claimed_by": worker,
        "lease_until": lease_until,
        "last_error": note,
    }


async def renew(job: dict[str, Any], now: datetime, lease: timedelta = DEFAULT_LEASE) -> bool:
    """Extend a claimed job's lease to ``now + lease``; False if it is no longer ours
    (finished, or taken over after the lease ran out)."""
    return await repository.renew(job["id"], _claim_count(job), job["claimed_by"], now + lease)


async def succeed(job: dict[str, Any], now: datetime, status: str = "done") -> bool:
    """Record a claimed job as done; False (and nothing written) if it is no longer ours."""
    return _kept(
        job,
        await repository.finish(job["id"], _claim_count(job), job["claimed_by"], status, now),
    )


async def fail(
    job: dict[str, Any],
    now: datetime,
    error: str,
    *,
    temporary: bool,
    retry_at: datetime | None = None,
) -> bool:
    """A temporary failure is retried later until MAX_ATTEMPTS; a permanent one is final.

    ``retry_at`` replaces the backoff when the other side said when to come back (an
    API's Retry-After): earlier would only be refused again. False (and nothing
    written) if the job is no longer ours.
    """
    attempts = _claim_count(job)
    if temporary and attempts < MAX_ATTEMPTS:
        when = max(retry_at, now) if retry_at is not None else now + backoff(attempts)
        kept = await repository.retry_at(job["id"], attempts, job["claimed_by"], when, error[:2000])
    else:
        kept = await repository.finish(
            job["id"], attempts, job["claimed_by"], "failed", now, error[:2000]
        )
    return _kept(job, kept)


def _claim_count(job: dict[str, Any]) -> int:
    # The job's attempts as written by its claim, which names the claim.
    return int(job["attempts"]) + 1


def _kept(job: dict[str, Any], written: bool) -> bool:
    if not written:
        # Our lease ran out and the job passed on (taken over, or given up): what
        # happens to it now is the new holder's to record.
        logger.warning(
            "outbox job %s (%s): result of %s dropped, its lease had run out",
            job["id"],
            job["kind"],
            job["claimed_by"],
        )
    return written


async def jobs_of_kind(kind: str) -> list[dict[str, Any]]:
    return await repository.of_kind(kind)
