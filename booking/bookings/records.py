"""Typed records of bookings, as the repository returns them."""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ["BookingRecord", "BusyBooking", "InviteeRecord"]


class InviteeRecord(msgspec.Struct, kw_only=True, frozen=True):
    """Who booked, from the ``invitee_*`` columns."""

    name: str
    email: str
    time_zone: str


class BookingRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``booking`` with what its e-mails and pages show of the event type and
    host. Fields are named as the API names them; ``name=`` is the column."""

    id: int
    uid: str
    host_id: int = msgspec.field(name="host")
    event_type_id: int = msgspec.field(name="event_type")
    start: datetime = msgspec.field(name="start_at")
    end: datetime = msgspec.field(name="end_at")
    buffer_before_minutes: int
    buffer_after_minutes: int
    #: "confirmed" or "cancelled"; rules.blocks_time says which block time.
    status: str
    invitee: InviteeRecord
    notes: str
    guests: list[str]
    contact_id: int | None = msgspec.field(name="contact")
    activity_id: int | None = msgspec.field(name="activity")
    location: str
    video_url: str | None
    video_meeting_id: str | None
    #: iCalendar SEQUENCE: raised on every reschedule or cancel.
    sequence: int
    cancel_reason: str
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    event_type_title: str
    event_type_slug: str
    duration_minutes: int
    host_name: str
    host_slug: str
    host_email: str
    host_time_zone: str


class BusyBooking(msgspec.Struct, kw_only=True, frozen=True):
    """A booking that blocks its host's time, with the buffers it was booked with."""

    uid: str
    event_type_id: int = msgspec.field(name="event_type")
    start: datetime = msgspec.field(name="start_at")
    end: datetime = msgspec.field(name="end_at")
    buffer_before_minutes: int
    buffer_after_minutes: int
