"""Carries out the booking core's outbox: e-mail, and whatever else is registered
(Zoom meetings).

In the embedded default a :class:`OutboxRunner` inside the web process polls the
outbox and is woken right after each commit that queued work. Several processes may
run one each: a job is claimed with a compare-and-set and leased to the claiming
runner, which renews the lease while the job's handler runs. A job whose runner
died (``kill -9``, a crash, a lost machine) is due again once its lease runs out,
and the next runner to poll takes it over (``booking.outbox.service``).

Why renew rather than pick a lease longer than any handler can take: no one number
bounds a handler. aiosmtplib's timeout is per SMTP command, not per message, and a
Zoom job makes several requests plus a token refresh that may wait on another
process's lock. A lease sized for the worst case would also be how long the invitee
waits after a crash. Renewing keeps the lease short (a minute by default) and still
never lets a second runner start a job whose holder is alive.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from booking.outbox import service as outbox
from booking.outbox.email import EMAIL_JOB
from integrations.mail import MailDeliveryError, SmtpSender

logger = logging.getLogger("rendezvous.outbox")

#: Carries out one claimed job and finishes it (``outbox.succeed`` or ``outbox.fail``).
JobHandler = Callable[[dict[str, Any], datetime], Awaitable[None]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """Names a runner in the jobs it holds: machine and process, to find it, and a
    random part, because two runners in one process must not share a claim."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


async def run_due(
    handlers: Mapping[str, JobHandler],
    *,
    worker: str,
    lease: timedelta = outbox.DEFAULT_LEASE,
    clock: Clock = utc_now,
) -> int:
    """Claim and run every due job of the handled kinds; returns how many were run."""
    handled = 0
    for job in await outbox.due(list(handlers), clock()):
        # Read the clock per job: a round of slow jobs must not claim the last ones
        # with a lease that began when the round did.
        now = clock()
        claimed = await outbox.claim(job, worker=worker, now=now, lease=lease)
        if claimed is None:
            continue
        handled += 1
        async with _lease_kept(claimed, lease, clock):
            try:
                await handlers[job["kind"]](claimed, now)
            except Exception as exc:
                # A bug or a lost connection in one handler must not leave its job
                # "running" until its lease runs out, nor stop the jobs after it:
                # retry it with backoff.
                logger.exception("outbox job %s (%s) failed", job["id"], job["kind"])
                await outbox.fail(claimed, clock(), f"unexpected error: {exc!r}", temporary=True)
    return handled


@contextlib.asynccontextmanager
async def _lease_kept(job: dict[str, Any], lease: timedelta, clock: Clock) -> AsyncIterator[None]:
    """Renew ``job``'s lease every third of its length while the block runs.

    Ended by an event rather than cancelled: a renewal cancelled mid-query would leave
    aiosqlite's worker thread with an answer nobody awaits.
    """
    finished = asyncio.Event()
    period = lease.total_seconds() / 3

    async def keep() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finished.wait(), period)
            if finished.is_set():
                return
            try:
                renewed = await outbox.renew(job, clock(), lease)
            except Exception:
                # The database may be back before the lease runs out: keep trying.
                logger.exception("renewing the lease of outbox job %s failed", job["id"])
                continue
            if not renewed and not finished.is_set():
                # Renewals came too late (a stalled loop, an unreachable database) and
                # another runner took the job over. Letting the handler finish is
                # safer than cancelling it mid-write; what it records is dropped.
                logger.warning(
                    "outbox job %s (%s): lease lost while running", job["id"], job["kind"]
                )
                return

    keeper = asyncio.create_task(keep(), name=f"outbox-lease-{job['id']}")
    try:
        yield
    finally:
        finished.set()
        await keeper


def email_handler(sender: SmtpSender | None) -> JobHandler:
    """Sends one e-mail job.

    Without an SMTP server (no ``SMTP_URL``) a message is written to the log and kept
    in the outbox as ``logged``, so nothing is lost and an operator can still read it.
    """

    async def deliver(job: dict[str, Any], now: datetime) -> None:
        payload = job["payload"]
        if sender is None:
            logger.info(
                "e-mail not sent (no SMTP_URL): to=%s subject=%s", payload["to"], payload["subject"]
            )
            await outbox.succeed(job, now, status="logged")
            return
        try:
            await sender.send_raw(
                base64.b64decode(payload["message"]),
                sender=payload["from"],
                recipients=[payload["to"]],
            )
        except MailDeliveryError as exc:
            logger.warning(
                "e-mail to %s failed (temporary=%s): %s", payload["to"], exc.temporary, exc
            )
            await outbox.fail(job, now, str(exc), temporary=exc.temporary)
        else:
            await outbox.succeed(job, now)

    return deliver


async def deliver_emails(
    sender: SmtpSender | None, now: datetime, *, worker: str | None = None
) -> int:
    """Send every e-mail due at ``now`` (a fixed time: for tests and one-off runs);
    returns how many jobs were handled."""
    return await run_due(
        {EMAIL_JOB: email_handler(sender)}, worker=worker or worker_name(), clock=lambda: now
    )


class OutboxRunner:
    """Polls every ``interval`` seconds, or at once after :meth:`kick`.

    E-mail jobs go to ``sender``; ``handlers`` adds other job kinds (by kind). Jobs are
    claimed for ``lease`` at a time, as ``worker`` (default: :func:`worker_name`).
    """

    def __init__(
        self,
        sender: SmtpSender | None,
        *,
        handlers: Mapping[str, JobHandler] | None = None,
        interval: float = 15.0,
        lease: timedelta = outbox.DEFAULT_LEASE,
        worker: str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.handlers: dict[str, JobHandler] = {
            EMAIL_JOB: email_handler(sender),
            **(handlers or {}),
        }
        # At least once a lease: a job whose runner died waits for its lease to run
        # out, and then not much longer for a taker.
        self.interval = min(interval, lease.total_seconds())
        self.lease = lease
        self.worker = worker or worker_name()
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        return await run_due(self.handlers, worker=self.worker, lease=self.lease, clock=self.clock)

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                handled = await self.run_once()
            except Exception:
                # A broken database connection must not kill the loop; retry next round.
                logger.exception("outbox round failed")
                handled = 0
            if handled:
                # A round takes at most one page of due jobs (outbox.due's limit): after
                # a burst, the next page is due now, not after the interval.
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outbox-runner")

    async def stop(self) -> None:
        # Let the current round finish instead of cancelling it: a query cancelled
        # mid-flight leaves aiosqlite's worker thread answering a closed event loop.
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None

    async def drain(self) -> None:
        """Run rounds until nothing is due (tests use this instead of waiting)."""
        while await self.run_once():
            pass
