"""API shapes of bookings and of the public slot listing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Notes = Annotated[str, msgspec.Meta(max_length=5_000)]
Reason = Annotated[str, msgspec.Meta(max_length=1_000)]
Status = Literal["confirmed", "cancelled"]
MAX_GUESTS = 10


class SlotOut(msgspec.Struct):
    start: datetime
    end: datetime


class Day(msgspec.Struct):
    date: date
    slots: list[SlotOut]


class Slots(msgspec.Struct):
    time_zone: str
    days: list[Day]


class BookingCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    start: datetime
    name: Name
    email: Email
    time_zone: TimeZone
    notes: Notes = ""
    guests: Annotated[list[Email], msgspec.Meta(max_length=MAX_GUESTS)] = msgspec.field(
        default_factory=list
    )


class Reschedule(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    start: datetime
    reason: Reason = ""


class Cancel(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Reason = ""


class Invitee(msgspec.Struct):
    name: str
    email: str
    time_zone: str


class Links(msgspec.Struct):
    booking_url: str
    cancel_url: str
    reschedule_url: str
    ics_url: str
    google_calendar_url: str


class Booking(msgspec.Struct, kw_only=True):
    """A booking as its host sees it."""

    uid: str
    status: Status
    start: datetime
    end: datetime
    event_type_id: int
    event_type_title: str
    invitee: Invitee
    guests: list[str]
    notes: str
    location: str
    video_url: str | None
    contact_id: int | None
    activity_id: int | None
    cancel_reason: str
    created_at: datetime


class PublicBooking(msgspec.Struct, kw_only=True):
    """A booking as its invitee sees it (through a signed link): nothing else of the host's."""

    uid: str
    status: Status
    start: datetime
    end: datetime
    event_type_title: str
    event_type_slug: str
    duration_minutes: int
    host_name: str
    host_slug: str
    invitee: Invitee
    guests: list[str]
    notes: str
    location: str
    video_url: str | None
    cancel_reason: str
    links: Links
