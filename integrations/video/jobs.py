"""The outbox jobs that keep a booking's Zoom meeting in step with the booking.

A failure here never touches the booking: it was confirmed when it was made.

- Rate limited or Zoom unavailable: retried later (at Zoom's Retry-After when it
  gave one, else with the outbox's backoff). For a create, the first failure also
  sends the confirmation without a link, so the invitee is not left waiting; the
  meeting made by a later attempt is sent as a new version of the invite.
- Grant revoked or expired (:class:`AuthExpired`): the account is flagged
  "reconnect needed", the host is e-mailed once, and the job ends failed.
- Anything else Zoom refuses, or no Zoom account at all: the job ends failed, with
  the reason in ``last_error``; when Zoom refused fields of the meeting, the reason
  names them as the host knows them ("the meeting's time zone").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from booking.bookings import service as bookings
from booking.bookings.notify import VIDEO_CREATE_JOB, VIDEO_DELETE_JOB, VIDEO_UPDATE_JOB
from booking.outbox import service as outbox
from integrations.accounts import service as accounts
from integrations.accounts.errors import AuthExpired, ProviderError, RateLimited, Unavailable
from integrations.outbox import JobHandler
from integrations.providers.zoom import ZoomClient
from integrations.video import meetings, repository, service
from integrations.video.environment import VideoEnvironment

__all__ = ["video_job_handlers"]

logger = logging.getLogger("rendezvous.video")
T = TypeVar("T")

#: Zoom's names for the meeting fields the jobs send, in the host's words.
_FIELD_NAMES = {
    "topic": "title",
    "agenda": "description",
    "start_time": "start time",
    "duration": "duration",
    "timezone": "time zone",
}


def video_job_handlers(env: VideoEnvironment) -> dict[str, JobHandler]:
    """The handlers to register with the outbox runner, by job kind."""

    async def create(job: dict[str, Any], now: datetime) -> None:
        await create_meeting(env, job, now)

    async def update(job: dict[str, Any], now: datetime) -> None:
        await update_meeting(env, job, now)

    async def delete(job: dict[str, Any], now: datetime) -> None:
        await delete_meeting(env, job, now)

    return {VIDEO_CREATE_JOB: create, VIDEO_UPDATE_JOB: update, VIDEO_DELETE_JOB: delete}


async def create_meeting(env: VideoEnvironment, job: dict[str, Any], now: datetime) -> None:
    uid = job["payload"]["uid"]
    row = await bookings.for_video(uid)
    if row is None or row.status != "confirmed" or row.video_meeting_id is not None:
        # Cancelled before Zoom was reached, or a meeting is already there.
        await outbox.succeed(job, now)
        return
    wanted = meetings.plan(row)
    # claim() counted this attempt before anything reached Zoom, so attempts > 0
    # means an earlier attempt may have created the meeting and lost the answer.
    retried = job["attempts"] > 0
    try:
        meeting = await _on_zoom(
            env, row.host_id, now, lambda c: meetings.create(c, wanted, may_exist=retried)
        )
    except Exception as exc:
        # Whatever went wrong, the invitee hears now; the link follows with a retry.
        await bookings.confirm_without_video(uid, env.bookings)
        if not isinstance(exc, ProviderError):
            raise  # the runner records it and retries with backoff
        await _failed(job, now, "creating the Zoom meeting", exc)
        return
    # Every failed attempt sent the confirmation without the link: send a new version.
    stored = await bookings.attach_video(
        uid, meeting.join_url, str(meeting.id), env.bookings, announced=retried
    )
    try:
        if stored is None or stored.status != "confirmed":
            # Cancelled while Zoom was busy; its delete job may have run already.
            await _on_zoom(
                env, row.host_id, now, lambda c: meetings.delete(c, meeting.id, wanted.marker)
            )
        elif (stored.start, stored.end) != (row.start, row.end):
            # Rescheduled meanwhile (by another process); its update found no meeting.
            moved = meetings.plan(stored)
            await _on_zoom(env, row.host_id, now, lambda c: meetings.move(c, meeting.id, moved))
    except ProviderError as exc:
        await _failed(job, now, f"following a change to the booking of meeting {meeting.id}", exc)
        return
    await outbox.succeed(job, now)


async def update_meeting(env: VideoEnvironment, job: dict[str, Any], now: datetime) -> None:
    row = await bookings.for_video(job["payload"]["uid"])
    if row is None or row.status != "confirmed" or row.video_meeting_id is None:
        # No meeting yet: the create job reads the booking's time when it runs.
        await outbox.succeed(job, now)
        return
    meeting_id, wanted = int(row.video_meeting_id), meetings.plan(row)
    try:
        await _on_zoom(env, row.host_id, now, lambda c: meetings.move(c, meeting_id, wanted))
    except ProviderError as exc:
        await _failed(job, now, f"moving Zoom meeting {meeting_id}", exc)
        return
    await outbox.succeed(job, now)


async def delete_meeting(env: VideoEnvironment, job: dict[str, Any], now: datetime) -> None:
    uid = job["payload"]["uid"]
    row = await bookings.for_video(uid)
    raw_id = row.video_meeting_id if row is not None else None
    if row is None or (raw_id is None and not await service.zoom_connected(row.host_id)):
        # No meeting known, and no account to look for one an unfinished create made.
        await outbox.succeed(job, now)
        return
    meeting_id = int(raw_id) if raw_id is not None else None
    try:
        await _on_zoom(
            env, row.host_id, now, lambda c: meetings.delete(c, meeting_id, meetings.marker(uid))
        )
    except ProviderError as exc:
        await _failed(job, now, f"deleting Zoom meeting {meeting_id or meetings.marker(uid)}", exc)
        return
    await outbox.succeed(job, now)


async def _on_zoom(
    env: VideoEnvironment, host_id: int, now: datetime, work: Callable[[ZoomClient], T]
) -> T:
    """Run ``work`` with the host's Zoom client in a worker thread (requests blocks).

    A refused grant flags the account before the error goes on to the job.
    """
    account = await repository.of_host(host_id)
    if account is None:
        raise ProviderError("Zoom is not connected for this host (video conferencing tab).")
    if account.status != "ok":
        raise AuthExpired(account.status_message or "Zoom needs reconnecting.")
    try:
        with service.zoom_client(env, account) as client:
            done = await asyncio.to_thread(work, client)
    except AuthExpired as exc:
        await service.reconnect_needed(env, account, f"Zoom refused our access: {exc.detail}.", now)
        raise
    await accounts.record_success(account, now)
    return done


async def _failed(job: dict[str, Any], now: datetime, doing: str, exc: ProviderError) -> None:
    if isinstance(exc, RateLimited | Unavailable):
        retry_at = None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            retry_at = now + timedelta(seconds=exc.retry_after)
        logger.warning("%s for job %s, will retry: %s", doing, job["id"], exc.detail)
        await outbox.fail(job, now, f"{doing}: {exc.detail}", temporary=True, retry_at=retry_at)
        return
    reason = _reason(exc)
    if isinstance(exc, AuthExpired):
        reason = f"Zoom needs reconnecting: {reason}"
    logger.warning("%s for job %s failed: %s", doing, job["id"], reason)
    await outbox.fail(job, now, f"{doing}: {reason}", temporary=False)


def _reason(exc: ProviderError) -> str:
    """What went wrong, for the host: Zoom's own message for a validation failure is
    just "Validation Failed.", so the refused fields lead."""
    if not exc.field_errors:
        return exc.detail
    refused = ", ".join(
        f"the meeting's {_FIELD_NAMES.get(e.field, e.field)} ({e.field}: {e.message})"
        for e in exc.field_errors
    )
    return f"Zoom refused {refused}"
