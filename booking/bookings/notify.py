"""Invites and e-mails about a booking, queued in the outbox inside the booking's
transaction: a booking is never confirmed without its e-mails, nor e-mailed without
being committed.

Everyone on the invite hears of every version: the invitee, the host, and each guest
the invitee named (listed as ATTENDEEs with RSVP=TRUE, so their calendars expect the
updates and the cancellation too).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from typing import Literal

from booking.bookings.links import LinkSigner
from booking.bookings.records import BookingRecord
from booking.notifications.emails import Audience, compose
from booking.notifications.ics import Invite, google_calendar_url
from booking.outbox import service as outbox
from booking.outbox.email import queue_email

Kind = Literal["confirmed", "rescheduled", "cancelled"]
# Zoom meetings of bookings whose event type's location is Zoom: the booking core
# only queues these; integrations talks to Zoom after commit (payload: the uid).
VIDEO_CREATE_JOB = "video.create"
VIDEO_UPDATE_JOB = "video.update"
VIDEO_DELETE_JOB = "video.delete"


def invite_for(row: BookingRecord, links: LinkSigner, issued: datetime) -> Invite:
    """The calendar invite for a booking row (as read by the bookings repository)."""
    invitee = (row.invitee.name, row.invitee.email)
    attendees = (invitee, *(("", guest) for guest in row.guests))
    return Invite(
        uid=row.uid,
        sequence=row.sequence,
        status="cancelled" if row.status == "cancelled" else "confirmed",
        title=row.event_type_title,
        start=row.start,
        end=row.end,
        organizer_name=row.host_name,
        organizer_email=row.host_email,
        attendees=attendees,
        created=issued,
        location=row.location or None,
        join_url=row.video_url,
        notes=row.notes,
        # The link lets its holder cancel or reschedule; a cancelled booking's invite
        # stays in calendars and must not carry it.
        manage_url=links.booking_url(row.uid) if row.status != "cancelled" else None,
    )


def calendar_link(row: BookingRecord, links: LinkSigner, issued: datetime) -> str:
    return google_calendar_url(invite_for(row, links, issued))


async def send(
    kind: Kind,
    row: BookingRecord,
    *,
    links: LinkSigner,
    mail_from: str,
    issued: datetime,
    previous_start: datetime | None = None,
    reason: str = "",
) -> None:
    """Queue the e-mail of the invitee, the host and each guest for this change of the
    booking, one message per recipient."""
    invite = invite_for(row, links, issued)
    recipients: list[tuple[Audience, str, str, str, str]] = [
        ("invitee", "invitee", row.invitee.name, row.invitee.email, row.invitee.time_zone),
        ("host", "host", row.host_name, row.host_email, row.host_time_zone),
    ]
    # A guest's zone is unknown; the invitee who named them most likely shares it.
    # Keyed by a digest of the address: dedupe keys are at most 200 characters, an
    # address up to 320. An address that is also the invitee's or the host's (or
    # named twice) gets one e-mail.
    seen = {row.invitee.email.casefold(), row.host_email.casefold()}
    for guest in row.guests:
        if guest.casefold() not in seen:
            seen.add(guest.casefold())
            digest = hashlib.sha256(guest.casefold().encode()).hexdigest()[:24]
            recipients.append(("guest", f"guest:{digest}", "", guest, row.invitee.time_zone))
    for audience, who, name, address, zone in recipients:
        # The signed link is the invitee's capability; the host manages from the app,
        # and a guest must not be able to cancel someone else's booking.
        shown = invite if audience == "invitee" else replace(invite, manage_url=None)
        message = compose(
            kind,
            shown,
            recipient_name=name,
            recipient_email=address,
            recipient_time_zone=zone,
            audience=audience,
            mail_from=mail_from,
            previous_start=previous_start,
            reason=reason,
        )
        # Same booking, same version, same recipient: one e-mail, however often the
        # surrounding request is retried.
        await queue_email(message, dedupe_key=f"email:{row.uid}:{row.sequence}:{kind}:{who}")


async def queue_video_meeting(kind: str, row: BookingRecord) -> None:
    """Queue a meeting job for this change of the booking, in its transaction.

    Created and deleted once per booking; updated once per version (``sequence``),
    because every reschedule must reach the meeting.
    """
    key = f"{kind}:{row.uid}"
    if kind == VIDEO_UPDATE_JOB:
        key += f":{row.sequence}"
    await outbox.enqueue(kind, {"uid": row.uid}, dedupe_key=key)
