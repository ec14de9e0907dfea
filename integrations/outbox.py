"""Carries out the booking core's outbox: e-mail, and whatever else is registered
(Zoom meetings).

In the embedded default a :class:`OutboxRunner` inside the web process polls the
outbox and is woken right after each commit that queued work. Several processes may
run one each: jobs are claimed with a compare-and-set, so none runs twice.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from booking.outbox import service as outbox
from booking.outbox.email import EMAIL_JOB
from integrations.mail import MailDeliveryError, SmtpSender

logger = logging.getLogger("rendezvous.outbox")

#: Carries out one claimed job and finishes it (``outbox.succeed`` or ``outbox.fail``).
JobHandler = Callable[[dict[str, Any], datetime], Awaitable[None]]


async def run_due(handlers: Mapping[str, JobHandler], now: datetime) -> int:
    """Claim and run every due job of the handled kinds; returns how many were run."""
    handled = 0
    for job in await outbox.due(list(handlers), now):
        if not await outbox.claim(job):
            continue
        handled += 1
        try:
            await handlers[job["kind"]](job, now)
        except Exception as exc:
            # A bug or a lost connection in one handler must not leave its job
            # "running" for ever, nor stop the jobs after it: retry it with backoff.
            logger.exception("outbox job %s (%s) failed", job["id"], job["kind"])
            await outbox.fail(job, now, f"unexpected error: {exc!r}", temporary=True)
    return handled


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


async def deliver_emails(sender: SmtpSender | None, now: datetime) -> int:
    """Send every due e-mail; returns how many jobs were handled."""
    return await run_due({EMAIL_JOB: email_handler(sender)}, now)


class OutboxRunner:
    """Polls every ``interval`` seconds, or at once after :meth:`kick`.

    E-mail jobs go to ``sender``; ``handlers`` adds other job kinds (by kind).
    """

    def __init__(
        self,
        sender: SmtpSender | None,
        *,
        handlers: Mapping[str, JobHandler] | None = None,
        interval: float = 15.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.handlers: dict[str, JobHandler] = {
            EMAIL_JOB: email_handler(sender),
            **(handlers or {}),
        }
        self.interval = interval
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        return await run_due(self.handlers, self.clock())

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                await self.run_once()
            except Exception:
                # A broken database connection must not kill the loop; retry next round.
                logger.exception("outbox round failed")
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
