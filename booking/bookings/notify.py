"""Invites and e-mails about a booking, queued in the outbox inside the booking's
transaction: a booking is never confirmed without its e-mails, nor e-mailed without
being committed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from booking.bookings.links import LinkSigner
from booking.notifications.emails import compose
from booking.notifications.ics import Invite, google_calendar_url
from booking.outbox import service as outbox
from booking.outbox.email import queue_email

Kind = Literal["confirmed", "rescheduled", "cancelled"]
# Zoom meetings of bookings whose event type's location is Zoom: the booking core
# only queues these; integrations talks to Zoom after commit (payload: the uid).
VIDEO_CREATE_JOB = "video.create"
VIDEO_UPDATE_JOB = "video.update"
VIDEO_DELETE_JOB = "video.delete"


def invite_for(row: dict[str, Any], links: LinkSigner, issued: datetime) -> Invite:
    """The calendar invite for a booking row (as read by the bookings repository)."""
    invitee = (row["invitee_name"], row["invitee_email"])
    attendees = (invitee, *(("", guest) for guest in row["guests"]))
    return Invite(
        uid=row["uid"],
        sequence=row["sequence"],
        status="cancelled" if row["status"] == "cancelled" else "confirmed",
        title=row["event_type_title"],
        start=row["start_at"],
        end=row["end_at"],
        organizer_name=row["host_name"],
        organizer_email=row["host_email"],
        attendees=attendees,
        created=issued,
        location=row["location"] or None,
        join_url=row["video_url"],
        notes=row["notes"],
        manage_url=links.booking_url(row["uid"]),
    )


def calendar_link(row: dict[str, Any], links: LinkSigner, issued: datetime) -> str:
    return google_calendar_url(invite_for(row, links, issued))


async def send(
    kind: Kind,
    row: dict[str, Any],
    *,
    links: LinkSigner,
    mail_from: str,
    issued: datetime,
    previous_start: datetime | None = None,
    reason: str = "",
) -> None:
    """Queue the invitee's and the host's e-mail for this change of the booking."""
    invite = invite_for(row, links, issued)
    recipients = [
        ("invitee", row["invitee_name"], row["invitee_email"], row["invitee_time_zone"]),
        ("host", row["host_name"], row["host_email"], row["host_time_zone"]),
    ]
    for audience, name, address, zone in recipients:
        # The signed link is the invitee's capability; the host manages from the app.
        shown = invite if audience == "invitee" else replace(invite, manage_url=None)
        message = compose(
            kind,
            shown,
            recipient_name=name,
            recipient_email=address,
            recipient_time_zone=zone,
            audience=audience,  # type: ignore[arg-type]
            mail_from=mail_from,
            previous_start=previous_start,
            reason=reason,
        )
        # Same booking, same version, same recipient: one e-mail, however often the
        # surrounding request is retried.
        await queue_email(
            message, dedupe_key=f"email:{row['uid']}:{row['sequence']}:{kind}:{audience}"
        )


async def queue_video_meeting(kind: str, row: dict[str, Any]) -> None:
    """Queue a meeting job for this change of the booking, in its transaction.

    Created and deleted once per booking; updated once per version (``sequence``),
    because every reschedule must reach the meeting.
    """
    key = f"{kind}:{row['uid']}"
    if kind == VIDEO_UPDATE_JOB:
        key += f":{row['sequence']}"
    await outbox.enqueue(kind, {"uid": row["uid"]}, dedupe_key=key)
